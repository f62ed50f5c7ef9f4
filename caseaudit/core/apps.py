from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "caseaudit.core"
    label = "core"
    verbose_name = "Core"
