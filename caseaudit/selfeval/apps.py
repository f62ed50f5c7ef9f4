from django.apps import AppConfig


class SelfEvalConfig(AppConfig):
    name = "caseaudit.selfeval"
    label = "selfeval"
    verbose_name = "The self-evaluation pack"
