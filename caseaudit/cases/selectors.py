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

from django.db.models import CharField, Q, QuerySet, Value
from django.http import Http404

from caseaudit.accounts.models import AccessEvent, AccessObjectType
from caseaudit.accounts.services import access_denied_record
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import AUTHORITY_WIDE_ROLES, Role, Staff, Team
from caseaudit.organisation.selectors import staff_for_user

from .models import Case, CaseEvent, CaseEventKind, CaseType

NOTHING = Q(pk__in=[])

# The values of other apps' status fields the widening rules (`_own_work_scope`) test; they
# are those apps' (programme.choices.MonthStatus, AllocationStatus; responses.models.
# OUTSTANDING), written out here because this module sits below them and imports none of
# them. `tests/test_case_scope_rules.py` checks they still agree.
PROGRAMME_CONFIRMED = "confirmed"
ALLOCATION_CANCELLED = "cancelled"
RESPONSE_OUTSTANDING = ("awaiting_worker", "returned", "submitted")


def case_scope(user: Actor) -> Q:
    """A filter for the cases `user` may see."""
    if not user.is_authenticated:
        return NOTHING
    if user.is_superuser:
        return Q()
    staff = staff_for_user(user)
    if staff is None:
        return NOTHING
    role = staff.role
    if role in AUTHORITY_WIDE_ROLES:
        return Q()
    # A page asks for the scope several times (the home page nine), every page of the same
    # person asks for the same one, and building it was a millisecond each time: it is kept
    # per process, by what it is made of (the staff record's id, role, team and service), so a
    # change of role or place builds it again. It holds no cases: its subqueries run in the
    # database each time it is used.
    key = (staff.pk, role, staff.team_id, staff.effective_service_area_id)
    scope = _scopes.get(key)
    if scope is None:
        if len(_scopes) >= SCOPES_KEPT:
            _scopes.clear()
        scope = _scopes[key] = _staff_scope(staff, role)
    return scope


# The scopes built (see `case_scope`): a few hundred staff at most use one process.
_scopes: dict[tuple, Q] = {}
SCOPES_KEPT = 2000


def _staff_scope(staff, role) -> Q:
    """Every rule of case visibility below the authority-wide roles, in one place: the role's
    own cases, widened by the cases the person's own work gives them (`_own_work_scope`)."""
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


def _own_work_scope(staff) -> Q:
    """The cases a member of staff's own work gives them, whatever their role (ADR 0008):
    - every case they have audited (draft or completed, open or closed: `Audit.auditor`);
    - the cases of their allocations in a confirmed programme month, unless cancelled
      (`Allocation.auditor`);
    - the cases of the outstanding QA responses they must write or authorise
      (`QAResponse.worker`, `QAResponse.supervisor`).
    Written through the reverse relations those apps' models declare on `Staff`, each an
    `IN (SELECT case_id ...)` subquery on one table (no join that could repeat a case)."""
    return (
        Q(pk__in=staff.audits_conducted.values("case_id"))
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


def case_get(*, user: Actor, pk: int) -> Case:
    """The case, if the user may see it; otherwise 404, so its existence is not revealed."""
    case = (
        case_visible_qs(user)
        .select_related(
            "team",
            "team__service_area",
            "allocated_worker",
            "allocated_worker__line_manager",
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        if Case.objects.filter(pk=pk).exists():
            access_denied_record(
                user=user, object_type=AccessObjectType.CASE, object_id=pk, case_id=pk
            )
        raise Http404("No such case")
    return case


def case_filter_options(*, user: Actor):
    """Teams and workers to offer as filters: only those within the user's scope."""
    visible = case_visible_qs(user)
    teams = Team.objects.filter(pk__in=visible.values("team_id")).order_by("name")
    workers = Staff.objects.filter(
        pk__in=visible.filter(closed_on__isnull=True).values("allocated_worker_id")
    ).order_by("name")
    return teams, workers


def case_filter_choices(*, teams, workers) -> tuple[list, list]:
    """The (pk, name) pairs of `case_filter_options`' teams and workers, each by name, read
    in one query (a UNION) rather than two."""

    def pairs(qs, kind):
        return (
            qs.order_by()
            .annotate(option_kind=Value(kind, output_field=CharField()))
            .values_list("option_kind", "pk", "name")
        )

    rows = pairs(teams, "team").union(pairs(workers, "worker"), all=True)
    team_choices, worker_choices = [], []
    for kind, pk, name in rows.order_by("option_kind", "name"):
        (team_choices if kind == "team" else worker_choices).append((pk, name))
    return team_choices, worker_choices


# --- The case's closure (the closure gate is `caseaudit.audits.closure`; closing a case is
# `caseaudit.dataprotection.services.case_close`) --------------------------------------------


def case_closure_event(*, case: Case):
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


def can_view_access_log(user: Actor, case: Case) -> bool:
    """Who sees "who has accessed this case": the case's managers (its Practice Supervisor,
    the team's Team Manager, the service's Children's Service Manager, an Assistant Director,
    the Director) and the data protection officer. Checked on the loaded case (`case_get`
    loads its worker and team), so the case page asks the database nothing more."""
    if is_data_protection_officer(user):
        return True
    staff = staff_for_user(user)
    if staff is None or not staff.is_active:
        return False
    role = staff.role
    if role in (Role.ASSISTANT_DIRECTOR, Role.DIRECTOR):
        return True
    if role == Role.PRACTICE_SUPERVISOR:
        worker = case.allocated_worker
        return worker is not None and worker.line_manager_id == staff.pk
    if role == Role.TEAM_MANAGER:
        return staff.team_id is not None and case.team_id == staff.team_id
    if role == Role.SERVICE_MANAGER:
        area = staff.effective_service_area_id
        return area is not None and case.team.service_area_id == area
    return False


def case_access_events(*, case: Case):
    """Every access-log entry about the case, newest first (with who, for the page). The
    caller has checked `can_view_access_log`."""
    return (
        AccessEvent.objects.filter(case_id=case.pk)
        .select_related("user", "user__staff")
        .order_by("-at", "-id")
    )


def case_history(*, case: Case) -> list:
    """The case's own history (closure, imports), oldest first. The caller has checked the
    user may see the case."""
    return list(
        CaseEvent.objects.filter(case=case).select_related("by__staff").order_by("at", "id")
    )
