"""`caseaudit.demo.bulk.update_rows`: the given fields of existing rows, one statement for all."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caseaudit.demo.bulk import update_rows
from caseaudit.factories import CaseFactory, StaffFactory


def test_only_the_named_fields_of_the_given_rows_change(db):
    first, second, untouched = CaseFactory.create_batch(3)
    worker = StaffFactory()
    first.last_audited_on, first.allocated_worker = dt.date(2026, 3, 4), worker
    second.last_audited_on, second.allocated_worker = None, None
    first.reference = second.reference = "NOT-WRITTEN"  # not named: stays as it was
    with CaptureQueriesContext(connection) as queries:
        update_rows(type(first), [first, second], ["last_audited_on", "allocated_worker"])
    assert len(queries) == 1  # executemany: one statement for every row
    first.refresh_from_db()
    second.refresh_from_db()
    before = untouched.last_audited_on, untouched.allocated_worker_id, untouched.reference
    untouched.refresh_from_db()
    assert (first.last_audited_on, first.allocated_worker_id) == (dt.date(2026, 3, 4), worker.pk)
    assert (second.last_audited_on, second.allocated_worker_id) == (None, None)
    assert "NOT-WRITTEN" not in (first.reference, second.reference)
    assert (untouched.last_audited_on, untouched.allocated_worker_id, untouched.reference) == before


def test_values_are_prepared_as_save_prepares_them(db):
    """An aware date and time goes in as the backend stores one, and comes back equal."""
    user = StaffFactory().user
    moment = dt.datetime(2026, 7, 1, 9, 30, tzinfo=timezone.get_current_timezone())
    user.last_login = moment
    update_rows(get_user_model(), [user], ["last_login"])
    assert get_user_model().objects.get(pk=user.pk).last_login == moment


def test_nothing_to_write_runs_no_query(db):
    with CaptureQueriesContext(connection) as queries:
        update_rows(get_user_model(), [], ["last_login"])
    assert len(queries) == 0
