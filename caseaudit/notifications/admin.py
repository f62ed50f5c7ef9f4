from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are made by the app. Useful to see why an email failed."""

    list_display = ["created_at", "recipient", "kind", "subject", "read_at", "email_status"]
    list_filter = ["email_status", "kind"]
    search_fields = ["subject", "idempotency_key", "recipient__name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
