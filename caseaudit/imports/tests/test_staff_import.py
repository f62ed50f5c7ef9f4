"""The staff list: creating and updating the organisation, accounts and line management."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.imports.models import ImportRun, ImportStatus
from caseaudit.imports.services import ImportRefused, staff_file_import
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team

from .helpers import SAMPLE_DIR, STAFF_HEADER, csv_bytes, model_counts

pytestmark = pytest.mark.django_db
User = get_user_model()


def run(rows, **kwargs):
    kwargs.setdefault("by", None)
    kwargs.setdefault("allow_new_teams", True)  # these lists build their teams
    return staff_file_import(file=csv_bytes(STAFF_HEADER, rows), file_name="staff.csv", **kwargs)


def refused(rows, **kwargs) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        run(rows, **kwargs)
    return [str(e) for e in caught.value.errors]


SMALL = [
    ["P1", "Pat Worker", "pat@example.org", "practitioner", "Duty", "North", "S1"],
    ["S1", "Sam Super", "sam@example.org", "practice_supervisor", "Duty", "North", "M1"],
    ["M1", "Mo Manager", "mo@example.org", "team_manager", "Duty", "North", "C1"],
    ["C1", "Cas Service", "cas@example.org", "service_manager", "", "North", ""],
    ["A1", "Ali Admin", "ali@example.org", "admin", "", "", ""],
]


def test_creates_areas_teams_staff_accounts_and_line_management():
    result = run(SMALL)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    area = ServiceArea.objects.get()
    assert (area.name, area.code) == ("North", "north")
    team = Team.objects.get()
    assert (team.name, team.code, team.service_area) == ("Duty", "duty", area)
    pat = Staff.objects.select_related("user", "line_manager").get(staff_id="P1")
    assert pat.team == team and pat.role == Role.PRACTITIONER
    assert pat.line_manager.staff_id == "S1"  # a manager further down the file
    assert pat.user.username == "p1" and pat.user.email == "pat@example.org"
    assert not pat.user.has_usable_password()
    assert not pat.user.is_staff
    csm = Staff.objects.get(staff_id="C1")
    assert csm.team is None and csm.service_area == area
    assert Staff.objects.get(staff_id="A1").user.is_staff
    assert ImportRun.objects.get().status == ImportStatus.SUCCEEDED


def test_second_import_changes_nothing():
    run(SMALL)
    before = list(Staff.objects.values_list("pk", "line_manager_id", "team_id"))
    result = run(SMALL)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert list(Staff.objects.values_list("pk", "line_manager_id", "team_id")) == before
    assert Team.objects.count() == 1


def test_updates_role_team_name_and_manager():
    run(SMALL)
    changed = [list(r) for r in SMALL]
    changed[0] = ["P1", "Pat Wren", "pat@example.org", "practice_supervisor", "Duty 2", "North"]
    changed[0].append("M1")
    result = run(changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    assert result.teams_created == 1
    pat = Staff.objects.select_related("user", "team").get(staff_id="P1")
    assert pat.team.name == "Duty 2" and pat.line_manager.staff_id == "M1"
    assert pat.role == Role.PRACTICE_SUPERVISOR and pat.name == "Pat Wren"
    assert pat.user.last_name == "Wren" and pat.user.email == "pat@example.org"


def test_team_codes_are_made_unique():
    rows = [
        ["P1", "One", "one@example.org", "practitioner", "Duty", "North", ""],
        ["P2", "Two", "two@example.org", "practitioner", "Duty", "South", ""],
    ]
    run(rows)
    assert sorted(Team.objects.values_list("code", flat=True)) == ["duty", "duty-2"]


def test_full_marks_missing_staff_as_left(org):
    result = run(SMALL, full=True)
    today = timezone.localdate()
    leavers = Staff.objects.filter(left_on=today)
    assert org.worker in leavers and org.director in leavers
    assert not User.objects.get(pk=org.worker.user_id).is_active
    assert Staff.objects.filter(staff_id="P1", left_on__isnull=True).exists()
    assert Staff.objects.filter(pk=org.worker.pk).exists()  # never deleted
    assert ImportRun.objects.get().left == leavers.count()
    assert "4 open cases are allocated to staff this list marks as left" in result.warnings[0]


def test_full_never_marks_a_service_account_as_left(org):
    from caseaudit.api.services import service_account_create

    account = service_account_create(username="bi-export", name="BI export", by=None)
    run(SMALL, full=True)
    staff = Staff.objects.get(user=account.user)
    assert staff.left_on is None
    assert User.objects.get(pk=account.user_id).is_active


def test_without_full_nobody_leaves(org):
    run(SMALL)
    assert not Staff.objects.filter(left_on__isnull=False).exists()


def test_a_leaver_in_the_file_again_rejoins(org):
    org.worker.left_on = dt.date(2025, 1, 1)
    org.worker.save()
    row = [
        org.worker.staff_id,
        org.worker.name,
        org.worker.user.email,
        "practitioner",
        "North A",
        "North",
        "",
    ]
    result = run([row])
    assert result.updated == 1
    org.worker.refresh_from_db()
    assert org.worker.left_on is None


def test_existing_account_with_the_username_is_linked():
    user = UserFactory(username="p9", email="pip@example.org")
    run([["P9", "Pip Nine", "pip@example.org", "practitioner", "Duty", "North", ""]])
    staff = Staff.objects.get(staff_id="P9")
    assert staff.user == user
    user.refresh_from_db()
    assert (user.email, user.first_name, user.last_name) == ("pip@example.org", "Pip", "Nine")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["P1", "Pat", "pat@example.org", "social worker", "Duty", "North", ""],
            'staff.csv row 2, column role: "social worker" is not a role',
        ),
        (
            ["P1", "Pat", "not-an-email", "practitioner", "Duty", "North", ""],
            'staff.csv row 2, column email: "not-an-email" is not an email address',
        ),
        (
            ["P1", "Pat", "pat@example.org", "practitioner", "", "North", ""],
            "staff.csv row 2, column team: a Practitioner needs a team",
        ),
        (
            ["P1", "Pat", "pat@example.org", "practitioner", "Duty", "", ""],
            'staff.csv row 2, column service_area: team "Duty" needs its service_area',
        ),
        (
            ["P1", "Pat", "pat@example.org", "service_manager", "", "", ""],
            "staff.csv row 2, column service_area: a Children's Service Manager needs",
        ),
        (
            ["P1", "Pat", "pat@example.org", "practitioner", "Duty", "North", "NOBODY"],
            'staff.csv row 2, column line_manager_id: no member of staff has staff_id "NOBODY"',
        ),
        (
            ["P1", "", "pat@example.org", "practitioner", "Duty", "North", ""],
            "staff.csv row 2, column name: name is empty",
        ),
    ],
)
def test_bad_rows_are_refused_and_change_nothing(org, row, expected):
    before = model_counts()
    errors = refused([row])
    assert any(e.startswith(expected) for e in errors), errors
    after = model_counts()
    assert after == {**before, "runs": before["runs"] + 1}
    assert ImportRun.objects.get().status == ImportStatus.FAILED


def test_every_error_is_collected():
    rows = [
        ["P1", "Pat", "pat@example.org", "wizard", "Duty", "North", ""],
        ["P1", "Pat again", "pat2@example.org", "practitioner", "Duty", "North", ""],
        ["P3", "Pip", "pat@example.org", "practitioner", "Duty", "North", ""],
        ["P4", "Poe", "poe@example.org", "practitioner", "Duty", "North", "P4"],
    ]
    errors = refused(rows)
    assert any("row 2, column role" in e for e in errors)
    assert any('row 3, column staff_id: staff_id "P1" is also on row 2' in e for e in errors)
    assert any("row 4, column email" in e and "also on row 2" in e for e in errors)
    assert any("row 5, column line_manager_id: someone cannot be their own" in e for e in errors)
    assert Staff.objects.count() == 0


def test_line_management_circle_is_refused():
    rows = [
        ["P1", "One", "one@example.org", "practitioner", "Duty", "North", "P2"],
        ["P2", "Two", "two@example.org", "practice_supervisor", "Duty", "North", "P1"],
    ]
    errors = refused(rows)
    assert any("goes round in a circle" in e for e in errors)


def test_email_of_another_account_is_refused(org):
    errors = refused([["NEW1", "New", org.worker.user.email, "practitioner", "D", "N", ""]])
    assert errors == [
        f'staff.csv row 2, column email: "{org.worker.user.email}" is already the email of '
        "another account"
    ]


def test_dry_run_counts_and_writes_nothing(org):
    before = model_counts()
    result = run(SMALL, full=True, dry_run=True)
    assert result.dry_run
    assert (result.created, result.updated) == (5, 0)
    assert result.left == Staff.objects.count()
    assert model_counts() == before


def test_only_an_admin_may_grant_the_admin_role(org):
    rows = [["A9", "Ann Admin", "ann@example.org", "admin", "", "", ""]]
    errors = refused(rows, by=org.performance.user)
    assert errors == [
        "staff.csv row 2, column role: only a system administrator can give or remove the "
        "admin role"
    ]
    admin = StaffFactory(role=Role.ADMIN, team=None)
    assert run(rows, by=admin.user).created == 1


def test_full_import_that_would_remove_the_importer_is_refused(org):
    admin = StaffFactory(role=Role.ADMIN, team=None)
    errors = refused(SMALL, by=admin.user, full=True)
    assert any("you (" in e and "would mark you as left" in e for e in errors)


def test_sample_staff_template_imports_into_an_empty_database():
    result = staff_file_import(
        file=(SAMPLE_DIR / "staff_template.csv").read_bytes(),
        file_name="staff_template.csv",
        by=None,
        allow_new_teams=True,
    )
    assert result.created == 13
    assert Staff.objects.get(staff_id="S1007").line_manager.staff_id == "S1005"
