"""What the reports share: months of a period, the filters on completed audits and on whose
programme figures, links to cases and audits, and the plain report's shape."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.core.paginator import Page, Paginator
from django.db.models import Case, DateField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.cases.models import audit_clock_start
from caseaudit.programme.due import add_months

from ..scope import ReportFilters, ReportScope
from ..tables import Link, Table

NO_TEAM = "No team"
NO_SERVICE = "No service"


@overload
def _month(value: dt.date) -> dt.date: ...
@overload
def _month(value: None) -> None: ...
def _month(value: dt.date | None) -> dt.date | None:
    """A month bucket (or a date, or an aware date-time) as the month's first day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


def month_of(*, field_name: str, months: list[dt.date], moment: bool = True) -> Case:
    """The calendar month (its first day) a date or date-time field falls in, among `months`.

    Plain comparisons with the months' bounds (in the authority's time zone for a date-time),
    which every database evaluates natively: SQLite's TruncMonth calls back into Python for
    every row, and this is the report's largest cost there."""
    whens = []
    for month in months:
        after = add_months(month, 1)
        low, high = (_midnight(month), _midnight(after)) if moment else (month, after)
        whens.append(
            When(**{f"{field_name}__gte": low, f"{field_name}__lt": high}, then=Value(month))
        )
    return Case(*whens, default=Value(None), output_field=DateField())


def whole_months(*, filters: ReportFilters, today: dt.date) -> bool:
    """Whether the period is of whole calendar months, as the summaries count (one that ends
    today covers its month: nothing is completed after today)."""
    if filters.start.day != 1:
        return False
    return filters.end >= today or (filters.end + dt.timedelta(days=1)).day == 1


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _paginate(qs: QuerySet[Any], *, count: int, number: int | str | None, per_page: int) -> Page:
    """A page of `qs` whose total is already known (no second COUNT query)."""
    paginator = Paginator(qs, per_page)
    paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    return paginator.get_page(number)


def completed_audits(*, scope: ReportScope, filters: ReportFilters) -> QuerySet[Audit]:
    """Completed audits of cases in scope, completed in the period, with the filters."""
    return Audit.objects.filter(audit_q(scope=scope, filters=filters))


def audit_q(*, scope: ReportScope, filters: ReportFilters, prefix: str = "") -> Q:
    """A filter on completed audits (`prefix` leads to one, e.g. "audit__") of cases in
    scope, completed in the period, with the filters: joins, not subqueries, where it can."""
    q = Q(**{f"{prefix}status": AuditStatus.COMPLETED})
    q &= scope.case_q(filters, prefix=f"{prefix}case__")
    q &= filters.when_q(f"{prefix}completed_at")
    if filters.tool is not None:
        q &= Q(**{f"{prefix}tool_version__tool_id": filters.tool.pk})
    return q


def _auditor_q(scope: ReportScope, filters: ReportFilters, prefix: str = "auditor__") -> Q:
    """Whose programme figures: staff in scope, in the team/service filtered on (`prefix`
    leads to the staff; "" filters staff themselves)."""
    q = Q()
    if not scope.authority_wide:
        q &= Q(**{f"{prefix[:-2] or 'pk'}__in": scope.staff_qs().values("pk")})
    if filters.team is not None:
        q &= Q(**{f"{prefix}team_id": filters.team.pk})
    if filters.service is not None:
        q &= Q(**{f"{prefix}service_area_id": filters.service.pk}) | Q(
            **{
                f"{prefix}service_area__isnull": True,
                f"{prefix}team__service_area_id": filters.service.pk,
            }
        )
    return q


def _due_base() -> Greatest:
    """The date a case's 12-month audit clock runs from (`cases.models.audit_clock_start`,
    the expression its index of open cases holds)."""
    return audit_clock_start()


def _column_totals(rows: Sequence[Mapping[str, Any]], counts: Mapping[str, Any]) -> dict[str, int]:
    """The whole scope's counts, added up from its rows by team (every row is counted in
    exactly one team), rather than counted again in the database."""
    return {name: sum(r[name] for r in rows) for name in counts}


def _case_link(reference: str, pk: int) -> Link:
    return Link(reference, _url_for("case_detail", pk))


def _audit_link(reference: str, audit_id: int) -> Link:
    return Link(reference, _url_for("audit_detail", audit_id))


def _url_for(name: str, pk: int) -> str:
    """reverse(name, args=[pk]), resolved once per name: the excerpt tables of a year link
    thousands of rows, and reverse() was a third of a spreadsheet's time."""
    pattern = _URL_PATTERNS.get(name)
    if pattern is None:
        pattern = _URL_PATTERNS[name] = reverse(name, args=[PK_MARK]).replace(str(PK_MARK), "{}")
    return pattern.format(int(pk))


PK_MARK = 987654321
_URL_PATTERNS: dict[str, str] = {}


@dataclass
class SimpleReport:
    figures: dict
    tables: list[Table]
    extra: dict = field(default_factory=dict)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)
