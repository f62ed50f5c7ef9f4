from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "caseaudit.improvement"
    label = "improvement"
    verbose_name = "Findings reports, improvement actions, follow-up audits and good practice"
