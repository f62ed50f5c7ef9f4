"""`accounts.selectors.case_access_log`: the case page's "Recent access", read as rows: who
(the member of staff's name, else the account's email, else the system), what they did and
when, newest first, this case only, at most `limit`."""

import datetime as dt
from unittest import mock

from django.urls import reverse

from caseaudit.accounts.models import AccessEvent
from caseaudit.accounts.selectors import case_access_log
from caseaudit.factories import UserFactory


def _log(user, case, *, minutes: int, action: str = "view") -> None:
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    with mock.patch("django.utils.timezone.now", return_value=at):
        AccessEvent.objects.create(
            user=user, action=action, object_type="case", object_id=str(case.pk), case_id=case.pk
        )


def test_lines_name_who_did_what_newest_first(org):
    no_staff = UserFactory(email="auditor.only@example.org")
    _log(org.colleague.user, org.case, minutes=1)
    _log(no_staff, org.case, minutes=2, action="denied")
    _log(None, org.case, minutes=3, action="deleted")
    _log(org.tm.user, org.case_b, minutes=4)  # another case: not listed
    lines = case_access_log(case=org.case, limit=10)
    assert [(line.who, line.action_label) for line in lines] == [
        ("the system", "Deleted"),
        ("auditor.only@example.org", "Refused access"),
        (org.colleague.name, "Viewed"),
    ]
    assert lines[0].at == dt.datetime(2026, 3, 2, 9, 3, tzinfo=dt.UTC)
    assert [line.who for line in case_access_log(case=org.case, limit=2)] == [
        "the system",
        "auditor.only@example.org",
    ]


def test_case_page_shows_the_lines(org, login):
    _log(org.colleague.user, org.case, minutes=1, action="download")
    body = login(org.tm).get(reverse("case_detail", args=[org.case.pk])).content.decode()
    assert f"{org.colleague.name} (downloaded)" in body
    assert f"{org.tm.name} (viewed)" in body  # this visit, logged before the list is read


def test_the_newest_are_kept_of_many_and_equal_times_go_by_entry(org):
    # Chosen on the case's index before the accounts are joined: the newest `limit` entries,
    # the later entry first where two share a time.
    for minute in range(12):
        _log(org.colleague.user, org.case, minutes=minute)
    _log(org.tm.user, org.case, minutes=11)  # the same time as the last one, entered later
    lines = case_access_log(case=org.case, limit=3)
    assert [(line.who, line.at.minute) for line in lines] == [
        (org.tm.name, 11),
        (org.colleague.name, 11),
        (org.colleague.name, 10),
    ]
