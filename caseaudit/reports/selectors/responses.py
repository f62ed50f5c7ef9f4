"""2. Responses: QA responses to the period's audits (on time, late, outstanding, returned)
and the audits' restorative actions: those from the actions' summary
(`responses.models.ActionSummary`) when it is built and the scope and period are of whole
teams and months (as the scale summary, `summary`), else counted from the actions."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from caseaudit.audits.models import ActionStatus, RestorativeAction
from caseaudit.organisation.models import Team
from caseaudit.responses.models import (
    OUTSTANDING,
    WITH_WORKER,
    ActionSummary,
    QAResponse,
    ResponseStatus,
)

from .. import charts
from ..charts import Series
from ..periods import month_label
from ..scope import ReportFilters, ReportScope
from ..services import ACTIONS
from ..tables import MONTH, NUMBER, PERCENT, Column, Table, percent
from .common import SimpleReport, _column_totals, _month, audit_q, month_of
from .summary import _summary_answers_for, team_summary_rows


def _response_counts(today: dt.date) -> dict[str, Count]:
    return {
        "requested": Count("pk"),
        "on_time": Count("pk", filter=Q(first_submitted_at__date__lte=F("due_on"))),
        "late": Count("pk", filter=Q(first_submitted_at__date__gt=F("due_on"))),
        "outstanding": Count("pk", filter=Q(status__in=OUTSTANDING)),
        "overdue": Count("pk", filter=Q(status__in=WITH_WORKER, due_on__lt=today)),
        "to_authorise": Count("pk", filter=Q(status=ResponseStatus.SUBMITTED)),
        "returned": Count("pk", filter=Q(returned_at__isnull=False)),
        "authorised": Count("pk", filter=Q(status=ResponseStatus.AUTHORISED)),
    }


def _action_counts(today: dt.date) -> dict[str, Count]:
    return {
        "actions": Count("pk"),
        "open": Count("pk", filter=Q(status=ActionStatus.OPEN)),
        "overdue": Count("pk", filter=Q(status=ActionStatus.OPEN, due_on__lt=today)),
        "to_agree": Count(
            "pk", filter=Q(status=ActionStatus.RESOLVED, manager_agreed_at__isnull=True)
        ),
        "closed": Count("pk", filter=Q(manager_agreed_at__isnull=False)),
    }


RESPONSE_COLUMNS = [
    Column("requested", "Requested", NUMBER),
    Column("on_time", "On time", NUMBER),
    Column("late", "Late", NUMBER),
    Column("on_time_pct", "% on time", PERCENT),
    Column("outstanding", "Outstanding", NUMBER),
    Column("overdue", "Overdue with the worker", NUMBER),
    Column("to_authorise", "Awaiting authorisation", NUMBER),
    Column("returned", "Returned at least once", NUMBER),
    Column("authorised", "Authorised", NUMBER),
]
ACTION_COLUMNS = [
    Column("actions", "Actions", NUMBER),
    Column("open", "Open", NUMBER),
    Column("overdue", "Overdue", NUMBER),
    Column("to_agree", "Resolved, awaiting agreement", NUMBER),
    Column("closed", "Closed", NUMBER),
]


def _response_cells(c: Mapping[str, Any]) -> list[int | float | None]:
    return [
        c["requested"],
        c["on_time"],
        c["late"],
        percent(c["on_time"], c["on_time"] + c["late"]),
        c["outstanding"],
        c["overdue"],
        c["to_authorise"],
        c["returned"],
        c["authorised"],
    ]


def _responses(scope: ReportScope, filters: ReportFilters) -> QuerySet[QAResponse]:
    """The QA responses to audits completed in the period, of cases in scope."""
    responses = QAResponse.objects.filter(
        scope.case_q(filters),
        completed_on__gte=filters.start,
        completed_on__lte=filters.end,
    )
    if filters.tool is not None:
        responses = responses.filter(audit__tool_version__tool_id=filters.tool.pk)
    return responses


def responses_report(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> SimpleReport:
    """QA responses to audits completed in the period: on time (first submitted by the due
    date), late, outstanding, returned; and the audits' restorative actions."""
    responses = _responses(scope, filters)
    counts = _response_counts(today)
    by_team: list[Mapping[str, Any]] = list(
        responses.values(team=F("case__team__name")).annotate(**counts).order_by("team")
    )
    totals = _column_totals(by_team, counts)
    by_month: dict[dt.date | None, Mapping[str, Any]] = {
        _month(r["m"]): r
        for r in responses.annotate(
            m=month_of(field_name="completed_on", months=filters.months, moment=False)
        )
        .values("m")
        .annotate(**counts)
    }
    team_table = _response_team_table(by_team)
    month_table = _response_month_table(by_month, filters, empty=dict.fromkeys(counts, 0))
    action_table, action_totals = _action_table(scope, filters, today)
    figures = {
        **totals,
        "on_time_pct": percent(totals["on_time"], totals["on_time"] + totals["late"]),
        "actions": action_totals,
    }
    return SimpleReport(figures=figures, tables=[month_table, team_table, action_table])


def _response_team_table(by_team: Sequence[Mapping[str, Any]]) -> Table:
    team_table = Table(
        "responses-by-team",
        "Responses by team",
        [Column("team", "Team"), *RESPONSE_COLUMNS],
        [[r["team"], *_response_cells(r)] for r in by_team],
        description="Responses to audits completed in the period, by the case's team.",
    )
    team_table.chart = charts.bar_chart(
        chart_id="chart-responses-teams",
        title="Responses submitted on time, by team (%)",
        description="Horizontal bars: of the responses each team has submitted, the "
        "percentage first submitted by the due date (5 working days). The figures are in the "
        "table that follows.",
        categories=[r["team"] for r in by_team],
        series=[
            Series("% on time", [percent(r["on_time"], r["on_time"] + r["late"]) for r in by_team])
        ],
        horizontal=True,
        max_value=100,
        unit="%",
    )
    return team_table


def _response_month_table(
    by_month: Mapping[dt.date | None, Mapping[str, Any]],
    filters: ReportFilters,
    *,
    empty: Mapping[str, Any],
) -> Table:
    month_rows = [(m, by_month.get(m, empty)) for m in filters.months]
    month_table = Table(
        "responses-by-month",
        "Responses by month",
        [Column("month", "Month the audit was completed", MONTH), *RESPONSE_COLUMNS],
        [[m, *_response_cells(c)] for m, c in month_rows],
    )
    month_table.chart = charts.bar_chart(
        chart_id="chart-responses-months",
        title="Responses on time, late and outstanding, by month",
        description="Vertical bars for each month (of the audit's completion): responses first "
        "submitted on time, submitted late, and still outstanding. The figures are in the "
        "table that follows.",
        categories=[month_label(m) for m, _ in month_rows],
        series=[
            Series("On time", [c["on_time"] for _, c in month_rows]),
            Series("Late", [c["late"] for _, c in month_rows]),
            Series("Outstanding", [c["outstanding"] for _, c in month_rows]),
        ],
    )
    return month_table


def _action_table(
    scope: ReportScope, filters: ReportFilters, today: dt.date
) -> tuple[Table, dict[str, int]]:
    """The restorative actions of the period's audits by team, and their totals: from the
    actions' summary when it can answer, else counted from the actions (the same figures)."""
    action_counts = _action_counts(today)
    actions_by_team: Sequence[Mapping[str, Any]]
    if _action_summary_answers_for(scope, filters, today):
        actions_by_team = _actions_by_team_from_summary(scope, filters, today)
    else:
        actions = RestorativeAction.objects.filter(
            audit_q(scope=scope, filters=filters, prefix="audit__")
        )
        actions_by_team = list(
            actions.values(team=F("audit__case__team__name"))
            .annotate(**action_counts)
            .order_by("team")
        )
    action_totals = _column_totals(actions_by_team, action_counts)
    action_table = Table(
        "actions-by-team",
        "Restorative actions by team",
        [Column("team", "Team"), *ACTION_COLUMNS],
        [[r["team"], *[r[c.key] for c in ACTION_COLUMNS]] for r in actions_by_team],
        description="The restorative actions of audits completed in the period. Overdue: "
        "open after the date it was due by.",
    )
    return action_table, action_totals


def _action_summary_answers_for(scope: ReportScope, filters: ReportFilters, today: dt.date) -> bool:
    """Whether the actions' summary can answer: as the scale summary (`summary`), a scope of
    whole teams, a period of whole months and the summary built and current."""
    return _summary_answers_for(scope, filters, today, name=ACTIONS)


def _actions_by_team_from_summary(
    scope: ReportScope, filters: ReportFilters, today: dt.date
) -> list[dict[str, Any]]:
    """`_action_counts` by team name from the actions' summary (`ActionSummary`), in team
    order. Overdue: open actions due in a month before this one, and (a small query of the
    actions, `audits.RestorativeAction`'s index of open actions by due date) those due
    earlier this month. Three queries (two on a month's first day)."""
    this_month = today.replace(day=1)
    rows = team_summary_rows(qs=ActionSummary.objects.all(), scope=scope, filters=filters)
    if filters.tool is not None:
        rows = rows.filter(tool_id=filters.tool.pk)
    is_open = Q(status=ActionStatus.OPEN)
    counts = {
        "actions": _sum(Q()),
        "open": _sum(is_open),
        "overdue": _sum(is_open & Q(due_month__lt=this_month)),
        "to_agree": _sum(Q(status=ActionStatus.RESOLVED, agreed=False)),
        "closed": _sum(Q(agreed=True)),
    }
    # By team id (no join, no sort of the period's rows), then added up by the teams' names
    # in their order, as the live count groups them.
    grouped = cast("QuerySet[Any, dict[str, Any]]", rows.values("team_id").annotate(**counts))
    by_id = {r["team_id"]: r for r in grouped.order_by()}
    by_team: dict[str, dict[str, Any]] = {}
    # The scope's teams (every team, at most a service's), rather than a list of ids.
    names = Team.objects.filter(scope.team_q).order_by("name").values_list("pk", "name")
    for pk, name in names:
        if pk not in by_id:
            continue
        team = by_team.setdefault(name, {"team": name} | dict.fromkeys(counts, 0))
        for key in counts:
            team[key] += by_id[pk][key]
    if this_month < today:
        due_this_month = dict(
            RestorativeAction.objects.filter(
                audit_q(scope=scope, filters=filters, prefix="audit__"),
                status=ActionStatus.OPEN,
                due_on__gte=this_month,
                due_on__lt=today,
            )
            .values_list("audit__case__team__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for name, team in by_team.items():
            team["overdue"] += due_this_month.get(name, 0)
    return [team for team in by_team.values() if team["actions"]]


def _sum(q: Q) -> Coalesce:
    """The summary rows' count of actions matching `q` (0 when none)."""
    return Coalesce(Sum("n", filter=q or None), 0)


def responses_overview(
    *, scope: ReportScope, filters: ReportFilters, today: dt.date
) -> dict[str, int | float | None]:
    """The responses' figures of the findings report (one query)."""
    c = _responses(scope, filters).aggregate(**_response_counts(today))
    return {
        "responses": c["requested"],
        "responses_on_time": percent(c["on_time"], c["on_time"] + c["late"]),
        "responses_overdue": c["overdue"],
    }
