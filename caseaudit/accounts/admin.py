from django.contrib import admin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log, to read and search: nobody adds, changes or deletes entries."""

    list_display = ["at", "kind", "user", "email_tried", "detail", "ip_address", "by"]
    list_filter = ["kind", "at"]
    search_fields = ["user__email", "email_tried", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["user", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
