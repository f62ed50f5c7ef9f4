"""Identity is not data: no staff import changes an existing account's email or username, nobody
changes through an import an account with more privilege than their own, and leavers are
disabled through the accounts service (sessions ended, security log)."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from caseaudit.accounts.models import SecurityEvent, SecurityEventKind
from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.imports.models import ImportRun, ImportStatus
from caseaudit.imports.services import ImportRefused, staff_file_import
from caseaudit.organisation.models import Role, Staff

from .helpers import STAFF_HEADER, csv_bytes, model_counts

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # caseaudit.factories.UserFactory
User = get_user_model()


def run(rows, **kwargs):
    kwargs.setdefault("by", None)
    kwargs.setdefault("allow_new_teams", True)  # these lists build their teams
    return staff_file_import(file=csv_bytes(STAFF_HEADER, rows), file_name="staff.csv", **kwargs)


def refused(rows, **kwargs) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        run(rows, **kwargs)
    return [str(e) for e in caught.value.errors]


@pytest.fixture
def admin(org):
    admin = StaffFactory(role=Role.ADMIN, team=None, user__is_staff=True, name="Ada Admin")
    admin.user.first_name, admin.user.last_name = "Ada", "Admin"
    admin.user.save()
    return admin


def admin_row(admin, **changes):
    row = {
        "staff_id": admin.staff_id,
        "name": admin.name,
        "email": admin.user.email,
        "role": "admin",
        "team": "",
        "service_area": "",
        "line_manager_id": "",
    }
    row.update(changes)
    return row


NEWCOMER = ["NEW1", "Nia New", "nia@example.org", "practitioner", "North A", "North", ""]


def test_performance_cannot_take_over_the_admin_account_by_email(login, org, admin):
    """The reported attack: the admin's staff_id with the attacker's address, uploaded by
    Performance Assurance, was "Updated 1"; a password reset then went to the attacker."""
    client = login(org.performance)
    data = csv_bytes(STAFF_HEADER, [NEWCOMER, admin_row(admin, email="probe.attacker@example.org")])
    before = model_counts()
    response = client.post(
        reverse("import_staff"),
        {"file": SimpleUploadedFile("staff.csv", data, content_type="text/csv")},
    )
    page = response.content.decode()
    assert "nothing was changed" in page
    assert (
        f"staff.csv row 3, column email: the account with staff id {admin.staff_id} already "
        "has a different email; only an administrator can change it, "
        "from the account&#x27;s page in the administration site"
    ) in page
    admin.user.refresh_from_db()
    assert admin.user.email != "probe.attacker@example.org"
    assert model_counts() == {**before, "runs": before["runs"] + 1}  # not even the newcomer
    assert ImportRun.objects.get().status == ImportStatus.FAILED
    assert not User.objects.filter(email__iexact="probe.attacker@example.org").exists()


def test_no_import_changes_an_email_not_even_from_the_command_line(org):
    row = [org.worker.staff_id, org.worker.name, "new.address@example.org", "practitioner"]
    row += ["North A", "North", ""]
    errors = refused([row])
    assert errors == [
        f"staff.csv row 2, column email: the account with staff id {org.worker.staff_id} "
        "already has a different email; only an administrator can "
        "change it, from the account's page in the administration site (Administration › Users)"
    ]
    org.worker.user.refresh_from_db()
    assert org.worker.user.email != "new.address@example.org"


def test_a_letter_case_difference_in_the_email_is_not_a_change(org):
    row = [org.worker.staff_id, org.worker.name, org.worker.user.email.upper(), "practitioner"]
    row += [org.worker.team.name, org.worker.team.service_area.name, ""]
    email = org.worker.user.email
    run([row])
    org.worker.user.refresh_from_db()
    assert org.worker.user.email == email


def test_an_existing_account_found_by_username_keeps_its_email():
    user = UserFactory(username="p9", email="old@example.org")
    errors = refused([["P9", "Pip Nine", "pip@example.org", "practitioner", "Duty", "North", ""]])
    assert len(errors) == 1 and "row 2, column email: the account with staff id P9" in errors[0]
    assert not Staff.objects.filter(staff_id="P9").exists()
    run([["P9", "Pip Nine", "old@example.org", "practitioner", "Duty", "North", ""]])
    assert Staff.objects.get(staff_id="P9").user == user


def test_an_unlinked_superuser_account_cannot_be_claimed_by_performance(org):
    UserFactory(username="root9", email="root@example.org", is_superuser=True, is_staff=True)
    row = ["ROOT9", "Rude Claim", "root@example.org", "practitioner", "North A", "North", ""]
    errors = refused([row], by=org.performance.user)
    assert errors == [
        "staff.csv row 2, column staff_id: the account with staff id ROOT9 (root9) has more "
        "privilege than yours: only a system administrator can change it with an import"
    ]
    assert not Staff.objects.filter(staff_id="ROOT9").exists()


def test_performance_may_list_an_admin_unchanged_but_not_change_them(org, admin):
    result = run([admin_row(admin)], by=org.performance.user)
    assert (result.updated, result.unchanged) == (0, 1)

    errors = refused([admin_row(admin, name="Renamed Admin")], by=org.performance.user)
    assert errors == [
        f"staff.csv row 2, column staff_id: the account with staff id {admin.staff_id} "
        f"({admin.user.username}) has more privilege than yours: only a system administrator "
        "can change it with an import"
    ]
    errors = refused([admin_row(admin, role="performance")], by=org.performance.user)
    assert any("only a system administrator can give or remove the admin role" in e for e in errors)
    admin.refresh_from_db()
    assert (admin.name, admin.role) != ("Renamed Admin", Role.PERFORMANCE)
    assert admin.role == Role.ADMIN


def test_performance_cannot_grant_the_admin_role_to_an_existing_account(org):
    row = [org.worker.staff_id, org.worker.name, org.worker.user.email, "admin", "", "", ""]
    errors = refused([row], by=org.performance.user)
    assert errors == [
        "staff.csv row 2, column role: only a system administrator can give or remove the "
        "admin role"
    ]
    org.worker.refresh_from_db()
    assert org.worker.role == Role.PRACTITIONER


def test_performance_cannot_mark_an_admin_as_left(org, admin):
    rows = [
        [s.staff_id, s.name, s.user.email, s.role, s.team.name if s.team else "", "", ""]
        for s in Staff.objects.select_related("user", "team", "service_area")
        if s.pk != admin.pk
    ]
    for row, s in zip(rows, Staff.objects.exclude(pk=admin.pk), strict=True):
        row[5] = (
            s.service_area.name if s.service_area else (s.team.service_area.name if s.team else "")
        )
        row[6] = s.line_manager.staff_id if s.line_manager else ""
    errors = refused(rows, by=org.performance.user, full=True)
    assert any(
        f"({admin.staff_id}) is an administrator: only a system administrator can mark them as "
        "left" in e
        for e in errors
    ), errors
    admin.refresh_from_db()
    assert admin.left_on is None and User.objects.get(pk=admin.user_id).is_active


def test_a_leaver_is_disabled_with_sessions_ended_and_the_event_logged(client, org, admin):
    signed_in = client.post(
        reverse("account_login"), {"login": org.worker.user.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    key = client.cookies["sessionid"].value
    assert UserSession.objects.filter(user=org.worker.user).exists()
    # The whole workforce but the worker.
    keep = Staff.objects.select_related(
        "user", "team__service_area", "service_area", "line_manager"
    )
    rows = []
    for s in keep.exclude(pk=org.worker.pk):
        area = s.service_area or (s.team.service_area if s.team else None)
        manager = (
            s.line_manager.staff_id
            if s.line_manager_id and s.line_manager_id != org.worker.pk
            else ""
        )
        rows.append(
            [
                s.staff_id,
                s.name,
                s.user.email,
                s.role,
                s.team.name if s.team else "",
                area.name if area else "",
                manager,
            ]
        )
    result = run(rows, by=admin.user, full=True)
    assert result.left == 1
    org.worker.user.refresh_from_db()
    assert org.worker.user.is_active is False
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=org.worker.user).exists()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ACCOUNT_DISABLED)
    assert (event.user, event.by, event.detail) == (
        org.worker.user,
        admin.user,
        "staff import: leaver",
    )
    assert client.get(reverse("home")).status_code == 302  # signed out
