"""The `org` fixture's organisation written again from its pattern (caseaudit/conftest.py):
the rows the factories made, the clock's own moment in the stamped fields, and objects of
its own for each test."""

import datetime as dt
import pickle
from unittest import mock

from django.db import connection, transaction

from caseaudit.conftest import _org_objects, _org_patterns, build_org


def _pattern():
    """The kept organisation (made first, and its rows rolled back, if there is none yet)."""
    if connection.alias not in _org_patterns:
        sid = transaction.savepoint()
        build_org()
        transaction.savepoint_rollback(sid)
    return pickle.loads(_org_patterns[connection.alias].pickled)  # noqa: S301


def _plain(model, values: dict) -> dict:
    stamped = {
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    return {k: v for k, v in values.items() if k not in stamped}


def test_the_organisation_again_has_the_rows_the_factories_made(db):
    pattern = _pattern()
    org = build_org()
    assert org.worker.pk == pattern.worker.pk  # written again, not made anew
    for model, objects in _org_objects(pattern).items():
        fields = [f.attname for f in model._meta.concrete_fields]
        kept = [_plain(model, {f: getattr(obj, f) for f in fields}) for obj in objects]
        rows = model.objects.filter(pk__in=[o.pk for o in objects]).order_by("pk")
        assert [_plain(model, row) for row in rows.values(*fields)] == kept, model.__name__
    assert org.worker.line_manager_id == org.ps1.pk
    assert org.case.allocated_worker_id == org.worker.pk


def test_stamped_fields_take_the_clocks_moment(db):
    _pattern()
    moment = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        org = build_org()
    assert (org.case.created_at, org.case.updated_at) == (moment, moment)
    org.case.refresh_from_db()
    assert (org.case.created_at, org.case.updated_at) == (moment, moment)


def test_each_organisation_has_objects_of_its_own(db):
    _pattern()
    sid = transaction.savepoint()
    first = build_org()
    first.worker.user.first_name = "Changed"
    transaction.savepoint_rollback(sid)
    second = build_org()
    assert second.worker.user is not first.worker.user
    assert second.worker.user.first_name != "Changed"
    assert second.worker.team is second.north_a  # shared within one organisation, as made
