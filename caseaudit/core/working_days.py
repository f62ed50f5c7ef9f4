"""The authority's working-day calendar: weekends, bank holidays and closure days excluded.

Bank holidays come from the `holidays` package for the nation in the setting
`WORKING_DAYS_SUBDIVISION` ("ENG" by default; "WLS", "SCT" or "NIR"). The subdivision matters:
plain `holidays.UK()` lacks Easter Monday and the summer bank holiday. Administrators add extra
closure days as `core.ClosureDay` rows.

Counting convention: the start day itself is never counted. `add_working_days(start, n)` is the
n-th working day after `start`, and `working_days_between(start, end)` counts the working days d
with start < d <= end, so `working_days_between(s, add_working_days(s, n)) == n`.

Caching: each (nation, year) holiday set is computed once per process. Closure days are loaded
once and kept until a `ClosureDay` is saved or deleted in this process (signals) or, so that other
processes (web workers, the task worker) see an administrator's change, for at most
`CLOSURE_CACHE_SECONDS`. Bulk changes (`QuerySet.update`, `bulk_create`) send no signal: call
`clear_cache()` after them.
"""

import datetime as dt
import threading
import time

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save

SUBDIVISIONS = frozenset({"ENG", "WLS", "SCT", "NIR"})
DEFAULT_SUBDIVISION = "ENG"
CLOSURE_CACHE_SECONDS = 300
# A guard against runaway loops: no deadline is years of working days away.
MAX_DAYS = 3660

_lock = threading.Lock()
_holiday_cache: dict[tuple[str, int], frozenset[dt.date]] = {}
_closure_cache: tuple[float, frozenset[dt.date]] | None = None


def subdivision() -> str:
    """The nation whose bank holidays apply, from the setting `WORKING_DAYS_SUBDIVISION`."""
    value = getattr(settings, "WORKING_DAYS_SUBDIVISION", DEFAULT_SUBDIVISION) or (
        DEFAULT_SUBDIVISION
    )
    if value not in SUBDIVISIONS:
        raise ImproperlyConfigured(
            f"WORKING_DAYS_SUBDIVISION must be one of {sorted(SUBDIVISIONS)}, not {value!r}."
        )
    return value


def bank_holidays(year: int, subdiv: str | None = None) -> frozenset[dt.date]:
    """The bank holidays (substitute days included) of one year in the authority's nation."""
    subdiv = subdiv or subdivision()
    key = (subdiv, year)
    cached = _holiday_cache.get(key)
    if cached is None:
        calendar = holidays.UK(subdiv=subdiv, years=year, expand=False)
        cached = frozenset(calendar.keys())
        with _lock:
            _holiday_cache[key] = cached
    return cached


def closure_days() -> frozenset[dt.date]:
    """The extra closure days administrators have added (one query, then cached)."""
    global _closure_cache
    cached = _closure_cache
    now = time.monotonic()
    if cached is not None and now - cached[0] < CLOSURE_CACHE_SECONDS:
        return cached[1]
    from caseaudit.core.models import ClosureDay

    days = frozenset(ClosureDay.objects.values_list("date", flat=True))
    with _lock:
        _closure_cache = (now, days)
    return days


def clear_cache(**kwargs) -> None:
    """Forget the cached closure days and holiday sets (signal receiver, and for tests)."""
    global _closure_cache
    with _lock:
        _closure_cache = None
        _holiday_cache.clear()


def _clear_closure_days(**kwargs) -> None:
    global _closure_cache
    with _lock:
        _closure_cache = None


post_save.connect(_clear_closure_days, sender="core.ClosureDay", weak=False)
post_delete.connect(_clear_closure_days, sender="core.ClosureDay", weak=False)


def is_working_day(d: dt.date) -> bool:
    """Monday to Friday, not a bank holiday of the authority's nation, not a closure day."""
    if isinstance(d, dt.datetime):
        raise TypeError("is_working_day takes a date, not a datetime")
    return d.weekday() < 5 and d not in bank_holidays(d.year) and d not in closure_days()


def _step(d: dt.date, direction: int) -> dt.date:
    one = dt.timedelta(days=direction)
    for _ in range(MAX_DAYS):
        d += one
        if is_working_day(d):
            return d
    raise ValueError("No working day found within ten years: check the closure days.")


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (before it, if `days` is negative).

    `start` itself is not counted, and need not be a working day. `days == 0` returns `start`.
    Five working days after Tuesday 22 December 2026 (England) is Thursday 31 December 2026.
    """
    if isinstance(start, dt.datetime):
        raise TypeError("add_working_days takes a date, not a datetime")
    if abs(days) > MAX_DAYS:
        raise ValueError(f"days must be at most {MAX_DAYS} in size")
    direction = 1 if days >= 0 else -1
    d = start
    for _ in range(abs(days)):
        d = _step(d, direction)
    return d


def previous_working_day(d: dt.date) -> dt.date:
    """The last working day strictly before `d` (for "the working day before it is due")."""
    return _step(d, -1)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The number of working days d with start < d <= end (negative if end is before start).

    A response due on `end` and done on `start` is `working_days_between(start, end)` working
    days early; `working_days_between(due, today)` is how many working days overdue it is.
    """
    if end < start:
        return -working_days_between(end, start)
    count = 0
    d = start + dt.timedelta(days=1)
    while d <= end:
        if is_working_day(d):
            count += 1
        d += dt.timedelta(days=1)
    return count
