from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "caseaudit.api"
    label = "api"
    verbose_name = "REST API"
