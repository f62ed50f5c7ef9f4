from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "display_name",
        "case_type",
        "team",
        "allocated_worker",
        "closed_on",
    ]
    list_filter = ["case_type", "team__service_area"]
    search_fields = ["reference"]
    raw_id_fields = ["allocated_worker"]
