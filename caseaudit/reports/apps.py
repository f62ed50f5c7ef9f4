from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "caseaudit.reports"
    label = "reports"
    verbose_name = "Reports"
