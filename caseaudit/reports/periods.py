"""Reporting periods: the quick picks and the months a period covers (calendar months and
quarters; a period that includes today ends today)."""

import datetime as dt

from caseaudit.programme.due import add_months, month_end

LAST_12_MONTHS = "12m"
THIS_MONTH = "this_month"
LAST_MONTH = "last_month"
THIS_QUARTER = "this_quarter"
LAST_QUARTER = "last_quarter"
THIS_YEAR = "this_year"
CUSTOM = "custom"

PERIOD_CHOICES = [
    (LAST_12_MONTHS, "Last 12 months"),
    (THIS_MONTH, "This month"),
    (LAST_MONTH, "Last month"),
    (THIS_QUARTER, "This quarter"),
    (LAST_QUARTER, "Last quarter"),
    (THIS_YEAR, "This year"),
    (CUSTOM, "Dates I choose"),
]
QUICK_PICKS = [(key, label) for key, label in PERIOD_CHOICES if key != CUSTOM]
# The longest period a report covers (its monthly tables stay readable).
MAX_DAYS = 5 * 366


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_range(key: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of a quick pick, both inclusive."""
    if key == THIS_MONTH:
        return today.replace(day=1), today
    if key == LAST_MONTH:
        start = add_months(today.replace(day=1), -1)
        return start, month_end(start)
    if key == THIS_QUARTER:
        return quarter_start(today), today
    if key == LAST_QUARTER:
        start = add_months(quarter_start(today), -3)
        return start, month_end(add_months(start, 2))
    if key == THIS_YEAR:
        return dt.date(today.year, 1, 1), today
    # The last 12 months: the 11 whole months before this one, and this month so far.
    return add_months(today.replace(day=1), -11), today


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of each calendar month the period touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_label(month: dt.date) -> str:
    return month.strftime("%b %Y")


def period_label(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"
