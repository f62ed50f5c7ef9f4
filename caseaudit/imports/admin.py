from django.contrib import admin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """The import history, read only: runs are written by the import services alone."""

    list_display = ["started_at", "kind", "source_format", "file_name", "by", "status", "rows"]
    list_filter = ["kind", "source_format", "status", "via"]
    search_fields = ["file_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
