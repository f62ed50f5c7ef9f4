"""Service areas and teams. The staff records' admin is `caseaudit.accounts.admin.StaffAdmin`:
it applies the accounts rules (privilege, disabling a leaver's account), which sit above the
organisation (docs/CONVENTIONS.md, "Layers")."""

from django.contrib import admin

from .models import ServiceArea, Team


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "service_area"]
    list_filter = ["service_area"]
