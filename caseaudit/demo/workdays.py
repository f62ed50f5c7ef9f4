"""Working-day arithmetic for the demo history, fast enough to be called millions of times:
the working days of the whole span in one sorted list (`caseaudit.core.working_days` decides
which days they are)."""

import datetime as dt
from bisect import bisect_left, bisect_right

from django.utils import timezone

from caseaudit.core.working_days import is_working_day
from caseaudit.programme.due import add_months


class WorkingCalendar:
    """Working days from well before the history to well after today, for quick arithmetic."""

    def __init__(self, start: dt.date, end: dt.date):
        self.days = []
        day = start
        while day <= end:
            if is_working_day(day):
                self.days.append(day)
            day += dt.timedelta(days=1)
        self._midnight = {}

    def add(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (as `add_working_days`)."""
        return self.days[bisect_right(self.days, day) + n - 1]

    def on_or_before(self, day: dt.date) -> dt.date:
        return self.days[bisect_right(self.days, day) - 1]

    def between(self, rng, first: dt.date, last: dt.date) -> dt.date | None:
        """A random working day from first to last, or None if there is none."""
        i, j = bisect_left(self.days, first), bisect_right(self.days, last) - 1
        if i > j:
            return None
        return self.days[rng.randint(i, j)]

    def at(self, day: dt.date, seconds: int) -> dt.datetime:
        """`seconds` after local midnight of `day` (aware)."""
        midnight = self._midnight.get(day)
        if midnight is None:
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())
            self._midnight[day] = midnight
        return midnight + dt.timedelta(seconds=seconds)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of each month from `first`'s to `last`'s."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months
