from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "caseaudit.notifications"
    label = "notifications"
    verbose_name = "Notifications"
