from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "caseaudit.jobs"
    label = "jobs"
    verbose_name = "Periodic jobs"
