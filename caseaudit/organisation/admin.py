from django.contrib import admin

from .models import ServiceArea, Staff, Team


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "service_area"]
    list_filter = ["service_area"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["name", "staff_id", "role", "team", "line_manager", "left_on"]
    list_filter = ["role", "team__service_area"]
    search_fields = ["name", "staff_id", "user__email"]
    raw_id_fields = ["user", "line_manager"]
