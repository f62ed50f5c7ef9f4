from django import forms
from django.contrib import admin

from caseaudit.accounts.services import can_grant_role, can_manage_account

from . import services
from .models import ServiceArea, Staff, Team


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "service_area"]
    list_filter = ["service_area"]


class StaffAdminForm(forms.ModelForm):
    """The staff form, within the accounts rules: nobody gives a role above their own, attaches
    a record to an account above their own, or marks themselves as having left."""

    actor = None  # set by StaffAdmin.get_form

    class Meta:
        model = Staff
        fields = [
            "user",
            "staff_id",
            "name",
            "role",
            "team",
            "service_area",
            "line_manager",
            "left_on",
        ]

    def clean_role(self):
        role = self.cleaned_data.get("role")
        if (
            role
            and role != self.initial.get("role")
            and not can_grant_role(actor=self.actor, role=role)
        ):
            raise forms.ValidationError("You cannot give a role with more privilege than yours.")
        return role

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is not None and not can_manage_account(actor=self.actor, target=user):
            raise forms.ValidationError(
                "You cannot manage an account with more privilege than yours."
            )
        return user

    def clean_left_on(self):
        left_on = self.cleaned_data.get("left_on")
        user_id = self.instance.user_id if self.instance.pk else None
        if left_on and not self.initial.get("left_on") and user_id == self.actor.pk:
            raise forms.ValidationError("You cannot mark yourself as having left.")
        return left_on


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    """Staff records. Setting "left on" disables the account through
    `caseaudit.organisation.services.staff_mark_left` (so `account_disable`: sessions end, the
    security log records who did it). An existing record's account cannot be swapped for another
    here (identity is not data), and nobody changes a record above their own privilege."""

    form = StaffAdminForm
    list_display = ["name", "staff_id", "role", "team", "line_manager", "left_on"]
    list_filter = ["role", "team__service_area"]
    search_fields = ["name", "staff_id", "user__email"]
    raw_id_fields = ["user", "line_manager"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("user")
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or obj.user_id == request.user.pk:
            return allowed
        return can_manage_account(actor=request.user, target=obj.user)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return can_manage_account(actor=request.user, target=obj.user)

    def save_model(self, request, obj, form, change):
        leaving = obj.left_on is not None and (not change or "left_on" in form.changed_data)
        super().save_model(request, obj, form, change)
        if leaving:
            services.staff_mark_left(staff=obj, by=request.user, left_on=obj.left_on)
