"""Reads of the case register, always scoped to what the user may see.

Who sees what (docs/procedure.md, section 10):
- everyone: the cases allocated to them;
- a Practice Supervisor: the cases of the workers they line-manage;
- a Team Manager (and Business Support): their team's cases;
- a Children's Service Manager: their service area's cases;
- Assistant Directors, the Director, Performance Assurance and administrators: all cases;
- IROs: looked-after cases; Child Protection Chairs: child protection cases.
Anyone else, and anyone without a current staff record, sees nothing.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404

from caseaudit.accounts.models import AccessEvent, AccessObjectType
from caseaudit.accounts.services import access_denied_record
from caseaudit.core.prepared import COUNT, ROWS, PreparedQuery
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import AUTHORITY_WIDE_ROLES, Role, Staff, Team
from caseaudit.organisation.roles import CAMPAIGN_ONLY_ROLES
from caseaudit.organisation.selectors import staff_for_user

from .models import Case, CaseAssignment, CaseEvent, CaseEventKind, CaseType

NOTHING = Q(pk__in=[])

# The values of other apps' status fields the widening rules (`_own_work_scope`) test; they
# are those apps' (programme.choices.MonthStatus, AllocationStatus; responses.models.
# OUTSTANDING), written out here because this module sits below them and imports none of
# them. `tests/test_case_scope_rules.py` checks they still agree.
PROGRAMME_CONFIRMED = "confirmed"
ALLOCATION_CANCELLED = "cancelled"
RESPONSE_OUTSTANDING = ("awaiting_worker", "returned", "submitted")


# What a case scope is made of (`case_scope_key`), for the two that need no staff record.
ALL_CASES: tuple = ("all",)
NO_CASES: tuple = ("none",)


def case_scope_key(user: Actor) -> tuple:
    """What `user`'s case scope is made of: ALL_CASES, NO_CASES, or the staff record's id,
    role, team and service. Users with the same key see the same cases: the scope (and the
    queries prepared with it, caseaudit/core/prepared.py) are kept by it, so a change of role
    or place makes them afresh."""
    if not user.is_authenticated:
        return NO_CASES
    if user.is_superuser:
        return ALL_CASES
    staff = staff_for_user(user)
    if staff is None:
        return NO_CASES
    if staff.role in AUTHORITY_WIDE_ROLES:
        return ALL_CASES
    return (staff.pk, staff.role, staff.team_id, staff.effective_service_area_id)


def user_query_key(user: Actor) -> tuple:
    """All that the selectors read of the signed-in user and their staff record to build a
    query (their case scope, role, team, service, line manager, whether they have left): the
    key of a query prepared per person (caseaudit/core/prepared.py), so that any change of
    these builds it afresh."""
    staff = staff_for_user(user)
    return (
        user.pk,
        user.is_superuser,
        case_scope_key(user),
        None
        if staff is None
        else (
            staff.pk,
            staff.role,
            staff.team_id,
            staff.service_area_id,
            staff.effective_service_area_id,
            staff.line_manager_id,
            staff.left_on,
        ),
    )


def case_scope(user: Actor) -> Q:
    """A filter for the cases `user` may see."""
    key = case_scope_key(user)
    if key == ALL_CASES:
        return Q()
    if key == NO_CASES:
        return NOTHING
    # A page asks for the scope several times (the home page nine), every page of the same
    # person asks for the same one, and building it was a millisecond each time: it is kept
    # per process, by what it is made of (`case_scope_key`), so a change of role or place
    # builds it again. It holds no cases: its subqueries run in the database each time it
    # is used.
    scope = _scopes.get(key)
    if scope is None:
        if len(_scopes) >= SCOPES_KEPT:
            _scopes.clear()
        staff = staff_for_user(user)
        if staff is None:  # not so: the key has a staff record
            return NOTHING
        scope = _scopes[key] = _staff_scope(staff, staff.role)
    return scope


# The scopes built (see `case_scope`): a few hundred staff at most use one process.
_scopes: dict[tuple[int, str, int | None, int | None], Q] = {}
SCOPES_KEPT = 2000


def _staff_scope(staff: Staff, role: str) -> Q:
    """Every rule of case visibility below the authority-wide roles, in one place: the role's
    own cases, widened by the cases the person's own work gives them (`_own_work_scope`).
    A Lead Member (CAMPAIGN_ONLY_ROLES) sees only the cases assigned to them in a live
    campaign: nothing they audited before, once the campaign has ended."""
    if role in CAMPAIGN_ONLY_ROLES:
        return _assigned_scope(staff)
    scope = Q(allocated_worker=staff)
    if role == Role.PRACTICE_SUPERVISOR:
        scope |= Q(allocated_worker__line_manager=staff)
    elif role in (Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT) and staff.team_id:
        scope |= Q(team_id=staff.team_id)
    elif role == Role.SERVICE_MANAGER and staff.effective_service_area_id:
        scope |= Q(team__service_area_id=staff.effective_service_area_id)
    elif role == Role.IRO:
        scope |= Q(case_type=CaseType.CLA)
    elif role == Role.CP_CHAIR:
        scope |= Q(case_type=CaseType.CP)
    return scope | _own_work_scope(staff)


def _own_work_scope(staff: Staff) -> Q:
    """The cases a member of staff's own work gives them, whatever their role (ADR 0008):
    - every case they have audited (draft or completed, open or closed: `Audit.auditor`);
    - the cases of their allocations in a confirmed programme month, unless cancelled
      (`Allocation.auditor`);
    - the cases of the outstanding QA responses they must write or authorise
      (`QAResponse.worker`, `QAResponse.supervisor`);
    - the cases assigned to them to audit in a live campaign (`CaseAssignment`, written by
      caseaudit.campaigns), while the assignment is in force.
    Written through the reverse relations those apps' models declare on `Staff`, each an
    `IN (SELECT case_id ...)` subquery on one table (no join that could repeat a case)."""
    return (
        _assigned_scope(staff)
        | Q(pk__in=staff.audits_conducted.values("case_id"))
        | Q(
            pk__in=staff.allocations.filter(programme__status=PROGRAMME_CONFIRMED)
            .exclude(status=ALLOCATION_CANCELLED)
            .exclude(case__isnull=True)
            .values("case_id")
        )
        | Q(pk__in=staff.qa_responses.filter(status__in=RESPONSE_OUTSTANDING).values("case_id"))
        | Q(
            pk__in=staff.qa_responses_to_authorise.filter(status__in=RESPONSE_OUTSTANDING).values(
                "case_id"
            )
        )
    )


def _assigned_scope(staff: Staff) -> Q:
    """The cases assigned to `staff` in force now (`CaseAssignment.objects.live`: the
    database's clock, so the scope kept by `case_scope` stays right as days pass)."""
    return Q(pk__in=CaseAssignment.objects.live().filter(staff=staff).values("case_id"))


def case_assignment_tools(*, staff: Staff, case: Case) -> set[str]:
    """The tools `staff` is to audit `case` with in the assignments in force now (empty: the
    case is not assigned to them). audits.policy keeps a Lead Member to these."""
    return set(
        CaseAssignment.objects.live()
        .filter(staff=staff, case=case)
        .values_list("tool_code", flat=True)
    )


def case_visible_qs(user: Actor) -> QuerySet[Case]:
    return Case.objects.filter(case_scope(user))


def case_list(
    *,
    user: Actor,
    search: str = "",
    team_id: int | None = None,
    case_type: str = "",
    worker_id: int | None = None,
    status: str = "open",
) -> QuerySet[Case]:
    qs = case_visible_qs(user).select_related("team", "allocated_worker")
    if search:
        qs = qs.filter(Q(reference__iexact=search) | Q(display_name__icontains=search))
    if team_id:
        qs = qs.filter(team_id=team_id)
    if case_type:
        qs = qs.filter(case_type=case_type)
    if worker_id:
        qs = qs.filter(allocated_worker_id=worker_id)
    if status == "open":
        qs = qs.filter(closed_on__isnull=True)
    elif status == "closed":
        qs = qs.filter(closed_on__isnull=False)
    return qs.order_by("reference")


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case as the lists show it (`case_rows`, the home page): its own fields and the names
    of its team and allocated worker, read as values rather than three model instances."""

    pk: int
    reference: str
    display_name: str
    case_type: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    team_name: str | None
    worker_name: str | None

    def get_case_type_display(self) -> str:
        return str(CASE_TYPE_LABELS.get(self.case_type, self.case_type))


CASE_TYPE_LABELS = dict(CaseType.choices)
CASE_ROW_FIELDS = (
    "pk",
    "reference",
    "display_name",
    "case_type",
    "opened_on",
    "closed_on",
    "team__name",
    "allocated_worker__name",
)


class CaseListPages:
    """`case_list` as `CaseRow`s for Django's Paginator (its count and one page of rows).
    Without a search, each is read with a query prepared once per case scope and filters in
    use (caseaudit/core/prepared.py); a search by name is a plain query (its pattern is not a
    value the query compares unchanged)."""

    ordered = True  # by reference, as `case_list`

    def __init__(
        self,
        *,
        user: Actor,
        search: str = "",
        team_id: int | None = None,
        case_type: str = "",
        worker_id: int | None = None,
        status: str = "open",
    ):
        self.user, self.status, self.search = user, status, search
        given = {"team_id": team_id, "case_type": case_type, "worker_id": worker_id}
        self.names = [name for name, value in given.items() if value]
        self.args = tuple(given[name] for name in self.names)
        self.key = (case_scope_key(user), tuple(self.names), status)

    def _queryset(self, *args: Any) -> QuerySet[Case]:
        return case_list(
            user=self.user,
            search=self.search,
            status=self.status,
            **dict(zip(self.names, args, strict=True)),
        )

    def count(self) -> int:
        if self.search:
            return self._queryset(*self.args).count()
        return _case_list_count(*self.args, key=self.key, build=self._queryset)

    def __getitem__(self, page: slice) -> list[CaseRow]:
        start, stop = page.start, page.stop

        def rows(*args: Any) -> QuerySet[Any]:
            return self._queryset(*args).values_list(*CASE_ROW_FIELDS)[start:stop]

        if self.search:
            return [CaseRow(*row) for row in rows(*self.args)]
        return [
            CaseRow(*row)
            for row in _case_list_rows(*self.args, key=(self.key, start, stop), build=rows)
        ]


_case_list_count = PreparedQuery(kind=COUNT)
_case_list_rows = PreparedQuery(kind=ROWS)


def case_list_for_pages(
    *,
    user: Actor,
    search: str = "",
    team_id: int | None = None,
    case_type: str = "",
    worker_id: int | None = None,
    status: str = "open",
) -> CaseListPages:
    """`case_list` for a Paginator, as `CaseRow`s (see `CaseListPages`)."""
    return CaseListPages(
        user=user,
        search=search,
        team_id=team_id,
        case_type=case_type,
        worker_id=worker_id,
        status=status,
    )


# The case page's case: compiled once per case scope (caseaudit/core/prepared.py).
CASE_PAGE_RELATED = (
    "team",
    "team__service_area",
    "allocated_worker",
    "allocated_worker__line_manager",
)
_case_get = PreparedQuery()


def case_get(*, user: Actor, pk: int) -> Case:
    """The case, if the user may see it; otherwise 404, so its existence is not revealed."""

    def visible(pk: int) -> QuerySet[Case]:
        return case_visible_qs(user).select_related(*CASE_PAGE_RELATED).filter(pk=pk)

    if type(pk) is int:  # as the URLs give it
        rows = _case_get(pk, key=case_scope_key(user), build=visible)
        case = rows[0] if rows else None
    else:
        case = visible(pk).first()
    if case is None:
        if Case.objects.filter(pk=pk).exists():
            access_denied_record(
                user=user, object_type=AccessObjectType.CASE, object_id=pk, case_id=pk
            )
        raise Http404("No such case")
    return case


def case_filter_options(*, user: Actor) -> tuple[QuerySet[Team], QuerySet[Staff]]:
    """Teams and workers to offer as filters: only those within the user's scope."""
    visible = case_visible_qs(user)
    teams = Team.objects.filter(pk__in=visible.values("team_id")).order_by("name")
    workers = Staff.objects.filter(
        pk__in=visible.filter(closed_on__isnull=True).values("allocated_worker_id")
    ).order_by("name")
    return teams, workers


_case_filter_choices = PreparedQuery(kind=ROWS)


def case_filter_choices(*, user: Actor) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The (pk, name) pairs of `case_filter_options`' teams and workers, each by name, read in
    one query (a UNION) rather than two, prepared once per case scope, and kept in the shared
    cache for settings.SCOPE_SUMMARY_SECONDS per scope (a new worker's name may appear in the
    filter that much later; a choice is still checked against the scope itself)."""
    seconds = getattr(settings, "SCOPE_SUMMARY_SECONDS", 0)
    key = "case-filter-choices-1:" + ".".join(map(str, case_scope_key(user)))
    kept = cache.get(key) if seconds > 0 else None
    if kept is None:
        kept = _read_filter_choices(user)
        if seconds > 0:
            cache.set(key, kept, seconds)
    return kept


def _read_filter_choices(user: Actor) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """`case_filter_choices` from the database."""

    def pairs(qs: QuerySet[Any], kind: str) -> QuerySet[Any, tuple[str, int, str]]:
        return (
            qs.order_by()
            # Typed in the SQL: PostgreSQL cannot tell the type of a bare value in a UNION.
            .annotate(option_kind=Cast(Value(kind), output_field=CharField()))
            .values_list("option_kind", "pk", "name")
        )

    rows = _case_filter_choices(
        key=case_scope_key(user),
        build=lambda: _filter_choices_union(user, pairs),
    )
    team_choices: list[tuple[int, str]] = []
    worker_choices: list[tuple[int, str]] = []
    for kind, pk, name in rows:
        (team_choices if kind == "team" else worker_choices).append((pk, name))
    return team_choices, worker_choices


def _filter_choices_union(user: Actor, pairs: Any) -> QuerySet[Any]:
    teams, workers = case_filter_options(user=user)
    return (
        pairs(teams, "team")
        .union(pairs(workers, "worker"), all=True)
        .order_by("option_kind", "name")
    )


# --- The case's closure (the closure gate is `caseaudit.audits.closure`; closing a case is
# `caseaudit.dataprotection.services.case_close`) --------------------------------------------


def case_closure_event(*, case: Case) -> CaseEvent | None:
    """The history entry of the case's closure: who closed it, when and why (None while the
    case is open, without a query). The caller has checked the user may see the case."""
    if case.closed_on is None:
        return None
    return (
        CaseEvent.objects.filter(case=case, kind=CaseEventKind.CLOSED)
        .select_related("by__staff")
        .order_by("-at", "-id")
        .first()
    )


# --- Who has accessed this case; history; data protection --------------------------------


def is_data_protection_officer(user: Actor) -> bool:
    """The data protection officer's pages (subject access, retention, any case's access log).

    There is no DPO role: system administrators (staff with the admin role) and superusers act
    as the authority's data protection officer here."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.is_active and staff.role == Role.ADMIN


def case_access_events(*, case: Case) -> QuerySet[AccessEvent]:
    """Every access-log entry about the case, newest first (with who, for the page). The
    caller has checked `policy.can_view_access_log`."""
    return (
        AccessEvent.objects.filter(case_id=case.pk)
        .select_related("user", "user__staff")
        .order_by("-at", "-id")
    )


_case_history = PreparedQuery(
    lambda case_id: (
        CaseEvent.objects.filter(case_id=case_id).select_related("by__staff").order_by("at", "id")
    )
)


def case_history(*, case: Case) -> list[CaseEvent]:
    """The case's own history (closure, imports), oldest first. The caller has checked the
    user may see the case."""
    return _case_history(case.pk)
