"""The periods a self-evaluation pack usually covers: the last 12 complete months, or the last
complete financial year (1 April to 31 March)."""

import datetime as dt

from caseaudit.programme.due import add_months

LAST_12_COMPLETE = "12m"
FINANCIAL_YEAR = "fy"
CUSTOM = "custom"


def last_12_complete_months(today: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve calendar months before this one."""
    this_month = today.replace(day=1)
    return add_months(this_month, -12), this_month - dt.timedelta(days=1)


def last_financial_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last financial year that has ended (1 April to 31 March)."""
    end_year = today.year if today >= dt.date(today.year, 4, 1) else today.year - 1
    return dt.date(end_year - 1, 4, 1), dt.date(end_year, 3, 31)


def period_for(key: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    if key == LAST_12_COMPLETE:
        return last_12_complete_months(today)
    if key == FINANCIAL_YEAR:
        return last_financial_year(today)
    return None
