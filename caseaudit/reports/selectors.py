"""Reads for the reports: programme compliance, responses, practice quality, the findings
report and the home page's figures. Every figure is scoped to the user (`scope.ReportScope`)
and counted in the database (filtered aggregates grouped by team, service and month): each
report runs a fixed number of queries however many audits, cases and teams there are.

Builders return `tables.Table` rows, which the page, the PDF, the spreadsheet and the CSV
files all show, so the formats never disagree.
"""

import datetime as dt
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, reduce

from django.core.paginator import Paginator
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand, Section
from caseaudit.audit_tools.selectors import band_for, scaling_bands
from caseaudit.audits.models import (
    ActionStatus,
    Audit,
    AuditStatus,
    ContactMade,
    RestorativeAction,
    Satisfaction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.cases.models import SubjectType
from caseaudit.organisation.models import Role, Staff, Team
from caseaudit.programme.due import add_months
from caseaudit.programme.models import Allocation, AllocationStatus, MonthStatus

from . import charts
from .charts import Series
from .models import SCALE_POINTS, TEXT_PREFIXES, ReportExport, ScaleSummary
from .periods import month_label
from .scope import ReportFilters, ReportScope
from .services import COUNT_COLUMNS, EXPORT_KEPT, summary_counts, summary_is_built
from .tables import (
    DATE,
    DECIMAL,
    MONTH,
    NUMBER,
    PERCENT,
    TAG,
    Column,
    Link,
    Table,
    one_decimal,
    percent,
)
from .text import excerpt

CARER_SUBJECTS = [SubjectType.FOSTER_CARER, SubjectType.ADOPTER]
TEAM_COLUMNS = ("n", "total", *[f"s{point}" for point in SCALE_POINTS])
NOT_AUDITED_PAGE_SIZE = 25
CARERS_SHOWN = 20
CLOSURES_SHOWN = 20
PEOPLE_SHOWN = 50  # on the page; the files have everyone
CHART_TEAMS = 40  # bars in a chart of teams: more cannot be read
EXCERPTS_SHOWN = 12
THEME_EXCERPTS = 3
RECOMMENDATIONS_MAX = 5
NO_TEAM = "No team"
NO_SERVICE = "No service"
SENIOR_MANAGERS = "Senior managers (no team)"


def _month(value) -> dt.date | None:
    """A month bucket (or a date, or an aware date-time) as the month's first day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


def month_of(field_name: str, months: list[dt.date], *, moment: bool = True) -> Case:
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


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _paginate(qs, *, count: int, number, per_page: int):
    """A page of `qs` whose total is already known (no second COUNT query)."""
    paginator = Paginator(qs, per_page)
    paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    return paginator.get_page(number)


def completed_audits(scope: ReportScope, filters: ReportFilters) -> QuerySet[Audit]:
    """Completed audits of cases in scope, completed in the period, with the filters."""
    return Audit.objects.filter(audit_q(scope, filters))


def audit_q(scope: ReportScope, filters: ReportFilters, prefix: str = "") -> Q:
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


def _staff_values(prefix: str = "auditor__") -> dict:
    return {
        "person_id": F(f"{prefix}id"),
        "person": F(f"{prefix}name"),
        "role": F(f"{prefix}role"),
        "team": F(f"{prefix}team__name"),
        "service": Coalesce(f"{prefix}service_area__name", f"{prefix}team__service_area__name"),
    }


# --- 1. Programme compliance -------------------------------------------------------------


@dataclass
class Tally:
    expected: int = 0
    done: int = 0
    expected_ended: int = 0
    done_ended: int = 0
    other: int = 0
    people: set = field(default_factory=set)

    def merge(self, other: "Tally") -> None:
        self.expected += other.expected
        self.done += other.done
        self.expected_ended += other.expected_ended
        self.done_ended += other.done_ended
        self.other += other.other
        self.people |= other.people

    @property
    def outstanding(self) -> int:
        return self.expected - self.done

    @property
    def overdue(self) -> int:
        """Allocated audits of months that have ended, not done."""
        return self.expected_ended - self.done_ended

    @property
    def completion(self) -> float | None:
        return percent(self.done, self.expected)

    @property
    def status(self) -> str:
        if self.overdue > 0:
            return "Behind"
        if self.expected and self.outstanding:
            return "In progress"
        return "On track" if self.expected else ""


@dataclass
class ComplianceReport:
    figures: dict
    tables: list[Table]
    not_audited_page: object = None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass
class ComplianceCounts:
    """The programme figures of a scope and period, added up by person and by month."""

    people: dict[int, Tally]  # staff id -> their tally (its `people` is {their id})
    months: dict[dt.date, Tally]
    staff: dict[int, dict] = field(default_factory=dict)  # staff id -> name, role, team, service

    def total(self) -> Tally:
        total = Tally()
        for tally in self.people.values():
            total.merge(tally)
        return total


def _allocations(scope: ReportScope, filters: ReportFilters) -> QuerySet[Allocation]:
    """The confirmed programme's allocations (with a case, not cancelled) of the period's
    months, for the staff in scope and the filters."""
    allocations = Allocation.objects.filter(
        programme__status=MonthStatus.CONFIRMED,
        programme__month__gte=filters.start.replace(day=1),
        programme__month__lte=filters.end,
        case__isnull=False,
    ).exclude(status=AllocationStatus.CANCELLED)
    allocations = allocations.filter(_auditor_q(scope, filters))
    if filters.case_type:
        allocations = allocations.filter(case__case_type=filters.case_type)
    if filters.tool is not None:
        allocations = allocations.filter(tool_code=filters.tool.code)
    return allocations


def _allocation_counts(today: dt.date) -> dict:
    # An allocation is done when its audit is completed (programme.receivers keeps its status
    # so, and back when the audit is reopened): no join to the audits.
    done = Q(status=AllocationStatus.COMPLETED)
    ended = Q(programme__month__lt=today.replace(day=1))
    return {
        "expected": Count("pk"),
        "done": Count("pk", filter=done),
        "expected_ended": Count("pk", filter=ended),
        "done_ended": Count("pk", filter=ended & done),
    }


def programme_tally(scope: ReportScope, filters: ReportFilters, today: dt.date) -> Tally:
    """The allocated audits expected and done in the period, in one figure (one query)."""
    return Tally(**_allocations(scope, filters).aggregate(**_allocation_counts(today)))


def compliance_counts(
    scope: ReportScope, filters: ReportFilters, today: dt.date
) -> ComplianceCounts:
    """Allocated audits expected and done and other audits done, by person and month, added
    up by person and by month, with the people's names (three queries). Grouped in SQL by
    the staff id alone (names added after): grouping by names sorts rows a dozen times
    wider; and added up here in one pass, as tuples: at the national scale there are some
    50,000 person-months."""
    allocated = (
        _allocations(scope, filters)
        .values_list("programme__month", "auditor_id")
        .annotate(**_allocation_counts(today))
        .order_by()
    )
    # NOT EXISTS rather than `allocation__isnull=True`: PostgreSQL estimates the latter's
    # LEFT JOIN ... IS NULL at one row and nests a loop over staff (3 s at county scale).
    others = (
        Audit.objects.filter(status=AuditStatus.COMPLETED)
        .filter(~Exists(Allocation.objects.filter(audit=OuterRef("pk"))))
        .filter(filters.when_q("completed_at"), _auditor_q(scope, filters))
    )
    if filters.case_type:
        others = others.filter(case__case_type=filters.case_type)
    if filters.tool is not None:
        others = others.filter(tool_version__tool_id=filters.tool.pk)
    others = (
        others.annotate(done_month=month_of("completed_at", filters.months))
        .values_list("done_month", "auditor_id")
        .annotate(other=Count("pk"))
        .order_by()
    )
    people: dict[int, Tally] = {}
    months: dict[dt.date, Tally] = {}

    def tallies(month, person_id) -> tuple[Tally, Tally]:
        person = people.get(person_id)
        if person is None:
            person = people[person_id] = Tally(people={person_id})
        month = _month(month)
        by_month = months.get(month)
        if by_month is None:
            by_month = months[month] = Tally()
        return person, by_month

    for month, person_id, expected, done, expected_ended, done_ended in allocated:
        for t in tallies(month, person_id):
            t.expected += expected
            t.done += done
            t.expected_ended += expected_ended
            t.done_ended += done_ended
    for month, person_id, other in others:
        for t in tallies(month, person_id):
            t.other += other
    # The staff the figures can be about, not `pk__in` thousands of ids (each a parameter).
    staff = {
        p["id"]: p
        for p in Staff.objects.filter(_auditor_q(scope, filters, prefix="")).values(
            "id",
            "name",
            "role",
            team_name=F("team__name"),
            service_name=Coalesce("service_area__name", "team__service_area__name"),
        )
        if p["id"] in people
    }
    return ComplianceCounts(people, months, staff)


def _tally_by(counts: ComplianceCounts, key) -> dict:
    """The people's tallies added up by `key(staff)`."""
    tallies: dict = defaultdict(Tally)
    for person_id, tally in counts.people.items():
        tallies[key(counts.staff[person_id])].merge(tally)
    return tallies


COMPLIANCE_COLUMNS = [
    Column("expected", "Expected", NUMBER),
    Column("done", "Done", NUMBER),
    Column("outstanding", "Outstanding", NUMBER),
    Column("overdue", "Overdue", NUMBER),
    Column("other", "Other audits", NUMBER),
    Column("completion", "% done", PERCENT),
]


def _tally_cells(t: Tally) -> list:
    return [t.expected, t.done, t.outstanding, t.overdue, t.other, t.completion]


def compliance_report(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    page_number=None,
    full: bool = False,
) -> ComplianceReport:
    counts = compliance_counts(scope, filters, today)
    total = counts.total()

    people_rows = sorted(
        ((counts.staff[pid], t) for pid, t in counts.people.items()),
        key=lambda item: (-item[1].overdue, item[0]["name"]),
    )
    people_table = Table(
        "people",
        "By person",
        [
            Column("person", "Person"),
            Column("role", "Role"),
            Column("team", "Team"),
            *COMPLIANCE_COLUMNS,
            Column("status", "Status", TAG),
        ],
        [
            [
                p["name"],
                Role(p["role"]).label if p["role"] else "",
                p["team_name"] or NO_TEAM,
                *_tally_cells(t),
                t.status,
            ]
            for p, t in (people_rows if full else people_rows[:PEOPLE_SHOWN])
        ],
        description="Each member of staff's confirmed programme allocations in the period and "
        "the audits they completed; most overdue first.",
        note=(
            f"The {PEOPLE_SHOWN} most overdue of {len(people_rows)} people: the spreadsheet and "
            "the CSV file list everyone."
            if not full and len(people_rows) > PEOPLE_SHOWN
            else ""
        ),
    )

    # Managers above teams (a CSM, ADs, the Director) are one row per service, or one row.
    teams = _tally_by(
        counts, lambda p: (p["team_name"] or SENIOR_MANAGERS, p["service_name"] or "")
    )
    team_rows = sorted(teams.items(), key=lambda kv: (-kv[1].overdue, kv[1].completion or 0))
    team_table = Table(
        "teams",
        "By team",
        [
            Column("team", "Team"),
            Column("service", "Service"),
            Column("people", "People", NUMBER),
            *COMPLIANCE_COLUMNS,
            Column("status", "Status", TAG),
        ],
        [
            [team, service or NO_SERVICE, len(t.people), *_tally_cells(t), t.status]
            for (team, service), t in team_rows
        ],
        description="Teams behind on the programme (allocated audits of ended months not done) "
        "come first.",
    )
    charted = team_rows[:CHART_TEAMS]
    team_table.chart = charts.bar_chart(
        chart_id="chart-teams",
        title="Allocated audits done, by team (%)",
        description="Horizontal bars: the percentage of each team's allocated audits done in "
        f"the period {filters.label}"
        + (
            f", for the {CHART_TEAMS} teams furthest behind of {len(team_rows)}"
            if len(team_rows) > CHART_TEAMS
            else ""
        )
        + ". The figures are in the table that follows.",
        categories=[
            team if team != SENIOR_MANAGERS or not service else f"Senior managers, {service}"
            for (team, service), _t in charted
        ],
        series=[Series("% of allocated done", [t.completion for _k, t in charted])],
        horizontal=True,
        max_value=100,
        unit="%",
    )

    services = _tally_by(counts, lambda p: p["service_name"] or NO_SERVICE)
    service_table = Table(
        "services",
        "By service",
        [Column("service", "Service"), Column("people", "People", NUMBER), *COMPLIANCE_COLUMNS],
        [
            [service, len(t.people), *_tally_cells(t)]
            for service, t in sorted(services.items(), key=lambda kv: kv[0])
        ],
    )

    month_rows = [(m, counts.months.get(m, Tally())) for m in filters.months]
    month_table = Table(
        "months",
        "By month",
        [Column("month", "Month", MONTH), *COMPLIANCE_COLUMNS],
        [[m, *_tally_cells(t)] for m, t in month_rows],
    )
    month_table.chart = charts.bar_chart(
        chart_id="chart-months",
        title="Audits expected and done, by month",
        description="Vertical bars for each month of the period: allocated audits expected, "
        "allocated audits done and other audits done. The figures are in the table that "
        "follows.",
        categories=[month_label(m) for m, _ in month_rows],
        series=[
            Series("Allocated expected", [t.expected for _, t in month_rows]),
            Series("Allocated done", [t.done for _, t in month_rows]),
            Series("Other audits done", [t.other for _, t in month_rows]),
        ],
    )

    coverage, not_audited_table, page, carers_table = _coverage(
        scope, filters, today, page_number=page_number, full=full
    )
    closure_count, closure_table = _closures_pending(scope, filters, full=full)
    figures = {
        "expected": total.expected,
        "done": total.done,
        "other": total.other,
        "overdue": total.overdue,
        "completion": total.completion,
        "teams_behind": sum(1 for t in teams.values() if t.overdue > 0),
        "closures_pending": closure_count,
        **coverage,
    }
    return ComplianceReport(
        figures=figures,
        tables=[
            team_table,
            month_table,
            people_table,
            service_table,
            not_audited_table,
            carers_table,
            closure_table,
        ],
        not_audited_page=page,
    )


def _closures_pending(scope, filters, *, full: bool) -> tuple[int, Table]:
    """Open cases whose closure is under way but not ready (`cases.selectors.closure_pending`:
    a Closure Record in draft, or completed with actions unresolved), in the report's scope."""
    from caseaudit.cases.selectors import closure_pending

    cases = closure_pending(
        user=scope.user,
        team_id=filters.team.pk if filters.team else None,
        service_area_id=filters.service.pk if filters.service else None,
    ).filter(scope.own_cases)
    if filters.case_type:
        cases = cases.filter(case_type=filters.case_type)
    count = cases.count()
    shown = list(cases if full else cases[:CLOSURES_SHOWN])
    return count, Table(
        "closure-pending",
        "Closure audits pending",
        [
            Column("reference", "Case"),
            Column("case_type", "Type"),
            Column("team", "Team"),
            Column("worker", "Worker"),
            Column("record", "Closure Record"),
            Column("started", "Started", DATE),
            Column("actions", "Actions unresolved", NUMBER),
        ],
        [
            [
                _case_link(c.reference, c.pk),
                c.get_case_type_display(),
                c.team.name,
                c.allocated_worker.name if c.allocated_worker else "Unallocated",
                "Completed" if c.closure_audit_status == AuditStatus.COMPLETED else "Draft",
                timezone.localdate(c.closure_started_at) if c.closure_started_at else None,
                c.unresolved_actions,
            ]
            for c in shown
        ],
        description="Open cases whose closure is under way but not ready: the Closure Record is "
        "still a draft, or it is completed while restorative actions are unresolved. A case "
        "cannot close until both are done. Longest waiting first.",
        note=(
            f"The first {CLOSURES_SHOWN} of {count}: the CSV file lists them all."
            if not full and count > CLOSURES_SHOWN
            else ""
        ),
    )


def _due_base():
    """The date a case's 12-month audit clock runs from: its last audit, or its opening
    (carers: their first Panel), whichever is later (as `programme.due.next_due`)."""
    start = Coalesce("first_panel_on", "opened_on", output_field=DateField())
    return Greatest(start, Coalesce("last_audited_on", start), output_field=DateField())


def _case_link(reference: str, pk: int) -> Link:
    return Link(reference, _url_for("case_detail", pk))


def _coverage(scope, filters, today, *, page_number, full):
    """Open cases audited in the last 12 months (as at today), the list of those that are
    not (longest without an audit first) and carers' audits overdue."""
    cutoff = add_months(today, -12)
    open_cases = (
        scope.cases()
        .filter(filters.case_q(), closed_on__isnull=True)
        .annotate(due_base=_due_base())
    )
    recent = Q(last_audited_on__gte=cutoff)
    carers = Q(subject_type__in=CARER_SUBJECTS, first_panel_on__isnull=False)
    counts = open_cases.aggregate(
        open=Count("pk"),
        audited=Count("pk", filter=recent),
        not_audited=Count("pk", filter=~recent | Q(last_audited_on__isnull=True)),
        over_a_year=Count("pk", filter=Q(due_base__lt=cutoff)),
        carers_overdue=Count("pk", filter=carers & Q(due_base__lt=cutoff)),
    )
    counts["coverage"] = percent(counts["audited"], counts["open"])
    not_audited = (
        open_cases.filter(Q(last_audited_on__isnull=True) | Q(last_audited_on__lt=cutoff))
        .select_related("team", "allocated_worker")
        .order_by("due_base", "reference")
    )
    page = None
    if full:
        cases = list(not_audited)
    else:
        page = _paginate(
            not_audited,
            count=counts["not_audited"],
            number=page_number,
            per_page=NOT_AUDITED_PAGE_SIZE,
        )
        cases = list(page.object_list)
    columns = [
        Column("reference", "Case"),
        Column("case_type", "Type"),
        Column("team", "Team"),
        Column("worker", "Worker"),
        Column("opened_on", "Opened", DATE),
        Column("last_audited_on", "Last audited", DATE),
        Column("since", "No audit since", DATE),
        Column("status", "Over 12 months", TAG),
    ]
    not_audited_table = Table(
        "not-audited",
        "Open cases not audited in the last 12 months",
        columns,
        [
            [
                _case_link(c.reference, c.pk),
                c.get_case_type_display(),
                c.team.name,
                c.allocated_worker.name if c.allocated_worker else "Unallocated",
                c.opened_on,
                c.last_audited_on,
                c.due_base,
                "Over 12 months" if c.due_base < cutoff else "",
            ]
            for c in cases
        ],
        description="Longest without an audit first: counted from the last audit, or from "
        "the case's opening (carers: their first Panel) if it has none.",
    )
    carers_qs = open_cases.filter(carers, due_base__lt=cutoff).select_related(
        "team", "allocated_worker"
    )
    carers_qs = carers_qs.order_by("due_base", "reference")
    carers_list = list(carers_qs if full else carers_qs[:CARERS_SHOWN])
    carers_table = Table(
        "carers-overdue",
        "Carers' audits overdue",
        [
            Column("reference", "Case"),
            Column("case_type", "Type"),
            Column("team", "Team"),
            Column("first_panel_on", "First Panel", DATE),
            Column("last_audited_on", "Last audited", DATE),
            Column("due_on", "Due", DATE),
        ],
        [
            [
                _case_link(c.reference, c.pk),
                c.get_case_type_display(),
                c.team.name,
                c.first_panel_on,
                c.last_audited_on,
                add_months(c.due_base, 12),
            ]
            for c in carers_list
        ],
        description="Foster carers and adopters whose audit (12 months after first Panel, then "
        "every 12 months) is past due; longest overdue first.",
        note=(
            f"The first {CARERS_SHOWN} of {counts['carers_overdue']}: the CSV file lists them all."
            if not full and counts["carers_overdue"] > CARERS_SHOWN
            else ""
        ),
    )
    return counts, not_audited_table, page, carers_table


# --- 2. Responses ------------------------------------------------------------------------


def _response_counts(today: dt.date) -> dict:
    from caseaudit.responses.models import OUTSTANDING, WITH_WORKER, ResponseStatus

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


def _column_totals(rows: list[dict], counts: dict) -> dict:
    """The whole scope's counts, added up from its rows by team (every row is counted in
    exactly one team), rather than counted again in the database."""
    return {name: sum(r[name] for r in rows) for name in counts}


def _action_counts(today: dt.date) -> dict:
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


def _response_cells(c: dict) -> list:
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


@dataclass
class SimpleReport:
    figures: dict
    tables: list[Table]
    extra: dict = field(default_factory=dict)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def responses_report(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> SimpleReport:
    """QA responses to audits completed in the period: on time (first submitted by the due
    date), late, outstanding, returned; and the audits' restorative actions."""
    from caseaudit.responses.models import QAResponse

    responses = QAResponse.objects.filter(
        scope.case_q(filters),
        completed_on__gte=filters.start,
        completed_on__lte=filters.end,
    )
    if filters.tool is not None:
        responses = responses.filter(audit__tool_version__tool_id=filters.tool.pk)
    counts = _response_counts(today)
    by_team = list(responses.values(team=F("case__team__name")).annotate(**counts).order_by("team"))
    totals = _column_totals(by_team, counts)
    by_month = {
        _month(r["m"]): r
        for r in responses.annotate(m=month_of("completed_on", filters.months, moment=False))
        .values("m")
        .annotate(**counts)
    }
    empty = dict.fromkeys(counts, 0)
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

    actions = RestorativeAction.objects.filter(audit_q(scope, filters, "audit__"))
    action_counts = _action_counts(today)
    actions_by_team = list(
        actions.values(team=F("audit__case__team__name")).annotate(**action_counts).order_by("team")
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
    figures = {
        **totals,
        "on_time_pct": percent(totals["on_time"], totals["on_time"] + totals["late"]),
        "actions": action_totals,
    }
    return SimpleReport(figures=figures, tables=[month_table, team_table, action_table])


# --- 3. Practice quality -----------------------------------------------------------------


def _band_counts(bands: list[ScalingBand], field_name: str = "scale") -> dict:
    return {
        f"band_{b.pk}": Count(
            "pk",
            filter=Q(**{f"{field_name}__gte": b.min_score, f"{field_name}__lte": b.max_score}),
        )
        for b in bands
    }


def _band_columns(bands: list[ScalingBand]) -> list[Column]:
    return [
        Column(f"band_{b.pk}", f"{b.name} ({b.min_score}–{b.max_score})", NUMBER) for b in bands
    ]


def _scale_cells(row: dict, bands) -> list:
    return [row["n"], one_decimal(row["avg"]), *[row[f"band_{b.pk}"] for b in bands]]


def _scale_columns(bands) -> list[Column]:
    return [
        Column("n", "Sections scaled", NUMBER),
        Column("avg", "Average scale", DECIMAL),
        *_band_columns(bands),
    ]


def section_answers(scope: ReportScope, filters: ReportFilters) -> QuerySet[SectionAnswer]:
    qs = SectionAnswer.objects.filter(audit_q(scope, filters, "audit__"), scale__isnull=False)
    if filters.theme is not None:
        qs = qs.filter(section__theme_id=filters.theme.pk)
    return qs


def _band_chart(chart_id, title, description, categories, rows, bands) -> object:
    """Stacked-as-grouped bars of counts per band for each category."""
    return charts.bar_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        categories=categories,
        series=[Series(b.name, [r[f"band_{b.pk}"] for r in rows]) for b in bands],
        horizontal=True,
    )


# Section scaling is read as "facts": sums of scaled sections grouped by month and section,
# and by team, from the scale summary when it can answer for the scope and period (two small
# queries), else from the audits themselves (two grouped queries). Every scaling table of the
# practice quality and findings reports is added up from these in Python.


@dataclass
class ScaleFacts:
    by_month_section: list[dict]  # month, section, and the ScaleSummary counts
    sections: dict[int, dict]  # section id: tool, key, title, order, theme_id, theme, theme_order
    source: str  # "summary" or "audits"
    team_rows: QuerySet  # grouped by team id, read only by the reports that show teams

    @cached_property
    def by_team(self) -> list[dict]:
        """team_name, service_name and the scale counts (no written-column counts) by team."""
        rows = [r for r in self.team_rows if r["n"]]
        teams = {
            t["id"]: t
            for t in Team.objects.filter(pk__in={r["team_id"] for r in rows}).values(
                "id", "name", service_name=F("service_area__name")
            )
        }
        return [
            r
            | {
                "team_name": teams[r["team_id"]]["name"],
                "service_name": teams[r["team_id"]]["service_name"],
            }
            for r in rows
        ]


def _summary_answers_for(scope: ReportScope, filters: ReportFilters, today: dt.date) -> bool:
    """Whether the scale summary can answer: a scope of whole teams, a period of whole months
    (one that ends today covers its month: nothing is completed after today) and a summary
    that is built."""
    if not scope.by_team or filters.start.day != 1:
        return False
    if filters.end < today and (filters.end + dt.timedelta(days=1)).day != 1:
        return False
    return summary_is_built()


def _summary_rows(scope: ReportScope, filters: ReportFilters) -> QuerySet[ScaleSummary]:
    qs = ScaleSummary.objects.filter(month__gte=filters.start, month__lte=filters.end)
    if not scope.authority_wide:
        qs = qs.filter(team__in=Team.objects.filter(scope.team_q))
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team.pk)
    if filters.service is not None:
        qs = qs.filter(team__service_area_id=filters.service.pk)
    if filters.case_type:
        qs = qs.filter(case_type=filters.case_type)
    if filters.tool is not None:
        qs = qs.filter(section__version__tool_id=filters.tool.pk)
    if filters.theme is not None:
        qs = qs.filter(section__theme_id=filters.theme.pk)
    return qs


def scale_facts(scope: ReportScope, filters: ReportFilters, today: dt.date) -> ScaleFacts:
    if _summary_answers_for(scope, filters, today):
        source, counts = "summary", {name: Sum(name) for name in COUNT_COLUMNS}
        rows = _summary_rows(scope, filters)
        by_month_section = rows.values("month", section_key=F("section_id"))
        by_team = rows.values("team_id")
    else:
        source, counts = "audits", summary_counts()
        answers = section_answers(scope, filters)
        by_month_section = answers.values(
            month=month_of("audit__completed_at", filters.months), section_key=F("section_id")
        )
        by_team = answers.values(team_id=F("audit__case__team_id"))
    by_month_section = [r for r in by_month_section.annotate(**counts).order_by() if r["n"]]
    # The tables by team and service need the scale counts only, not the written columns.
    team_counts = {name: counts[name] for name in TEAM_COLUMNS}
    sections = {
        s["id"]: s
        for s in Section.objects.filter(pk__in={r["section_key"] for r in by_month_section}).values(
            "id",
            "key",
            "title",
            "order",
            "theme_id",
            theme_name=F("theme__name"),
            theme_order=F("theme__order"),
            tool=F("version__tool__name"),
        )
    }
    return ScaleFacts(
        by_month_section, sections, source, by_team.annotate(**team_counts).order_by()
    )


def _sum_facts(facts: ScaleFacts, key, bands, *, by_team: bool = False) -> dict:
    """Add the facts (by month and section, or `by_team`) up by `key(row, section)`: for each
    key a row with "n", "avg", a count per band ("band_<pk>"), the Signs of Safety columns
    written, and "order" (the sections' average position, weighted by count)."""
    groups: dict = {}
    columns = TEAM_COLUMNS if by_team else COUNT_COLUMNS
    for r in facts.by_team if by_team else facts.by_month_section:
        section = None if by_team else facts.sections[r["section_key"]]
        k = key(r, section)
        g = groups.get(k)
        if g is None:
            g = groups[k] = dict.fromkeys(COUNT_COLUMNS, 0) | {"order_sum": 0}
        for name in columns:
            g[name] += r[name] or 0
        g["order_sum"] += section["order"] * r["n"] if section else 0
    for g in groups.values():
        _finish(g, bands)
    return groups


def _finish(g: dict, bands) -> dict:
    n = g["n"]
    g["avg"] = g["total"] / n if n else None
    g["order"] = g["order_sum"] / n if n else 0
    for b in bands:
        g[f"band_{b.pk}"] = sum(g[f"s{point}"] for point in range(b.min_score, b.max_score + 1))
    return g


def _theme_rows(facts: ScaleFacts, bands) -> list[dict]:
    groups = _sum_facts(
        facts, lambda r, s: (s["theme_order"], s["theme_name"], s["theme_id"]), bands
    )
    return [
        g | {"theme_id": theme_id, "theme": theme, "theme_order": order}
        for (order, theme, theme_id), g in sorted(groups.items(), key=lambda item: item[0][:2])
    ]


def _ordered(groups: dict, name: str) -> list[dict]:
    return [g | {name: k} for k, g in sorted(groups.items(), key=lambda item: item[0] or "")]


def quality_report(
    *, scope: ReportScope, filters: ReportFilters, today: dt.date, full: bool = False
) -> SimpleReport:
    bands = scaling_bands()
    facts = scale_facts(scope, filters, today)
    band_note = "Bands: " + "; ".join(f"{b.name} {b.min_score}–{b.max_score}" for b in bands) + "."
    cols = _scale_columns(bands)

    themes = _theme_rows(facts, bands)
    theme_table = Table(
        "by-theme",
        "Scaling by theme",
        [Column("theme", "Theme"), *cols],
        [[r["theme"], *_scale_cells(r, bands)] for r in themes],
        description="Every scaled section of the audits completed in the period, grouped by the "
        "procedure's purpose (theme) it maps to, across tools. " + band_note,
    )
    theme_table.chart = charts.bar_chart(
        chart_id="chart-themes",
        title="Average scale by theme",
        description="Horizontal bars: the average 0–10 scale of each theme's sections. The "
        "figures, with the count in each band, are in the table that follows.",
        categories=[r["theme"] for r in themes],
        series=[Series("Average scale", [one_decimal(r["avg"]) for r in themes])],
        horizontal=True,
        max_value=10,
    )

    by_section = _sum_facts(
        facts, lambda r, s: (s["tool"], s["key"], s["title"], s["theme_name"]), bands
    )
    sections = sorted(
        (g | {"tool": k[0], "title": k[2], "theme": k[3]} for k, g in by_section.items()),
        key=lambda r: (r["tool"], r["order"], r["title"]),
    )
    section_table = Table(
        "by-section",
        "Scaling by section",
        [Column("tool", "Tool"), Column("section", "Section"), Column("theme", "Theme"), *cols],
        [[r["tool"], r["title"], r["theme"], *_scale_cells(r, bands)] for r in sections],
        description="Each section of each tool (all its versions together). " + band_note,
    )

    teams = _ordered(_sum_facts(facts, lambda r, s: r["team_name"], bands, by_team=True), "team")
    team_table = Table(
        "by-team",
        "Scaling by team",
        [Column("team", "Team"), *cols],
        [[r["team"], *_scale_cells(r, bands)] for r in teams],
        description="By the audited case's team. " + band_note,
    )
    team_table.chart = _band_chart(
        "chart-quality-teams",
        "Sections in each scaling band, by team",
        "Horizontal bars: for each team, the number of scaled sections in each band. The "
        "figures are in the table that follows.",
        [r["team"] for r in teams],
        teams,
        bands,
    )
    services = _ordered(
        _sum_facts(facts, lambda r, s: r["service_name"], bands, by_team=True), "service"
    )
    service_table = Table(
        "by-service",
        "Scaling by service",
        [Column("service", "Service"), *cols],
        [[r["service"], *_scale_cells(r, bands)] for r in services],
    )

    by_month = _sum_facts(facts, lambda r, s: _month(r["month"]), bands)
    empty = _finish(dict.fromkeys(COUNT_COLUMNS, 0) | {"order_sum": 0}, bands)
    month_rows = [(m, by_month.get(m, empty)) for m in filters.months]
    month_table = Table(
        "by-month",
        "Scaling by month",
        [Column("month", "Month", MONTH), *cols],
        [[m, *_scale_cells(r, bands)] for m, r in month_rows],
    )
    month_table.chart = charts.bar_chart(
        chart_id="chart-quality-months",
        title="Sections in each scaling band, by month",
        description="Vertical bars for each month: the number of scaled sections in each band. "
        "The figures are in the table that follows.",
        categories=[month_label(m) for m, _ in month_rows],
        series=[Series(b.name, [r[f"band_{b.pk}"] for _, r in month_rows]) for b in bands],
    )

    trend_table = _theme_trend(facts, filters, bands)
    urgent = _urgent_findings(scope, filters)
    audit_figures = _audit_figures(scope, filters, bands)
    overall = _overall_scale(audit_figures, bands)
    good = good_practice_table(scope, filters, order="recent", full=full)
    views = views_table(scope, filters, full=full)
    contact = _contact_table(audit_figures)
    totals = _sum_facts(facts, lambda r, s: "all", bands).get("all", empty)
    return SimpleReport(
        figures={
            "sections": totals["n"],
            "average": one_decimal(totals["avg"]),
            **urgent["figures"],
        },
        tables=[
            trend_table,
            theme_table,
            month_table,
            team_table,
            service_table,
            section_table,
            overall,
            urgent["table"],
            good,
            views,
            contact,
        ],
        extra={
            "bands": bands,
            "themes": [(r["theme_id"], r["theme"]) for r in themes],
            "source": facts.source,
        },
    )


def _theme_trend(facts: ScaleFacts, filters: ReportFilters, bands) -> Table:
    """The monthly average scale of each theme: a line per theme."""
    groups = _sum_facts(
        facts, lambda r, s: (s["theme_order"], s["theme_name"], _month(r["month"])), bands
    )
    themes: dict[str, dict] = {}
    for (_order, theme, month), g in sorted(groups.items(), key=lambda item: item[0][:2]):
        themes.setdefault(theme, {})[month] = g
    months = filters.months
    table = Table(
        "trend",
        "Average scale by theme and month",
        [
            Column("theme", "Theme"),
            *[Column(m.isoformat(), month_label(m), DECIMAL) for m in months],
        ],
        [
            [theme, *[one_decimal(values[m]["avg"]) if m in values else None for m in months]]
            for theme, values in themes.items()
        ],
        description="The average 0–10 scale of each theme's sections, month by month (the "
        "month the audit was completed). An empty cell: no audit scaled that theme that month.",
    )
    table.chart = charts.line_chart(
        chart_id="chart-trend",
        title="Average scale by theme, month by month",
        description="A line per theme across the months of the period, on the 0–10 scale, "
        "over the shaded scaling bands. The figures are in the table that follows.",
        categories=[month_label(m) for m in months],
        series=[
            Series(theme, [one_decimal(values[m]["avg"]) if m in values else None for m in months])
            for theme, values in themes.items()
        ],
        min_value=0,
        max_value=10,
        bands=[charts.Band(b.min_score, b.max_score, b.name) for b in bands],
    )
    return table


def _audit_figures(scope, filters, bands) -> dict:
    """The overall scale and the contact with the family, from one pass over the period's
    audits (each was a pass of its own, the largest cost of the page at national scale)."""
    scaled = Q(overall_scale__isnull=False)
    counts = {
        f"contact_{c.value}": Count("pk", filter=Q(contact_made=c.value)) for c in ContactMade
    }
    counts |= {f"sat_{s.value}": Count("pk", filter=Q(satisfaction=s.value)) for s in Satisfaction}
    return completed_audits(scope, filters).aggregate(
        audits=Count("pk"),
        n=Count("pk", filter=scaled),
        avg=Avg("overall_scale"),
        **_band_counts(bands, "overall_scale"),
        **counts,
    )


def _overall_scale(row: dict, bands) -> Table:
    return Table(
        "overall",
        "Overall scale of the audits",
        [
            Column("what", "Audits"),
            Column("n", "Audits scaled", NUMBER),
            *_scale_columns(bands)[1:],
        ],
        [["All completed audits", *_scale_cells(row, bands)]],
    )


def _urgent_findings(scope, filters) -> dict:
    """Urgent findings raised in the period: open, acknowledged, acknowledged within a day,
    and the median hours from raising to acknowledgement (one ordered query finds it)."""
    findings = UrgentFinding.objects.filter(scope.case_q(filters)).filter(
        filters.when_q("raised_at")
    )
    if filters.tool is not None:
        findings = findings.filter(audit__tool_version__tool_id=filters.tool.pk)
    acknowledged = Q(acknowledged_at__isnull=False)
    within_day = Q(acknowledged_at__lte=F("raised_at") + dt.timedelta(hours=24))
    counts = {
        "raised": Count("pk"),
        "open": Count("pk", filter=Q(acknowledged_at__isnull=True)),
        "acknowledged": Count("pk", filter=acknowledged),
        "within_day": Count("pk", filter=acknowledged & within_day),
    }
    totals = findings.aggregate(**counts)
    by_team = list(findings.values(team=F("case__team__name")).annotate(**counts).order_by("team"))
    median = _median_hours(findings.filter(acknowledged), totals["acknowledged"])
    table = Table(
        "urgent",
        "Urgent findings by team",
        [
            Column("team", "Team"),
            Column("raised", "Raised", NUMBER),
            Column("open", "Still open", NUMBER),
            Column("acknowledged", "Acknowledged", NUMBER),
            Column("within_day", "Acknowledged within 24 hours", NUMBER),
            Column("within_day_pct", "% within 24 hours", PERCENT),
        ],
        [
            [
                r["team"],
                r["raised"],
                r["open"],
                r["acknowledged"],
                r["within_day"],
                percent(r["within_day"], r["acknowledged"]),
            ]
            for r in by_team
        ],
        description="Findings raised in the period by a scale in an urgent band or a serious "
        "safeguarding issue, until a manager acknowledges them.",
    )
    return {
        "figures": {
            "urgent_raised": totals["raised"],
            "urgent_open": totals["open"],
            "urgent_within_day": percent(totals["within_day"], totals["acknowledged"]),
            "urgent_median_hours": median,
        },
        "table": table,
    }


def _median_hours(acknowledged: QuerySet[UrgentFinding], count: int) -> float | None:
    """The median time to acknowledge, in hours: the middle one or two durations in order."""
    if not count:
        return None
    middle = list(
        acknowledged.annotate(took=F("acknowledged_at") - F("raised_at"))
        .order_by("took")
        .values_list("took", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    seconds = sum(d.total_seconds() for d in middle) / len(middle)
    return round(seconds / 3600, 1)


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


EXCERPT_FIELDS = (
    "pk",
    "completed_at",
    "overall_scale",
    "case__reference",
    "case__display_name",
    "case__team__name",
    "tool_version__tool__name",
)


def good_practice_table(scope, filters, *, order: str, full: bool = False) -> Table:
    """Good practice the auditors recorded: the most recent (or the best scaled) first."""
    audits = completed_audits(scope, filters).exclude(good_practice="")
    ordering = (
        ("-completed_at", "-pk") if order == "recent" else ("-overall_scale", "-completed_at")
    )
    rows = audits.order_by(*ordering).values(*EXCERPT_FIELDS, "good_practice")
    rows = rows if full else rows[:EXCERPTS_SHOWN]
    return Table(
        "good-practice",
        "Good practice to share",
        [
            Column("case", "Case"),
            Column("date", "Audited", DATE),
            Column("team", "Team"),
            Column("tool", "Tool"),
            Column("scale", "Overall scale", NUMBER),
            Column("text", "Good practice (excerpt)"),
        ],
        [
            [
                _audit_link(r["case__reference"], r["pk"]),
                timezone.localdate(r["completed_at"]),
                r["case__team__name"],
                r["tool_version__tool__name"],
                r["overall_scale"],
                excerpt(r["good_practice"], display_name=r["case__display_name"]),
            ]
            for r in rows
        ],
        description="What the auditors recorded as good practice to feed back, "
        + ("most recent first." if order == "recent" else "best scaled audits first.")
        + " Names of the child or family are replaced by [name].",
    )


def views_table(scope, filters, *, full: bool = False) -> Table:
    audits = completed_audits(scope, filters).filter(
        ~Q(child_views="") | ~Q(family_views="") | ~Q(voice_of_child="")
    )
    rows = audits.order_by("-completed_at", "-pk").values(
        *EXCERPT_FIELDS, "child_views", "family_views", "voice_of_child", "satisfaction"
    )
    rows = rows if full else rows[:EXCERPTS_SHOWN]
    return Table(
        "views",
        "The child's and the family's views",
        [
            Column("case", "Case"),
            Column("date", "Audited", DATE),
            Column("team", "Team"),
            Column("child", "The child's views and voice (excerpt)"),
            Column("family", "The family's views (excerpt)"),
            Column("satisfaction", "Family satisfaction"),
        ],
        [
            [
                _audit_link(r["case__reference"], r["pk"]),
                timezone.localdate(r["completed_at"]),
                r["case__team__name"],
                excerpt(
                    " ".join(t for t in (r["child_views"], r["voice_of_child"]) if t),
                    display_name=r["case__display_name"],
                ),
                excerpt(r["family_views"], display_name=r["case__display_name"]),
                Satisfaction(r["satisfaction"]).label if r["satisfaction"] else "",
            ]
            for r in rows
        ],
        description="From the audits' contact with the family and the voice of the child, most "
        "recent first. Names of the child or family are replaced by [name].",
    )


def _contact_table(row: dict) -> Table:
    rows = [[c.label, row[f"contact_{c.value}"]] for c in ContactMade]
    rows.append(
        ["Not recorded", row["audits"] - sum(row[f"contact_{c.value}"] for c in ContactMade)]
    )
    rows += [[f"Family: {s.label.lower()}", row[f"sat_{s.value}"]] for s in Satisfaction]
    return Table(
        "contact",
        "Contact with the family",
        [Column("what", "Contact and satisfaction"), Column("n", "Audits", NUMBER)],
        rows,
        description="Whether each audit made contact with the family, and how satisfied the "
        "family said they were.",
    )


# --- 4. The findings report ---------------------------------------------------------------


@dataclass
class ThemeFinding:
    theme: str
    n: int
    average: float | None
    band: ScalingBand | None
    working_well_count: int
    worried_count: int
    working_well: list[tuple[Link, str, int]] = field(default_factory=list)
    worries: list[tuple[Link, str, int]] = field(default_factory=list)


@dataclass
class Recommendation:
    theme: str
    average: float | None
    band: ScalingBand | None
    urgent_sections: int
    reason: str
    needs: list[tuple[Link, str, int]] = field(default_factory=list)


@dataclass
class FindingsReport:
    figures: dict
    themes: list[ThemeFinding]
    recommendations: list[Recommendation]
    tables: list[Table]
    bands: list[ScalingBand]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def band_of_average(average: float | None, bands: list[ScalingBand]) -> ScalingBand | None:
    """The band of an average scale, rounded half up to a whole score as bands are."""
    return None if average is None else band_for(int(average + 0.5), bands)


RANKED_TEXTS = (
    # (field, best first?) for the findings report's excerpts of each theme.
    ("working_well", True),
    ("worried_about", False),
    ("needs_to_happen", False),
)


@dataclass
class Candidates:
    """The answers the findings excerpts are ranked among, in parts: each part a condition
    and the (theme, column) pairs whose excerpts it holds; `pairs` None: all of them."""

    parts: list[tuple[frozenset | None, Q]]

    @property
    def q(self) -> Q:
        """Any candidate."""
        return reduce(operator.or_, (condition for _pairs, condition in self.parts))


EVERY_ANSWER = Candidates([(None, Q())])


def _excerpt_candidates(facts: ScaleFacts) -> Candidates:
    """The answers the excerpts of each theme and column can come from, found from the facts'
    counts of written columns per month and point of the scale. Ranking is by scale, then the
    most recent: so for each theme and column the excerpts are the answers scaled beyond some
    point p (fewer than THEME_EXCERPTS of them) and the most recent at p, which lie in the last
    months that have enough of them. Ranking only these gives the same excerpts as ranking
    every answer (any answer that outranks one of them is among them).

    Most themes and columns find theirs in the latest month that has any; a sparse one (few
    answers at the ends of the scale) goes back further. They are two parts, ranked apart:
    the first reads only that month's audits, the second only its sections' answers at its
    points of the scale (the index on section and scale), not months of every audit."""
    # (theme, column) -> point -> month -> how many answers have that column written
    counts: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    theme_sections: dict = defaultdict(list)
    for section_id, section in facts.sections.items():
        theme_sections[section["theme_id"]].append(section_id)
    for r in facts.by_month_section:
        theme_id = facts.sections[r["section_key"]]["theme_id"]
        month = _month(r["month"])
        for name, _best in RANKED_TEXTS:
            for point in SCALE_POINTS:
                n = r[f"{TEXT_PREFIXES[name]}{point}"]
                if n:
                    counts[(theme_id, name)][point][month] += n
    pairs = {}  # (theme, column) -> (the earliest month it needs, its candidates' condition)
    for (theme_id, name), by_point in counts.items():
        best_first = dict(RANKED_TEXTS)[name]
        points = sorted(by_point, reverse=best_first)  # best first: the ranking's order
        above, taken = [], 0
        for point in points:
            in_point = sum(by_point[point].values())
            if taken + in_point >= THEME_EXCERPTS:
                break
            above.append(point)
            taken += in_point
        else:
            point = None  # fewer than THEME_EXCERPTS in all: every one is an excerpt
        months = {m for p in above for m in by_point[p]}
        wanted = Q(scale__in=above)
        if point is not None:
            # the most recent at this point: back from the last month until there are enough
            needed, first = THEME_EXCERPTS - taken, None
            for month in sorted(by_point[point], reverse=True):
                needed -= by_point[point][month]
                first = month
                if needed <= 0:
                    break
            months.add(first)
            wanted |= Q(scale=point, audit__completed_at__gte=_midnight(first))
        condition = Q(section_id__in=theme_sections[theme_id]) & ~Q(**{name: ""}) & wanted
        pairs[(theme_id, name)] = (min(months), condition)
    if not pairs:
        return Candidates([(frozenset(), Q(pk__in=[]))])
    latest = max(since for since, _condition in pairs.values())
    parts = []
    for recent in (True, False):
        chosen = {k: v for k, v in pairs.items() if (v[0] == latest) == recent}
        if chosen:
            condition = reduce(operator.or_, (c for _since, c in chosen.values()))
            # one bound for the query planner: the audits completed since then
            since = min(since for since, _condition in chosen.values())
            parts.append(
                (frozenset(chosen), condition & Q(audit__completed_at__gte=_midnight(since)))
            )
    return Candidates(parts)


def _ranked_texts(answers, candidates: Candidates) -> dict[str, dict[int, list]]:
    """For each Signs of Safety column, up to THEME_EXCERPTS texts per theme from its highest
    ("working well") or lowest scaled sections, most recent first among equals; blank texts
    rank last and are dropped. Two queries: the ranking (a window function per column over
    one pass of each part of the candidates, carrying no text through its sorts; the parts
    joined by UNION ALL), then the few winners' texts.
    """
    windows = {}
    for name, best_first in RANKED_TEXTS:
        blank_last = Case(When(**{name: ""}, then=Value(1)), default=Value(0))
        scale_order = F("scale").desc() if best_first else F("scale").asc()
        windows[f"rank_{name}"] = Window(
            RowNumber(),
            partition_by=[F("section__theme_id")],
            order_by=[
                blank_last.asc(),
                scale_order,
                F("audit__completed_at").desc(),
                F("pk").desc(),
            ],
        )
    near_top = Q()
    for name, _best in RANKED_TEXTS:
        near_top |= Q(**{f"rank_{name}__lte": THEME_EXCERPTS})
    ranked = [
        answers.filter(condition)
        .annotate(**windows)
        .filter(near_top)
        .values("pk", *windows)
        .annotate(part=Value(i))
        for i, (_pairs, condition) in enumerate(candidates.parts)
    ]
    if len(ranked) > 1:
        ranked = [ranked[0].union(*ranked[1:], all=True)]
    # (answer, theme, column) -> rank, only where the part it came from holds that pair
    ranks: dict = {}
    for r in ranked[0]:
        pairs = candidates.parts[r["part"]][0]
        for name, _best in RANKED_TEXTS:
            ranks.setdefault(r["pk"], {}).setdefault(name, [])
            ranks[r["pk"]][name].append((pairs, r[f"rank_{name}"]))
    rows = SectionAnswer.objects.filter(pk__in=list(ranks)).values(
        "pk",
        "scale",
        "audit_id",
        *(name for name, _best in RANKED_TEXTS),
        theme_id=F("section__theme_id"),
        reference=F("audit__case__reference"),
        display_name=F("audit__case__display_name"),
    )
    found: dict[str, dict[int, list]] = {name: defaultdict(list) for name, _best in RANKED_TEXTS}
    for r in rows:
        for name, _best in RANKED_TEXTS:
            for pairs, rank in ranks[r["pk"]][name]:
                holds = pairs is None or (r["theme_id"], name) in pairs
                if holds and r[name] and rank <= THEME_EXCERPTS:
                    found[name][r["theme_id"]].append((rank, r))
    texts: dict[str, dict[int, list]] = {}
    for name, by_theme in found.items():
        texts[name] = {
            theme_id: [
                (
                    _audit_link(r["reference"], r["audit_id"]),
                    excerpt(r[name], display_name=r["display_name"]),
                    r["scale"],
                )
                for _rank, r in sorted(rows, key=lambda item: item[0])
            ]
            for theme_id, rows in by_theme.items()
        }
    return texts


def _excerpt_table(key: str, what: str, themes: list[ThemeFinding], excerpts) -> Table:
    """A findings table of each theme's excerpts of one Signs of Safety column."""
    return Table(
        key,
        f"{what}, by theme",
        [
            Column("theme", "Theme"),
            Column("case", "Case"),
            Column("scale", "Scale", NUMBER),
            Column("text", f"{what} (excerpt)"),
        ],
        [[t.theme, link, scale, text] for t in themes for link, text, scale in excerpts(t)],
    )


def findings_report(
    *, scope: ReportScope, filters: ReportFilters, today: dt.date
) -> FindingsReport:
    """An overview of the period, then for each theme what is working well and what worries
    the auditors (in their own words: the texts of its best and worst scaled sections),
    recommendations (the lowest scaled themes, with what the auditors said needs to happen)
    and good practice to share."""
    bands = scaling_bands()
    audits = completed_audits(scope, filters)
    overview = audits.aggregate(
        audits=Count("pk"),
        cases=Count("case_id", distinct=True),
        average=Avg("overall_scale"),
        scaled=Count("pk", filter=Q(overall_scale__isnull=False)),
        **_band_counts(bands, "overall_scale"),
    )
    answers = section_answers(scope, filters)
    facts = scale_facts(scope, filters, today)
    theme_rows = _theme_rows(facts, bands)
    texts = _ranked_texts(answers, _excerpt_candidates(facts))
    well, worries, needs = (texts[name] for name, _best in RANKED_TEXTS)
    urgent_band_ids = [b.pk for b in bands if b.urgent]

    themes = [
        ThemeFinding(
            theme=r["theme"],
            n=r["n"],
            average=one_decimal(r["avg"]),
            band=band_of_average(r["avg"], bands),
            working_well_count=r["working_well"],
            worried_count=r["worried_about"],
            working_well=well.get(r["theme_id"], []),
            worries=worries.get(r["theme_id"], []),
        )
        for r in theme_rows
    ]

    scaled = [r for r in theme_rows if r["avg"] is not None]
    overall_avg = (
        sum(r["avg"] * r["n"] for r in scaled) / sum(r["n"] for r in scaled) if scaled else None
    )
    recommendations = []
    for r in sorted(scaled, key=lambda r: r["avg"]):
        urgent_sections = sum(r[f"band_{pk}"] for pk in urgent_band_ids)
        below = r["avg"] < overall_avg
        if not (below or urgent_sections) and recommendations:
            continue
        reasons = []
        if below:
            reasons.append(f"below the average across all themes ({overall_avg:.1f})")
        if urgent_sections:
            reasons.append(
                f"{urgent_sections} section{'s' if urgent_sections != 1 else ''} scaled in an "
                "urgent band"
            )
        if not reasons:
            reasons.append("the lowest scaled theme")
        recommendations.append(
            Recommendation(
                theme=r["theme"],
                average=one_decimal(r["avg"]),
                band=band_of_average(r["avg"], bands),
                urgent_sections=urgent_sections,
                reason="; ".join(reasons),
                needs=needs.get(r["theme_id"], []),
            )
        )
        if len(recommendations) >= RECOMMENDATIONS_MAX:
            break

    responses = _responses_overview(scope, filters, today)
    programme = programme_tally(scope, filters, today)
    urgent = _urgent_findings(scope, filters)

    figures = {
        **overview,
        "average": one_decimal(overview["average"]),
        "programme_expected": programme.expected,
        "programme_done": programme.done,
        "programme_completion": programme.completion,
        **responses,
        **urgent["figures"],
    }
    theme_table = Table(
        "themes",
        "Scaling by theme",
        [
            Column("theme", "Theme"),
            *_scale_columns(bands),
            Column("working_well", "Sections with strengths written", NUMBER),
            Column("worried_about", "Sections with worries written", NUMBER),
        ],
        [
            [r["theme"], *_scale_cells(r, bands), r["working_well"], r["worried_about"]]
            for r in theme_rows
        ],
        description="Every scaled section of the audits in the period, by theme.",
    )
    theme_table.chart = charts.bar_chart(
        chart_id="chart-findings-themes",
        title="Average scale by theme",
        description="Horizontal bars: the average 0–10 scale of each theme's sections in the "
        "period. The figures are in the table that follows.",
        categories=[r["theme"] for r in theme_rows],
        series=[Series("Average scale", [one_decimal(r["avg"]) for r in theme_rows])],
        horizontal=True,
        max_value=10,
    )
    overall_table = Table(
        "overall-bands",
        "Overall scale of the audits, by band",
        [Column("band", "Band"), Column("audits", "Audits", NUMBER), Column("share", "%", PERCENT)],
        [
            [
                f"{b.name} ({b.min_score}–{b.max_score})",
                overview[f"band_{b.pk}"],
                percent(overview[f"band_{b.pk}"], overview["scaled"]),
            ]
            for b in bands
        ],
    )
    overall_table.chart = charts.bar_chart(
        chart_id="chart-findings-overall",
        title="Audits by overall scale band",
        description="Vertical bars: the number of audits whose overall scale falls in each band. "
        "The figures are in the table that follows.",
        categories=[b.name for b in bands],
        series=[Series("Audits", [overview[f"band_{b.pk}"] for b in bands])],
    )
    well_table = _excerpt_table(
        "working-well", "What is working well", themes, lambda t: t.working_well
    )
    worry_table = _excerpt_table(
        "worries", "What we are worried about", themes, lambda t: t.worries
    )
    recommendation_table = Table(
        "recommendations",
        "Recommendations",
        [
            Column("theme", "Theme"),
            Column("average", "Average scale", DECIMAL),
            Column("reason", "Why"),
            Column("case", "Case"),
            Column("text", "What needs to happen (excerpt)"),
        ],
        [
            [rec.theme, rec.average, rec.reason, link, text]
            for rec in recommendations
            for link, text, _scale in (rec.needs or [("", "", None)])
        ],
    )
    good = good_practice_table(scope, filters, order="best")
    return FindingsReport(
        figures=figures,
        themes=themes,
        recommendations=recommendations,
        tables=[
            overall_table,
            theme_table,
            well_table,
            worry_table,
            recommendation_table,
            good,
            urgent["table"],
        ],
        bands=bands,
    )


def _responses_overview(scope, filters, today) -> dict:
    from caseaudit.responses.models import QAResponse

    responses = QAResponse.objects.filter(
        scope.case_q(filters),
        completed_on__gte=filters.start,
        completed_on__lte=filters.end,
    )
    if filters.tool is not None:
        responses = responses.filter(audit__tool_version__tool_id=filters.tool.pk)
    c = responses.aggregate(**_response_counts(today))
    return {
        "responses": c["requested"],
        "responses_on_time": percent(c["on_time"], c["on_time"] + c["late"]),
        "responses_overdue": c["overdue"],
    }


# --- 6. The home page's figures -------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    detail: str = ""
    url: str = ""
    warning: bool = False


def dashboard_figures(*, user, today: dt.date | None = None, my_responses=None) -> list[Figure]:
    """The few figures that matter to the user's role: for managers and Performance
    Assurance, their scope's programme completion this month, open cases without an audit for
    more than 12 months, overdue QA responses and open urgent findings; for everyone else
    their own QA responses due and overdue. A query per figure; none for the responses when
    `my_responses` (the QA responses with the worker, as the home page loads them) is given."""
    from caseaudit.organisation.selectors import staff_for_user
    from caseaudit.responses.models import WITH_WORKER, QAResponse

    from .scope import report_scope

    today = today or timezone.localdate()
    scope = report_scope(user)
    if scope is None:
        staff = staff_for_user(user)
        if staff is None:
            return []
        if my_responses is not None:  # the home page has loaded them already: no query
            mine = {
                "due": len(my_responses),
                "overdue": sum(1 for r in my_responses if r.due_on < today),
            }
        else:
            mine = QAResponse.objects.filter(worker=staff, status__in=WITH_WORKER).aggregate(
                due=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
            )
        return [
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
    month = today.replace(day=1)
    filters = ReportFilters(start=month, end=today)
    programme = (
        Allocation.objects.filter(
            programme__status=MonthStatus.CONFIRMED, programme__month=month, case__isnull=False
        )
        .exclude(status=AllocationStatus.CANCELLED)
        .filter(_auditor_q(scope, filters))
    )
    programme = programme.aggregate(
        expected=Count("pk"), done=Count("pk", filter=Q(audit__status=AuditStatus.COMPLETED))
    )
    cutoff = add_months(today, -12)
    cases = scope.cases()
    over_a_year = (
        cases.filter(closed_on__isnull=True)
        .annotate(due_base=_due_base())
        .filter(due_base__lt=cutoff)
        .count()
    )
    overdue_responses = QAResponse.objects.filter(
        scope.case_q(filters), status__in=WITH_WORKER, due_on__lt=today
    ).count()
    open_findings = UrgentFinding.objects.filter(
        scope.case_q(filters), acknowledged_at__isnull=True
    ).count()
    completion = percent(programme["done"], programme["expected"])
    compliance_url = reverse("report_compliance")
    return [
        Figure(
            "programme",
            f"Programme this month ({today:%B})",
            f"{completion:.0f}%" if completion is not None else "None allocated",
            f"{programme['done']} of {programme['expected']} allocated audits done"
            if programme["expected"]
            else "No confirmed allocations",
            f"{compliance_url}?period=this_quarter",
        ),
        Figure(
            "over-a-year",
            "Open cases not audited for over 12 months",
            f"{over_a_year:,}",
            url=f"{compliance_url}#not-audited",
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
            url=reverse("report_quality") + "#urgent",
            warning=open_findings > 0,
        ),
    ]


def report_export_get(*, user, pk) -> ReportExport:
    """The user's own report file, not yet past its day (its content deferred): anyone
    else's is a 404, managers' and administrators' included."""
    export = (
        ReportExport.objects.defer("content")
        .filter(pk=pk, user=user, created_at__gte=timezone.now() - EXPORT_KEPT)
        .first()
    )
    if export is None:
        raise Http404("No such file")
    return export


def report_exports_mine(*, user, report: str, limit: int = 5) -> list[ReportExport]:
    """The user's own files of a report asked for in the last EXPORT_KEPT, newest first
    (their content deferred): listed on the report page, so that someone who left the page
    while a file was prepared finds it again."""
    return list(
        ReportExport.objects.defer("content")
        .filter(user=user, report=report, created_at__gte=timezone.now() - EXPORT_KEPT)
        .order_by("-created_at")[:limit]
    )


def build_report(report: str, scope, filters, today, *, full=False, page_number=None):
    """A report's data by its name, for the pages, the files and the API (`full`: every row,
    as files have them; `page_number`: the compliance report's page of cases not audited)."""
    if report == "compliance":
        return compliance_report(
            scope=scope, filters=filters, today=today, full=full, page_number=page_number
        )
    if report == "responses":
        return responses_report(scope=scope, filters=filters, today=today)
    if report == "quality":
        return quality_report(scope=scope, filters=filters, today=today, full=full)
    if report == "findings":
        return findings_report(scope=scope, filters=filters, today=today)
    raise Http404("No such report")
