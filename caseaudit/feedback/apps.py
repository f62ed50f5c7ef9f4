from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "caseaudit.feedback"
    label = "feedback"
    verbose_name = "Family feedback and collaborative audit"
