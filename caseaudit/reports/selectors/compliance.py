"""1. Programme compliance: the confirmed programme's allocated audits expected and done (by
person, team, service and month), open cases not audited in the last 12 months, carers'
audits overdue and closure audits pending."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Container, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page
from django.db import connection
from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from caseaudit.audits.closure import closure_pending
from caseaudit.audits.models import AuditStatus
from caseaudit.cases.models import Case, SubjectType
from caseaudit.organisation.models import Role, Staff
from caseaudit.programme.due import add_months
from caseaudit.programme.models import Allocation, AllocationStatus, MonthStatus

from .. import charts
from ..charts import Series
from ..models import AuditorSummary, SummaryState
from ..periods import month_label
from ..scope import ReportFilters, ReportScope
from ..services import AUDITORS, unallocated_audits
from ..tables import DATE, MONTH, NUMBER, PERCENT, TAG, Column, Table, percent
from .common import (
    NO_SERVICE,
    NO_TEAM,
    _auditor_q,
    _case_link,
    _due_base,
    _month,
    _paginate,
    month_of,
    whole_months,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

CARER_SUBJECTS = [SubjectType.FOSTER_CARER, SubjectType.ADOPTER]
NOT_AUDITED_PAGE_SIZE = 25
CARERS_SHOWN = 20
CLOSURES_SHOWN = 20
PEOPLE_SHOWN = 50  # on the page; the files have everyone
CHART_TEAMS = 40  # bars in a chart of teams: more cannot be read
SENIOR_MANAGERS = "Senior managers (no team)"
# A team (or person) is behind when it has done fewer than this percentage of the allocated
# audits due in the period: those of the months that have ended (an allocation is due by the
# end of its month). One overdue audit of many is not "behind"; the Overdue column counts it.
BEHIND_BELOW = 80
BEHIND_DEFINITION = (
    f"A team is behind when it has done fewer than {BEHIND_BELOW}% of the allocated audits due "
    "in the period: those of the months that have ended (each is due by the end of its month)."
)


@dataclass
class Tally:
    expected: int = 0
    done: int = 0
    expected_ended: int = 0
    done_ended: int = 0
    other: int = 0
    people: set[int] = field(default_factory=set)

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
    def due_completion(self) -> float | None:
        """The percentage of the allocated audits due (of months that have ended) done."""
        return percent(self.done_ended, self.expected_ended)

    @property
    def behind(self) -> bool:
        """Fewer than BEHIND_BELOW% of the allocated audits due in the period done."""
        return (
            self.expected_ended > 0 and self.done_ended * 100 < BEHIND_BELOW * self.expected_ended
        )

    @property
    def status(self) -> str:
        if self.behind:
            return "Behind"
        if self.expected and self.outstanding:
            return "In progress"
        return "On track" if self.expected else ""


@dataclass
class ComplianceReport:
    figures: dict
    tables: list[Table]
    not_audited_page: Page | None = None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass
class ComplianceCounts:
    """The programme figures of a scope and period, added up by person and by month."""

    people: dict[int, Tally]  # staff id -> their tally (its `people` is {their id})
    months: dict[dt.date | None, Tally]  # None: in no month of the period (`month_of`)
    # staff id -> name, role, team, service
    staff: dict[int, Mapping[str, Any]] = field(default_factory=dict)

    def total(self) -> Tally:
        total = Tally()
        for tally in self.people.values():
            total.merge(tally)
        return total

    def tallies_of(self, month: Any, person_id: int | None) -> tuple[Tally, ...]:
        """The tally of a row of `_by_month_and_person`: the person's (the month is
        PERSON_ROW) or the month's, made when first asked for."""
        if month == PERSON_ROW:
            if person_id is None:
                return ()
            person = self.people.get(person_id)
            if person is None:
                person = self.people[person_id] = Tally(people={person_id})
            return (person,)
        first_day = _month(month)
        by_month = self.months.get(first_day)
        if by_month is None:
            by_month = self.months[first_day] = Tally()
        return (by_month,)


# --- The programme's counts -------------------------------------------------------------


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


def _done_and_ended(today: dt.date) -> tuple[Q, Q]:
    """On allocations: done, and of a month that has ended (so due). An allocation is done
    when its audit is completed: `audits.services.audit_complete` marks it so
    (`programme.services.allocation_mark_completed`), and `audit_reopen` back
    (`allocation_mark_reopened`). No join to the audits."""
    return Q(status=AllocationStatus.COMPLETED), Q(programme__month__lt=today.replace(day=1))


def _allocation_counts(today: dt.date) -> dict[str, Count]:
    done, ended = _done_and_ended(today)
    return {
        "expected": Count("pk"),
        "done": Count("pk", filter=done),
        "expected_ended": Count("pk", filter=ended),
        "done_ended": Count("pk", filter=ended & done),
    }


def programme_tally(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> Tally:
    """The allocated audits expected and done in the period, in one figure (one query)."""
    return Tally(**_allocations(scope, filters).aggregate(**_allocation_counts(today)))


def _other_audits(scope: ReportScope, filters: ReportFilters, today: dt.date) -> QuerySet:
    """Audits completed in the period that no allocation asked for, by month and auditor
    (rows of month, auditor id, how many: an audit each, or a row of the summary). For a
    period of whole months, from the auditor summary while it is built, else (and for other
    periods) from the audits. Whether it is built is asked first, on its own: a UNION of both
    halves, each asking, ran only one of them but still started parallel workers for the
    other (some 10 ms at national scale)."""
    others = unallocated_audits().filter(filters.when_q("completed_at"), _auditor_q(scope, filters))
    if filters.case_type:
        others = others.filter(case__case_type=filters.case_type)
    if filters.tool is not None:
        others = others.filter(tool_version__tool_id=filters.tool.pk)
    # A row per audit (added up by `_by_month_and_person`).
    live = (
        others.annotate(done_month=month_of(field_name="completed_at", months=filters.months))
        .values_list("done_month", "auditor_id", Value(1))
        .order_by()
    )
    if not whole_months(filters=filters, today=today):
        return live
    if not SummaryState.objects.filter(name=AUDITORS).exists():
        return live
    rows = AuditorSummary.objects.filter(
        _auditor_q(scope, filters), month__gte=filters.start, month__lte=filters.end
    )
    if filters.case_type:
        rows = rows.filter(case_type=filters.case_type)
    if filters.tool is not None:
        rows = rows.filter(tool_id=filters.tool.pk)
    # Rows counted back to nought (audits reopened) add nothing: `_by_month_and_person` leaves
    # out what adds up to nothing, as in the audits.
    return rows.values_list("month", "auditor_id", "other").order_by()


def staff_named(
    *, scope: ReportScope, filters: ReportFilters, people: Container[int] | None = None
) -> dict[int, Mapping[str, Any]]:
    """The names, roles, teams and services of `people` (staff ids; None: everyone the
    programme figures of the scope and filters can be about, whatever the period)."""
    # The staff the figures can be about, not `pk__in` thousands of ids (each a parameter).
    return {
        p["id"]: p
        for p in Staff.objects.filter(_auditor_q(scope, filters, prefix="")).values(
            "id",
            "name",
            "role",
            team_name=F("team__name"),
            service_name=Coalesce("service_area__name", "team__service_area__name"),
        )
        if people is None or p["id"] in people
    }


def compliance_counts(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    staff: dict[int, Mapping[str, Any]] | None = None,
) -> ComplianceCounts:
    """Allocated audits expected and done and other audits done, added up by person and by
    month, with the people's names (three queries; two given `staff`, `staff_named`'s
    everyone, which two periods of the same scope and filters share). The allocations and
    the other audits are each added up in SQL by month and by person at once
    (`_by_month_and_person`), by staff id (names added after: grouping by names sorts rows a
    dozen times wider): at the national scale a year is some 36,000 allocations by 2,000
    people."""
    done, ended = _done_and_ended(today)
    # A row per allocation: its month, auditor, and 1 or 0 for each count (expected, done,
    # of a month ended, done of a month ended).
    allocated = (
        _allocations(scope, filters)
        .values_list(
            "programme__month",
            "auditor_id",
            Value(1),
            _one_if(done),
            _one_if(ended),
            _one_if(done & ended),
        )
        .order_by()
    )
    counts = ComplianceCounts(people={}, months={})
    for month, person_id, expected, done_n, expected_ended, done_ended in _by_month_and_person(
        allocated, sums=4
    ):
        for t in counts.tallies_of(month, person_id):
            t.expected += expected
            t.done += done_n
            t.expected_ended += expected_ended
            t.done_ended += done_ended
    others = _other_audits(scope, filters, today)
    for month, person_id, other in _by_month_and_person(others, sums=1):
        for t in counts.tallies_of(month, person_id):
            t.other += other
    counts.staff = (
        staff_named(scope=scope, filters=filters, people=counts.people) if staff is None else staff
    )
    return counts


def _one_if(condition: Q) -> CaseWhen:
    return CaseWhen(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _by_month_and_person(rows: QuerySet[Any, Any], *, sums: int) -> list[tuple[Any, ...]]:
    """`rows` (month, person id, then `sums` numbers) added up by month and by person, in one
    query: a row (month, None, *sums) for each month and (PERSON_ROW, person id, *sums) for
    each person. A month may itself be None: outside the period's months, as `month_of`
    says. Groups that add up to nothing (summary rows counted back to nought) are left out.

    `rows` are not grouped first: on PostgreSQL one pass adds them up both ways (GROUPING
    SETS); grouping by month and person first, then adding those up twice from a common
    table, took two to three times as long (45 -> 17 ms of a year's allocations at the
    national scale). SQLite, without GROUPING SETS, adds them up twice from a common table."""
    try:
        inner, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (no staff in scope): no rows
        return []
    names = [f"c{i}" for i in range(sums)]
    columns = ", ".join(["m", "p", *names])
    totals = ", ".join(f"SUM({name})" for name in names)
    # Our own SQL around the ORM's (as `services._refill`): no input is formatted into it.
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT GROUPING(m), m, p, {totals} FROM ({inner}) AS pm ({columns}) "  # noqa: S608  # nosec B608
            "GROUP BY GROUPING SETS ((m), (p))"
        )
    else:
        sql = (
            f"WITH pm ({columns}) AS ({inner}) SELECT 0, m, NULL, {totals} FROM pm GROUP BY m "  # noqa: S608  # nosec B608
            f"UNION ALL SELECT 1, NULL, p, {totals} FROM pm GROUP BY p"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return [
        (_as_date(month) if by_person == 0 else PERSON_ROW, person, *numbers)
        for by_person, month, person, *values in fetched
        if any(numbers := [int(v or 0) for v in values])
    ]


# The month of a person's row from `_by_month_and_person` (None is a month: "outside").
PERSON_ROW = "person"


def _as_date(value: Any) -> dt.date | None:
    """A month as the database returns it from raw SQL (SQLite: text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _tally_by(
    counts: ComplianceCounts, key: Callable[[Mapping[str, Any]], Hashable]
) -> dict[Any, Tally]:
    """The people's tallies added up by `key(staff)`."""
    tallies: dict[Any, Tally] = defaultdict(Tally)
    for person_id, tally in counts.people.items():
        tallies[key(counts.staff[person_id])].merge(tally)
    return tallies


# --- The report's tables ----------------------------------------------------------------

COMPLIANCE_COLUMNS = [
    Column("expected", "Expected", NUMBER),
    Column("done", "Done", NUMBER),
    Column("outstanding", "Outstanding", NUMBER),
    Column("overdue", "Overdue", NUMBER),
    Column("other", "Other audits", NUMBER),
    Column("completion", "% done", PERCENT),
    Column("due_completion", "% of due done", PERCENT),
]


def _tally_cells(t: Tally) -> list[int | float | None]:
    return [t.expected, t.done, t.outstanding, t.overdue, t.other, t.completion, t.due_completion]


def compliance_report(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    page_number: int | str | None = None,
    full: bool = False,
    only: Collection[str] | None = None,
) -> ComplianceReport:
    """The report's tables (`only`: just the tables of these keys, and the figures that come
    with them, for a tab)."""

    def wanted(*keys: str) -> bool:
        return only is None or any(key in only for key in keys)

    tables: dict[str, Table] = {}
    figures: dict[str, Any] = {}
    page = None
    if wanted(*PROGRAMME_TABLES):
        counts = compliance_counts(scope=scope, filters=filters, today=today)
        total = counts.total()
        tables["people"] = _people_table(counts, full=full)
        # Managers above teams (a CSM, ADs, the Director) are one row per service, or one row.
        teams = _tally_by(
            counts, lambda p: (p["team_name"] or SENIOR_MANAGERS, p["service_name"] or "")
        )
        tables["teams"] = _team_table(teams, filters)
        tables["services"] = _service_table(counts)
        tables["months"] = _month_table(counts, filters)
        figures |= {
            "expected": total.expected,
            "done": total.done,
            "other": total.other,
            "overdue": total.overdue,
            "completion": total.completion,
            "teams_behind": sum(1 for t in teams.values() if t.behind),
            # The teams with allocated audits due in the period: what "behind" is out of.
            "teams_due": sum(1 for t in teams.values() if t.expected_ended),
            "behind_below": BEHIND_BELOW,
            "behind_definition": BEHIND_DEFINITION,
        }
    if wanted("not-audited", "carers-overdue", "closure-pending"):
        coverage, tables["not-audited"], page, tables["carers-overdue"] = _coverage(
            scope, filters, today, page_number=page_number, full=full
        )
        closure_count, tables["closure-pending"] = _closures_pending(scope, filters, full=full)
        figures |= {"closures_pending": closure_count, **coverage}
    return ComplianceReport(
        figures=figures,
        tables=[tables[key] for key in TABLE_ORDER if key in tables],
        not_audited_page=page,
    )


# The report's tables in order, and those of the programme's counts (`compliance_counts`).
TABLE_ORDER = (
    "teams",
    "months",
    "people",
    "services",
    "not-audited",
    "carers-overdue",
    "closure-pending",
)
PROGRAMME_TABLES = ("teams", "months", "people", "services")


def _people_table(counts: ComplianceCounts, *, full: bool) -> Table:
    people_rows = sorted(
        ((counts.staff[pid], t) for pid, t in counts.people.items()),
        key=lambda item: (not item[1].behind, -item[1].overdue, item[0]["name"]),
    )
    return Table(
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
        "the audits they completed; those behind first (fewer than "
        f"{BEHIND_BELOW}% of their allocated audits due done), then the most overdue.",
        note=(
            f"The first {PEOPLE_SHOWN} (those behind, then the most overdue) of "
            f"{len(people_rows)} people: the spreadsheet and the CSV file list everyone."
            if not full and len(people_rows) > PEOPLE_SHOWN
            else ""
        ),
    )


def _team_table(teams: dict[tuple[str, str], Tally], filters: ReportFilters) -> Table:
    team_rows = sorted(
        teams.items(),
        # Behind first, then the least of their audits due done, then (none due yet: this
        # month) the least of their allocated audits done so far; then by name, so teams
        # alike come in the same order whichever order the database grouped them in.
        key=lambda kv: (
            not kv[1].behind,
            101 if kv[1].due_completion is None else kv[1].due_completion,
            101 if kv[1].completion is None else kv[1].completion,
            -kv[1].overdue,
            kv[0],
        ),
    )
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
        description=f"Teams behind come first. {BEHIND_DEFINITION} “% of due done” is that "
        "percentage; “Overdue” counts the allocated audits due and not done.",
    )
    charted = team_rows[:CHART_TEAMS]
    # The measure "behind" is judged on: the allocated audits due done. In a period with none
    # due yet (this month alone), the allocated audits done so far.
    due = any(t.expected_ended for _k, t in charted)
    what = (
        "allocated audits due in the period (of months that have ended) done; a team below "
        f"{BEHIND_BELOW}% is behind"
        if due
        else "allocated audits done so far (none is due yet: each is due by the end of its month)"
    )
    team_table.chart = charts.bar_chart(
        chart_id="chart-teams",
        title=("Allocated audits due done" if due else "Allocated audits done") + ", by team (%)",
        description=f"Horizontal bars: the percentage of each team's {what}, {filters.label}"
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
        series=[
            Series(
                "% of due done" if due else "% of allocated done",
                [t.due_completion if due else t.completion for _k, t in charted],
            )
        ],
        horizontal=True,
        max_value=100,
        unit="%",
    )
    return team_table


def _service_table(counts: ComplianceCounts) -> Table:
    services = _tally_by(counts, lambda p: p["service_name"] or NO_SERVICE)
    return Table(
        "services",
        "By service",
        [Column("service", "Service"), Column("people", "People", NUMBER), *COMPLIANCE_COLUMNS],
        [
            [service, len(t.people), *_tally_cells(t)]
            for service, t in sorted(services.items(), key=lambda kv: kv[0])
        ],
    )


def _month_table(counts: ComplianceCounts, filters: ReportFilters) -> Table:
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
    return month_table


# --- Closures and cases not audited -----------------------------------------------------


class _ClosureFields(TypedDict):
    """What `closure_pending` annotates each case with (of what this report shows)."""

    closure_audit_status: str | None
    closure_started_at: dt.datetime | None
    unresolved_actions: int


def _closures_pending(
    scope: ReportScope, filters: ReportFilters, *, full: bool
) -> tuple[int, Table]:
    """Open cases whose closure is under way but not ready (`audits.closure.closure_pending`:
    a Closure Record in draft, or completed with actions unresolved), in the report's scope."""
    pending = closure_pending(
        user=scope.user,
        team_id=filters.team.pk if filters.team else None,
        service_area_id=filters.service.pk if filters.service else None,
    )
    # Its return type names the model only: say which annotations the rows carry.
    cases = cast("QuerySet[WithAnnotations[Case, _ClosureFields]]", pending).filter(scope.own_cases)
    if filters.case_type:
        cases = cases.filter(case_type=filters.case_type)
    shown = list(cases if full else cases[:CLOSURES_SHOWN])
    # A page that is not full is all of them: no COUNT (the same joins again) is needed.
    count = len(shown) if full or len(shown) < CLOSURES_SHOWN else cases.count()
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


CARERS = Q(subject_type__in=CARER_SUBJECTS, first_panel_on__isnull=False)


def _coverage(
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    *,
    page_number: int | str | None,
    full: bool,
) -> tuple[dict[str, Any], Table, Page | None, Table]:
    """Open cases audited in the last 12 months (as at today), the list of those that are
    not (longest without an audit first) and carers' audits overdue."""
    cutoff = add_months(today, -12)
    open_cases = (
        scope.cases()
        .filter(filters.case_q(), closed_on__isnull=True)
        .annotate(due_base=_due_base())
    )
    recent = Q(last_audited_on__gte=cutoff)
    counts = open_cases.aggregate(
        open=Count("pk"),
        audited=Count("pk", filter=recent),
        not_audited=Count("pk", filter=~recent | Q(last_audited_on__isnull=True)),
        over_a_year=Count("pk", filter=Q(due_base__lt=cutoff)),
        carers_overdue=Count("pk", filter=CARERS & Q(due_base__lt=cutoff)),
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
    not_audited_table = _not_audited_table(cases, cutoff)
    carers_table = _carers_table(open_cases, cutoff, counts["carers_overdue"], full=full)
    return counts, not_audited_table, page, carers_table


def _not_audited_table(cases: list, cutoff: dt.date) -> Table:
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
    return Table(
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


def _carers_table(open_cases: QuerySet, cutoff: dt.date, overdue: int, *, full: bool) -> Table:
    carers_qs = open_cases.filter(CARERS, due_base__lt=cutoff).select_related(
        "team", "allocated_worker"
    )
    carers_qs = carers_qs.order_by("due_base", "reference")
    carers_list = list(carers_qs if full else carers_qs[:CARERS_SHOWN])
    return Table(
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
            f"The first {CARERS_SHOWN} of {overdue}: the CSV file lists them all."
            if not full and overdue > CARERS_SHOWN
            else ""
        ),
    )
