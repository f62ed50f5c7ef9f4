from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "caseaudit.programme"
    label = "programme"
    verbose_name = "Audit programme"
