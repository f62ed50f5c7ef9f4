from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import format_html

from caseaudit.organisation.models import Staff

from . import policy, services
from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log, to read and search: nobody adds, changes or deletes entries."""

    list_display = ["at", "kind", "user", "email_tried", "detail", "ip_address", "by"]
    readonly_fields = ["email_before", "email_after"]
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


class ManagedUserChangeForm(UserChangeForm):
    """The admin's user form, refusing what the accounts services refuse."""

    actor = None  # set by UserAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.pk
            and self.instance.is_active
            and cleaned.get("is_active") is False
            and self.actor is not None
            and self.instance.pk == self.actor.pk
        ):
            self.add_error("is_active", "You cannot disable your own account.")
        return cleaned


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, within the accounts rules (caseaudit.accounts.services):

    - an existing account's email address and username are read-only here: they change only
      through the identity page (`account_identity_change`), linked from the form;
    - clearing "active" disables the account through `account_disable` (sessions end, the
      security log records who did it);
    - nobody changes or deletes an account with more privilege than their own
      (`can_manage_account`), and only superusers give superuser status, groups or permissions.
    """

    form = ManagedUserChangeForm

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["username", "email", "identity_change_link"]
            if not request.user.is_superuser:
                fields += ["is_superuser", "groups", "user_permissions"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        result = []
        for name, options in fieldsets:
            fields = list(options.get("fields", ()))
            if "email" in fields:
                fields.insert(fields.index("email") + 1, "identity_change_link")
            result.append((name, {**options, "fields": tuple(fields)}))
        return result

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    @admin.display(description="Change email or username")
    def identity_change_link(self, obj):
        if obj is None or obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">Change the email address or username</a>',
            reverse("account_identity_change", args=[obj.pk]),
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or obj.pk == request.user.pk:
            return allowed
        return services.can_manage_account(actor=request.user, target=obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.can_manage_account(actor=request.user, target=obj)

    def save_model(self, request, obj, form, change):
        disabling = change and "is_active" in form.changed_data and not obj.is_active
        if disabling:
            obj.is_active = True  # the service disables it, with the rest of what that means
        super().save_model(request, obj, form, change)
        if disabling:
            services.account_disable(user=obj, by=request.user, reason="Django admin")


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
            and not policy.can_grant_role(actor=self.actor, role=role)
        ):
            raise forms.ValidationError("You cannot give a role with more privilege than yours.")
        return role

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is not None and not policy.can_manage_account(actor=self.actor, target=user):
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
    `caseaudit.accounts.services.staff_mark_left` (so `account_disable`: sessions end, the
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
        return policy.can_manage_account(actor=request.user, target=obj.user)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return policy.can_manage_account(actor=request.user, target=obj.user)

    def save_model(self, request, obj, form, change):
        leaving = obj.left_on is not None and (not change or "left_on" in form.changed_data)
        super().save_model(request, obj, form, change)
        if leaving:
            services.staff_mark_left(staff=obj, by=request.user, left_on=obj.left_on)
