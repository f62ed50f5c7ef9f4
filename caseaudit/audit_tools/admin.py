from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import ScalingBand, Theme, ToolChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]


@admin.register(ScalingBand)
class ScalingBandAdmin(ReadOnlyAdmin):
    """Read-only here: the bands must cover 0-10 exactly once, which the page at
    /tools/bands/edit/ (scaling_bands_update) checks and records."""

    list_display = ["name", "min_score", "max_score", "urgent", "edit_link"]

    @admin.display(description="Change")
    def edit_link(self, obj):
        return format_html('<a href="{}">Change the bands</a>', reverse("tool_bands_edit"))


@admin.register(ToolChange)
class ToolChangeAdmin(ReadOnlyAdmin):
    """The history of tool versions and bands: written by the services, never edited."""

    list_display = ["at", "action", "version", "by"]
    list_filter = ["action"]
    list_select_related = ["version", "version__tool", "by"]
