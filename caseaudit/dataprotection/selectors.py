"""Data protection's reads: the cases past their retention period."""

import calendar
import datetime as dt

from django.db.models import QuerySet
from django.http import Http404

from caseaudit.cases.models import Case
from caseaudit.cases.selectors import case_scope, is_data_protection_officer
from caseaudit.core.typing import Actor


def retention_cutoff(*, today: dt.date, years: int) -> dt.date:
    """Cases closed on or before this date are past the retention period on `today`: the same
    day `years` earlier (28 February for 29 February)."""
    year = today.year - years
    return dt.date(year, today.month, min(today.day, calendar.monthrange(year, today.month)[1]))


def retention_due_qs(*, today: dt.date, years: int) -> QuerySet[Case]:
    """Closed cases whose retention period (`years` after closure) has ended by `today`,
    longest closed first. Unscoped: for `apply_retention` and, through `retention_due`, the
    data protection officer."""
    cutoff = retention_cutoff(today=today, years=years)
    return Case.objects.filter(closed_on__isnull=False, closed_on__lte=cutoff).order_by(
        "closed_on", "reference"
    )


def retention_due(*, user: Actor, today: dt.date, years: int) -> QuerySet[Case]:
    """The retention report: cases past the period, for the data protection officer only."""
    if not is_data_protection_officer(user):
        raise Http404("No such page")
    return (
        retention_due_qs(today=today, years=years)
        .filter(case_scope(user))
        .select_related("team", "team__service_area")
    )
