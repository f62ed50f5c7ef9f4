"""Due rules: when each open case next needs an audit (procedure section 2).

- Annual audit: no case open more than 12 months without an audit. Due 12 months after it
  opened or after its last completed audit, whichever is later.
- Carers (foster carers, adopters): 12 months after first presentation at Panel, then every
  12 months: due 12 months after the later of first Panel and the last audit.
Pure functions over dates, so the allocation engine and the due list share them.
"""

import calendar
import datetime as dt
from dataclasses import dataclass


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


class DueKind:
    ANNUAL = "annual"
    CARERS = "carers"


@dataclass(frozen=True)
class Due:
    kind: str
    due_on: dt.date


def next_due(
    *,
    opened_on: dt.date,
    last_audited_on: dt.date | None,
    is_carer: bool,
    first_panel_on: dt.date | None = None,
) -> Due:
    if is_carer and first_panel_on:
        base = max(first_panel_on, last_audited_on) if last_audited_on else first_panel_on
        return Due(DueKind.CARERS, add_months(base, 12))
    base = max(opened_on, last_audited_on) if last_audited_on else opened_on
    return Due(DueKind.ANNUAL, add_months(base, 12))
