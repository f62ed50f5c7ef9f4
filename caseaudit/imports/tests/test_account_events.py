"""A staff import writes the security log: each account it creates and each role it changes,
naming who imported."""

from caseaudit.accounts.models import SecurityEvent, SecurityEventKind
from caseaudit.factories import StaffFactory
from caseaudit.imports.services import staff_file_import
from caseaudit.organisation.models import Role, Staff

from .helpers import STAFF_HEADER, csv_bytes


def import_as(by, role):
    rows = [["N1", "Nia New", "nia@example.org", role, "Duty", "North", ""]]
    return staff_file_import(
        file=csv_bytes(STAFF_HEADER, rows),
        file_name="staff.csv",
        by=by,
        allow_new_teams=True,
    )


def test_creating_an_account_and_changing_a_role_are_logged_with_who_did_it(db):
    admin = StaffFactory(role=Role.ADMIN, team=None).user
    import_as(admin, "practitioner")
    user = Staff.objects.get(staff_id="N1").user
    created = SecurityEvent.objects.get(kind=SecurityEventKind.ACCOUNT_CREATED, user=user)
    assert created.by == admin
    import_as(admin, "practice_supervisor")
    changed = SecurityEvent.objects.get(kind=SecurityEventKind.ROLE_CHANGED, user=user)
    assert changed.by == admin
    assert "practice_supervisor" in changed.detail or "Practice" in changed.detail


def test_the_command_line_is_logged_with_no_one(db):
    import_as(None, "practitioner")
    user = Staff.objects.get(staff_id="N1").user
    created = SecurityEvent.objects.get(kind=SecurityEventKind.ACCOUNT_CREATED, user=user)
    assert created.by is None
