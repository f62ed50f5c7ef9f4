from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "caseaudit.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from . import receivers  # noqa: F401  (connects to audits' and cases' signals)
