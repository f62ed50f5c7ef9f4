from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "caseaudit.responses"
    label = "responses"
    verbose_name = "QA responses"
