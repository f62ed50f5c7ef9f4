"""The identity page (administrators change an account's email address) and the Django admin,
which can no longer change an email or username directly, nor touch a more privileged account."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from caseaudit.accounts.models import AccessEvent, SecurityEvent, SecurityEventKind
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role


@pytest.fixture
def admin(db):
    return StaffFactory(role=Role.ADMIN, team=None)


def url(staff) -> str:
    return reverse("account_identity_change", args=[staff.user.pk])


@pytest.mark.parametrize(
    "persona", ["worker", "colleague", "outsider", "tm", "performance", "director", "iro"]
)
def test_only_administrators_reach_the_page(org, login, persona):
    client = login(getattr(org, persona))
    assert client.get(url(org.colleague)).status_code == 404
    response = client.post(url(org.colleague), {"email": "else@example.org"})
    assert response.status_code == 404
    org.colleague.user.refresh_from_db()
    assert org.colleague.user.email != "else@example.org"


def test_an_administrator_changes_an_email_on_the_page(
    org, admin, login, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = login(admin)
    with django_assert_max_num_queries(7):
        page = client.get(url(org.worker))
    assert page.status_code == 200
    assert org.worker.user.email in page.content.decode()
    old = org.worker.user.email
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(org.worker), {"email": "sam.renamed@example.org"}, follow=True)
    assert response.status_code == 200
    assert "now signs in as sam.renamed@example.org" in response.content.decode()
    org.worker.user.refresh_from_db()
    assert org.worker.user.email == "sam.renamed@example.org"
    event = SecurityEvent.objects.get(kind=SecurityEventKind.IDENTITY_CHANGED)
    assert (event.by, event.email_before) == (admin.user, old)
    assert [m.to for m in mail.outbox] == [[old]]
    # An account page holds nothing about a child: no access-log entry.
    assert not AccessEvent.objects.exists()


def test_the_page_shows_the_services_refusal(org, admin, login):
    client = login(admin)
    response = client.post(url(org.worker), {"email": org.colleague.user.email})
    assert response.status_code == 200
    assert "Another account already uses that email address" in response.content.decode()
    assert "There is a problem" in response.content.decode()


def test_an_administrator_cannot_reach_an_unknown_account(admin, login):
    assert login(admin).get(reverse("account_identity_change", args=[999999])).status_code == 404


# --- the Django admin --------------------------------------------------------------------------


def admin_site_user(*, role, perms=("view_user", "change_user", "view_staff", "change_staff")):
    staff = StaffFactory(role=role, team=None, user__is_staff=True)
    staff.user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    return staff


def test_the_admin_shows_email_and_username_read_only_with_a_link(org, db):
    superuser = StaffFactory(user__is_staff=True, user__is_superuser=True)
    client = Client()
    client.force_login(superuser.user)
    change_url = reverse("admin:auth_user_change", args=[org.worker.user.pk])
    page = client.get(change_url)
    form = page.context["adminform"].form
    assert "email" not in form.fields and "username" not in form.fields
    assert url(org.worker) in page.content.decode()
    # Posting an address anyway changes nothing.
    data = {
        "first_name": "",
        "last_name": "",
        "email": "hijack@example.org",
        "username": "hijack",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    org.worker.user.refresh_from_db()
    assert org.worker.user.email != "hijack@example.org"
    assert org.worker.user.username != "hijack"


def test_the_admin_refuses_a_less_privileged_actor_on_an_administrators_account(org, admin):
    performance = admin_site_user(role=Role.PERFORMANCE)
    client = Client()
    client.force_login(performance.user)
    change_url = reverse("admin:auth_user_change", args=[admin.user.pk])
    response = client.post(change_url, {"is_active": "", "date_joined_0": "2026-01-01"})
    assert response.status_code == 403
    admin.user.refresh_from_db()
    assert admin.user.is_active
    # ... nor its password.
    password_url = reverse("admin:auth_user_password_change", args=[admin.user.pk])
    assert client.get(password_url).status_code == 403
    # An ordinary account, it may change.
    page = client.get(reverse("admin:auth_user_change", args=[org.worker.user.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"]
    # Nor may it make anyone a superuser or give permissions.
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields


def test_an_admin_site_user_cannot_give_a_role_above_their_own(org):
    performance = admin_site_user(role=Role.PERFORMANCE)
    client = Client()
    client.force_login(performance.user)
    change_url = reverse("admin:organisation_staff_change", args=[org.worker.pk])
    data = {
        "staff_id": org.worker.staff_id,
        "name": org.worker.name,
        "role": Role.ADMIN,
        "team": org.worker.team_id,
        "service_area": "",
        "line_manager": "",
        "left_on": "",
    }
    response = client.post(change_url, data)
    assert response.status_code == 200
    assert "more privilege than yours" in response.content.decode()
    org.worker.refresh_from_db()
    assert org.worker.role == Role.PRACTITIONER
    data["role"] = Role.PRACTICE_SUPERVISOR
    assert client.post(change_url, data).status_code == 302
    org.worker.refresh_from_db()
    assert org.worker.role == Role.PRACTICE_SUPERVISOR
