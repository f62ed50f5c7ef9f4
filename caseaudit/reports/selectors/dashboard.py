"""6. The home page's figures: the few that matter to the user's role, in one query."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.models import AuditStatus, UrgentFinding
from caseaudit.core.typing import Actor
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.programme.due import add_months
from caseaudit.programme.models import Allocation, AllocationStatus, MonthStatus
from caseaudit.responses.models import WITH_WORKER, QAResponse

from ..scope import ReportFilters, ReportScope, report_scope
from ..tables import percent
from .common import _auditor_q, _due_base


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    detail: str = ""
    url: str = ""
    warning: bool = False


def dashboard_figures(
    *, user: Actor, today: dt.date | None = None, my_responses: Sequence[QAResponse] | None = None
) -> list[Figure]:
    """The few figures that matter to the user's role: for managers and Performance
    Assurance, their scope's programme completion this month, open cases without an audit for
    more than 12 months, overdue QA responses and open urgent findings; for everyone else
    their own QA responses due and overdue. One query; none for the responses when
    `my_responses` (the QA responses with the worker, as the home page loads them) is given."""
    return dashboard_with_counts(user=user, today=today, my_responses=my_responses)[0]


def dashboard_with_counts(
    *,
    user: Actor,
    today: dt.date | None = None,
    my_responses: Sequence[QAResponse] | None = None,
    also_count: Mapping[str, QuerySet[Any]] | None = None,
) -> tuple[list[Figure], dict[str, int]]:
    """`dashboard_figures`, and the number of rows of each queryset in `also_count` (a dict
    name: queryset), read in the same query: the home page's figures in one round trip."""
    # Kept apart from the figures' own counts by their prefix.
    prefixed = {f"also:{name}": qs for name, qs in (also_count or {}).items()}
    today = today or timezone.localdate()
    scope = report_scope(user)
    if scope is None:
        figures, counts = _my_figures(user, today, my_responses, prefixed)
    else:
        figures, counts = _scope_figures(scope, today, prefixed)
    return figures, _unprefixed(counts)


def _my_figures(
    user: Actor,
    today: dt.date,
    my_responses: Sequence[QAResponse] | None,
    also_count: dict[str, QuerySet[Any]],
) -> tuple[list[Figure], dict[str, int]]:
    """The user's own QA responses due and overdue (none for someone who is not staff), and
    the counts of `also_count`."""
    staff = staff_for_user(user)
    if staff is None:
        return [], _row_counts(also_count)
    if my_responses is not None:  # the home page has loaded them already: no query
        counts = _row_counts(also_count)
        mine = {
            "due": len(my_responses),
            "overdue": sum(1 for r in my_responses if r.due_on < today),
        }
    else:
        mine_qs = QAResponse.objects.filter(worker=staff, status__in=WITH_WORKER)
        counts = _row_counts(
            {**also_count, "due": mine_qs, "overdue": mine_qs.filter(due_on__lt=today)}
        )
        mine = counts
    figures = [
        Figure(
            "responses-due",
            "QA responses due from me",
            str(mine["due"]),
            url=reverse("response_list"),
        ),
        Figure(
            "responses-overdue",
            "Of them overdue",
            str(mine["overdue"]),
            url=reverse("response_list"),
            warning=mine["overdue"] > 0,
        ),
    ]
    return figures, counts


def _scope_querysets(scope: ReportScope, today: dt.date) -> dict[str, QuerySet[Any]]:
    """What a manager's figures count: this month's programme (expected and done), open cases
    not audited for over 12 months, overdue QA responses, unacknowledged urgent findings."""
    month = today.replace(day=1)
    filters = ReportFilters(start=month, end=today)
    programme = (
        Allocation.objects.filter(
            programme__status=MonthStatus.CONFIRMED, programme__month=month, case__isnull=False
        )
        .exclude(status=AllocationStatus.CANCELLED)
        .filter(_auditor_q(scope, filters))
    )
    cutoff = add_months(today, -12)
    return {
        # `audit` is a one-to-one: an allocation is one row with or without it.
        "expected": programme,
        "done": programme.filter(audit__status=AuditStatus.COMPLETED),
        "over_a_year": scope.cases()
        .filter(closed_on__isnull=True)
        .annotate(due_base=_due_base())
        .filter(due_base__lt=cutoff),
        "overdue_responses": QAResponse.objects.filter(
            scope.case_q(filters), status__in=WITH_WORKER, due_on__lt=today
        ),
        "open_findings": UrgentFinding.objects.filter(
            scope.case_q(filters), acknowledged_at__isnull=True, withdrawn_at__isnull=True
        ),
    }


def _scope_figures(
    scope: ReportScope, today: dt.date, also_count: dict[str, QuerySet[Any]]
) -> tuple[list[Figure], dict[str, int]]:
    """A manager's (or Performance Assurance's) figures for their scope, and the counts of
    `also_count`."""
    counts = _row_counts({**also_count, **_scope_querysets(scope, today)})
    expected, done = counts["expected"], counts["done"]
    over_a_year = counts["over_a_year"]
    overdue_responses, open_findings = counts["overdue_responses"], counts["open_findings"]
    completion = percent(done, expected)
    compliance_url = reverse("report_compliance")
    figures = [
        Figure(
            "programme",
            f"Programme this month ({today:%B})",
            f"{completion:.0f}%" if completion is not None else "None allocated",
            f"{done} of {expected} allocated audits done"
            if expected
            else "No confirmed allocations",
            f"{compliance_url}?period=this_month",
        ),
        Figure(
            "over-a-year",
            "Open cases not audited for over 12 months",
            f"{over_a_year:,}",
            url=reverse("report_compliance_tab", args=["cases"]) + "#not-audited",
            warning=over_a_year > 0,
        ),
        Figure(
            "overdue-responses",
            "QA responses overdue",
            f"{overdue_responses:,}",
            url=reverse("response_team"),
            warning=overdue_responses > 0,
        ),
        Figure(
            "open-findings",
            "Urgent findings not yet acknowledged",
            f"{open_findings:,}",
            url=reverse("report_quality_tab", args=["urgent"]) + "#urgent",
            warning=open_findings > 0,
        ),
    ]
    if "quality" not in scope.reports:  # Business Support: the figures of their reports only
        figures = [figure for figure in figures if figure.key != "open-findings"]
    return figures, counts


def _unprefixed(counts: dict[str, int]) -> dict[str, int]:
    return {name[5:]: n for name, n in counts.items() if name.startswith("also:")}


def _row_counts(querysets: dict[str, QuerySet[Any]]) -> dict[str, int]:
    """How many rows each queryset has, in one query of scalar subqueries
    (`SELECT (SELECT COUNT(*) FROM (...)), ...`): a round trip instead of one per count."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    using = DEFAULT_DB_ALIAS
    for n, qs in enumerate(querysets.values()):
        inner = qs.order_by().values("pk")
        using = inner.db
        try:
            sql, inner_params = inner.query.get_compiler(using=using).as_sql()
        except EmptyResultSet:  # a filter that matches nothing (`pk__in=[]`): no rows
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) count_{n})")  # noqa: S608  # nosec B608
        params.extend(inner_params)
    if all(part == "0" for part in parts):
        return dict.fromkeys(querysets, 0)
    # Safe: the SQL is Django's own for each queryset, its values passed as parameters.
    query = "SELECT " + ", ".join(parts)
    with connections[using].cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    return dict(zip(querysets, (int(value) for value in row), strict=True))
