from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "caseaudit.demo"
    label = "demo"
    verbose_name = "Demo authority"
