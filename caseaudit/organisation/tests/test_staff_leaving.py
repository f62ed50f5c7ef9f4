"""Finding 15: staff marked as left keep no sessions and cannot sign in. Leaving disables the
account through the one disabling service (caseaudit.accounts.services.account_disable)."""

import datetime as dt

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from caseaudit.accounts.models import SecurityEvent, SecurityEventKind
from caseaudit.accounts.services import staff_mark_left
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role

PASSWORD = "correct-horse-battery"


def sign_in(staff) -> Client:
    browser = Client()
    response = browser.post(
        reverse("account_login"), {"login": staff.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert browser.get(reverse("home")).status_code == 200
    return browser


def staff_form(staff, **changes) -> dict:
    data = {
        "staff_id": staff.staff_id,
        "name": staff.name,
        "role": staff.role,
        "team": staff.team_id or "",
        "service_area": staff.service_area_id or "",
        "line_manager": staff.line_manager_id or "",
        "left_on": "",
    }
    return data | changes


def assert_left_and_locked_out(staff, browser, by):
    staff.refresh_from_db()
    staff.user.refresh_from_db()
    assert staff.left_on == dt.date(2026, 3, 31)
    assert not staff.user.is_active
    assert not UserSession.objects.filter(user=staff.user).exists()
    assert browser.get(reverse("home")).status_code == 302  # signed out
    again = Client()
    response = again.post(
        reverse("account_login"), {"login": staff.user.email, "password": PASSWORD}
    )
    assert response.url == reverse("account_inactive")
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ACCOUNT_DISABLED)
    assert (event.user, event.by, event.detail) == (staff.user, by, "left")


def test_marking_a_leaver_in_the_admin_ends_sessions_and_disables_the_account(org):
    superuser = StaffFactory(user__is_staff=True, user__is_superuser=True)
    browser = sign_in(org.worker)
    admin_client = Client()
    admin_client.force_login(superuser.user)
    change_url = reverse("admin:organisation_staff_change", args=[org.worker.pk])
    response = admin_client.post(change_url, staff_form(org.worker, left_on="2026-03-31"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_left_and_locked_out(org.worker, browser, superuser.user)


def test_the_leaving_service_does_the_same(org):
    admin = StaffFactory(role=Role.ADMIN, team=None)
    browser = sign_in(org.worker)
    staff_mark_left(staff=org.worker, by=admin.user, left_on=dt.date(2026, 3, 31))
    staff_mark_left(staff=org.worker, by=admin.user, left_on=dt.date(2026, 4, 30))  # again
    assert_left_and_locked_out(org.worker, browser, admin.user)


def test_nobody_marks_themselves_as_left_in_the_admin(db):
    superuser = StaffFactory(user__is_staff=True, user__is_superuser=True)
    client = Client()
    client.force_login(superuser.user)
    change_url = reverse("admin:organisation_staff_change", args=[superuser.pk])
    response = client.post(change_url, staff_form(superuser, left_on="2026-03-31"))
    assert response.status_code == 200
    assert "You cannot mark yourself as having left" in response.content.decode()
    superuser.user.refresh_from_db()
    assert superuser.user.is_active


@pytest.mark.parametrize("role", [Role.PERFORMANCE])
def test_performance_assurance_cannot_mark_an_administrator_as_left(org, role):
    from django.contrib.auth.models import Permission

    admin = StaffFactory(role=Role.ADMIN, team=None)
    performance = StaffFactory(role=role, team=None, user__is_staff=True)
    performance.user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_staff", "change_staff"])
    )
    client = Client()
    client.force_login(performance.user)
    change_url = reverse("admin:organisation_staff_change", args=[admin.pk])
    assert client.post(change_url, staff_form(admin, left_on="2026-03-31")).status_code == 403
    admin.refresh_from_db()
    admin.user.refresh_from_db()
    assert admin.left_on is None and admin.user.is_active
