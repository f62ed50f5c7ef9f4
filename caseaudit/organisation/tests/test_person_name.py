"""How a person is named on pages, in emails and in the files they produce
(`organisation.selectors.person_name`): staff name, else full name, else username."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from caseaudit.factories import UserFactory
from caseaudit.organisation.selectors import person_name
from caseaudit.reports.files import about_rows
from caseaudit.reports.scope import ReportFilters, report_scope


def test_a_member_of_staff_is_named_by_their_staff_record(org):
    org.tm.user.first_name, org.tm.user.last_name = "Account", "Name"

    assert person_name(org.tm.user) == org.tm.name


def test_an_account_without_staff_is_named_by_its_full_name_else_its_username(db):
    admin = UserFactory(username="admin7", first_name="Ada", last_name="Byron")
    bare = UserFactory(username="ops-account")

    assert person_name(admin) == "Ada Byron"
    assert person_name(bare) == "ops-account"
    assert person_name(AnonymousUser()) == ""


def test_a_leaver_is_no_longer_named_by_the_staff_record_they_left(org):
    org.worker.left_on = dt.date(2026, 11, 30)
    org.worker.save(update_fields=["left_on"])
    user = type(org.worker.user).objects.get(pk=org.worker.user.pk)
    user.first_name, user.last_name = "Former", "Worker"

    assert person_name(user) == "Former Worker"


def test_a_report_file_names_who_produced_it_as_the_pages_do(org):
    admin = UserFactory(username="admin7", first_name="Ada", last_name="Byron", is_superuser=True)
    filters = ReportFilters(start=dt.date(2026, 4, 1), end=dt.date(2026, 12, 4))

    def produced_by(user):
        rows = about_rows("quality", report_scope(user), filters, user, timezone.now())
        return dict(rows)["Produced by"]

    assert produced_by(org.performance.user) == org.performance.name
    assert produced_by(admin) == "Ada Byron"
