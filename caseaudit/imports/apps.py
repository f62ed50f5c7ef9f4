from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "caseaudit.imports"
    label = "imports"
    verbose_name = "Imports"
