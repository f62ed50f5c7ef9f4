import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from caseaudit.core import working_days
from caseaudit.core.models import ClosureDay
from caseaudit.core.working_days import (
    add_working_days,
    is_working_day,
    previous_working_day,
    working_days_between,
)

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Closure days are cached per process: start and end every test without them."""
    working_days.clear_cache()
    yield
    working_days.clear_cache()


@pytest.fixture
def no_closures(monkeypatch):
    """For tests without a database: no closure days."""
    monkeypatch.setattr(working_days, "closure_days", lambda: frozenset())


@pytest.fixture
def scotland(settings, no_closures):
    settings.WORKING_DAYS_SUBDIVISION = "SCT"


# The deadlines the QA Response relies on (docs/procedure.md).
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (D(2026, 12, 22), D(2026, 12, 31)),  # Tue: Christmas and Boxing Day (observed) skipped
        (D(2026, 12, 23), D(2027, 1, 4)),  # Wed: ... and New Year's Day
        (D(2026, 12, 18), D(2026, 12, 29)),  # Fri: weekend and Christmas skipped
        (D(2026, 3, 30), D(2026, 4, 8)),  # Mon before Easter: Good Friday and Easter Monday
        (D(2026, 5, 20), D(2026, 5, 28)),  # Wed: late May bank holiday (25 May)
        (D(2026, 8, 26), D(2026, 9, 3)),  # Wed: August bank holiday (31 Aug)
    ],
)
def test_five_working_days_in_england(no_closures, start, expected):
    assert add_working_days(start, 5) == expected


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 4, 3),  # Good Friday
        D(2026, 4, 6),  # Easter Monday: missing from holidays.UK() without a subdivision
        D(2026, 5, 4),  # Early May
        D(2026, 5, 25),  # Late May (spring)
        D(2026, 8, 31),  # August (late summer): missing without a subdivision
        D(2026, 12, 28),  # Boxing Day, observed on the Monday
        D(2027, 1, 1),
        D(2026, 12, 26),  # a Saturday
        D(2026, 12, 27),  # a Sunday
    ],
)
def test_not_working_days_in_england(no_closures, day):
    assert not is_working_day(day)


def test_ordinary_weekdays_are_working_days(no_closures):
    assert is_working_day(D(2026, 12, 22))
    assert is_working_day(D(2026, 8, 3))  # Scotland's summer holiday, not England's
    assert is_working_day(D(2027, 1, 4))


def test_wales_has_englands_bank_holidays(settings, no_closures):
    settings.WORKING_DAYS_SUBDIVISION = "WLS"
    assert not is_working_day(D(2026, 4, 6))
    assert add_working_days(D(2026, 12, 23), 5) == D(2027, 1, 4)


def test_scotland_has_2_january_and_no_easter_monday(scotland):
    assert not is_working_day(D(2026, 1, 2))  # Friday 2 January 2026
    assert not is_working_day(D(2027, 1, 4))  # 2 Jan 2027 is a Saturday: Monday substitutes
    assert is_working_day(D(2026, 4, 6))  # Easter Monday is not a Scottish bank holiday
    assert not is_working_day(D(2026, 8, 3))  # first Monday of August
    assert not is_working_day(D(2026, 11, 30))  # St Andrew's Day
    assert add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 5)


def test_northern_ireland_has_st_patricks_day(settings, no_closures):
    settings.WORKING_DAYS_SUBDIVISION = "NIR"
    assert not is_working_day(D(2026, 3, 17))
    assert not is_working_day(D(2026, 7, 13))


def test_an_unknown_nation_is_refused(settings, no_closures):
    settings.WORKING_DAYS_SUBDIVISION = "XYZ"
    with pytest.raises(ImproperlyConfigured):
        is_working_day(D(2026, 1, 5))


@pytest.mark.django_db
def test_a_closure_day_is_skipped():
    assert add_working_days(D(2026, 12, 22), 5) == D(2026, 12, 31)  # also fills the cache
    ClosureDay.objects.create(date=D(2026, 12, 29), reason="Christmas closure")
    assert not is_working_day(D(2026, 12, 29))
    assert add_working_days(D(2026, 12, 22), 5) == D(2027, 1, 4)


@pytest.mark.django_db
def test_deleting_a_closure_day_makes_it_a_working_day_again():
    closure = ClosureDay.objects.create(date=D(2026, 6, 10), reason="Staff training day")
    assert not is_working_day(D(2026, 6, 10))
    closure.delete()
    assert is_working_day(D(2026, 6, 10))


@pytest.mark.django_db
def test_closure_days_are_loaded_once(django_assert_num_queries):
    ClosureDay.objects.create(date=D(2026, 6, 10), reason="Staff training day")
    with django_assert_num_queries(1):
        add_working_days(D(2026, 1, 5), 200)
        working_days_between(D(2026, 1, 5), D(2026, 12, 31))


def test_zero_and_negative_days(no_closures):
    assert add_working_days(D(2026, 12, 26), 0) == D(2026, 12, 26)
    assert add_working_days(D(2027, 1, 4), -1) == D(2026, 12, 31)
    assert add_working_days(D(2026, 12, 31), -5) == D(2026, 12, 22)


def test_a_start_on_a_holiday_counts_from_the_next_working_day(no_closures):
    assert add_working_days(D(2026, 12, 25), 1) == D(2026, 12, 29)
    assert add_working_days(D(2026, 12, 26), 1) == D(2026, 12, 29)


def test_previous_working_day(no_closures):
    assert previous_working_day(D(2027, 1, 4)) == D(2026, 12, 31)
    assert previous_working_day(D(2026, 12, 29)) == D(2026, 12, 24)
    assert previous_working_day(D(2026, 4, 7)) == D(2026, 4, 2)  # over Easter
    assert previous_working_day(D(2026, 12, 23)) == D(2026, 12, 22)


def test_working_days_between(no_closures):
    assert working_days_between(D(2026, 12, 22), D(2026, 12, 31)) == 5
    assert working_days_between(D(2026, 12, 23), D(2027, 1, 4)) == 5
    assert working_days_between(D(2026, 12, 22), D(2026, 12, 22)) == 0
    assert working_days_between(D(2026, 12, 31), D(2026, 12, 22)) == -5
    assert working_days_between(D(2026, 12, 24), D(2026, 12, 28)) == 0


def test_datetimes_are_refused(no_closures):
    with pytest.raises(TypeError):
        add_working_days(dt.datetime(2026, 12, 22, 9, 0, tzinfo=dt.UTC), 5)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31)),
    days=st.integers(min_value=0, max_value=40),
)
def test_adding_then_counting_round_trips(start, days):
    # Hypothesis does not run function-scoped fixtures for each example: patch here.
    with mock.patch.object(working_days, "closure_days", return_value=frozenset()):
        end = add_working_days(start, days)
        assert working_days_between(start, end) == days
        if days:
            assert is_working_day(end)
            assert end > start
            assert previous_working_day(end) == add_working_days(start, days - 1) or (
                days == 1 and not is_working_day(start)
            )
            assert add_working_days(end, -days) <= start


@pytest.mark.django_db
def test_administrators_manage_closure_days_in_the_admin(client):
    from caseaudit.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/core/closureday/add/", {"date": "2026-12-29", "reason": "Christmas closure"}
    )
    assert response.status_code == 302
    assert not is_working_day(D(2026, 12, 29))
    listing = client.get("/admin/core/closureday/")
    assert "Christmas closure" in listing.content.decode()
    assert "Tuesday" in listing.content.decode()
