"""Reads of the case register, always scoped to what the user may see.

Who sees what (issue 2, DESIGN section 1):
- everyone: the cases allocated to them;
- a Practice Supervisor: the cases of the workers they line-manage;
- a Team Manager (and Business Support): their team's cases;
- a Children's Service Manager: their service area's cases;
- Assistant Directors, the Director, Performance Assurance and administrators: all cases;
- IROs: looked-after cases; Child Protection Chairs: child protection cases.
Anyone else, and anyone without a current staff record, sees nothing.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404

from caseaudit.organisation.models import AUTHORITY_WIDE_ROLES, Role
from caseaudit.organisation.selectors import staff_for_user

from .models import Case, CaseType

NOTHING = Q(pk__in=[])

# Other apps widen a member of staff's view with cases their own records give them (an audit
# they are doing, an allocation they hold): each is a function staff -> Q, registered in the
# app's AppConfig.ready() so this module never imports them.
_scope_extensions = []


def register_scope_extension(extension) -> None:
    if extension not in _scope_extensions:
        _scope_extensions.append(extension)


def case_scope(user) -> Q:
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
    for extension in _scope_extensions:
        scope |= extension(staff)
    return scope


def case_visible_qs(user) -> QuerySet[Case]:
    return Case.objects.filter(case_scope(user))


def case_list(
    *,
    user,
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


def case_get(*, user, pk: int) -> Case:
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
            from caseaudit.accounts.services import access_denied_record

            access_denied_record(user=user, object_type="case", object_id=pk, case_id=pk)
        raise Http404("No such case")
    return case


def case_filter_options(*, user):
    """Teams and workers to offer as filters: only those within the user's scope."""
    from caseaudit.organisation.models import Staff, Team

    visible = case_visible_qs(user)
    teams = Team.objects.filter(pk__in=visible.values("team_id")).order_by("name")
    workers = Staff.objects.filter(
        pk__in=visible.filter(closed_on__isnull=True).values("allocated_worker_id")
    ).order_by("name")
    return teams, workers


# --- The closure gate (DESIGN section 1: a case cannot close until its Closure Record is
# completed and its restorative actions are resolved) -----------------------------------

CLOSURE_TOOL = "closure"


@dataclass
class ClosureStatus:
    """What stands between a case and its closure.

    `closure_audit`: its latest completed Closure Record (None if there is none);
    `drafts`: Closure Records still in draft; `open_actions`: the restorative actions of the
    case's completed audits (every tool, not only the Closure Record) not yet resolved by
    their owner and agreed by a manager. Actions of draft audits are not actions yet.
    """

    case: Case
    closure_audit: object | None
    drafts: list = field(default_factory=list)
    open_actions: list = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Why the case cannot close, in words (empty when it can)."""
        problems = []
        if self.closure_audit is None:
            if self.drafts:
                problems.append(
                    "The Closure Record (closure audit) of this case is still a draft: it must "
                    "be completed before the case can close."
                )
            else:
                problems.append(
                    "No Closure Record (closure audit) has been completed for this case."
                )
        if self.open_actions:
            count = len(self.open_actions)
            problems.append(
                f"{count} restorative action{'s' if count != 1 else ''} on this case "
                f"{'are' if count != 1 else 'is'} not resolved: each must be resolved by its "
                "owner and agreed by a manager."
            )
        return problems

    @property
    def ready(self) -> bool:
        return self.case.closed_on is None and not self.problems


def case_closure_event(*, case: Case):
    """The history entry of the case's closure: who closed it, when and why (None while the
    case is open, without a query). The caller has checked the user may see the case."""
    if case.closed_on is None:
        return None
    from .models import CaseEvent, CaseEventKind

    return (
        CaseEvent.objects.filter(case=case, kind=CaseEventKind.CLOSED)
        .select_related("by__staff")
        .order_by("-at", "-id")
        .first()
    )


def _unresolved_actions_q() -> Q:
    from caseaudit.audits.models import ActionStatus

    return Q(status=ActionStatus.OPEN) | Q(manager_agreed_at__isnull=True)


def closure_status(*, case: Case) -> ClosureStatus:
    """The case's closure gate, in two queries. The caller has checked the user may see it."""
    from caseaudit.audits.models import Audit, AuditStatus, RestorativeAction

    audits = list(
        Audit.objects.filter(case=case, tool_version__tool__code=CLOSURE_TOOL)
        .select_related("auditor", "tool_version__tool")
        .order_by("-started_at", "-id")
    )
    completed = [a for a in audits if a.status == AuditStatus.COMPLETED]
    open_actions = list(
        RestorativeAction.objects.filter(audit__case=case, audit__status=AuditStatus.COMPLETED)
        .filter(_unresolved_actions_q())
        .select_related("owner", "audit__tool_version__tool")
        .order_by("due_on", "id")
    )
    return ClosureStatus(
        case=case,
        closure_audit=max(completed, key=lambda a: a.completed_at) if completed else None,
        drafts=[a for a in audits if a.status == AuditStatus.DRAFT],
        open_actions=open_actions,
    )


def closure_pending(
    *, user, team_id: int | None = None, service_area_id: int | None = None
) -> QuerySet[Case]:
    """Open cases in the user's scope whose closure is under way but not ready: a Closure
    Record in draft, or one completed while actions on the case are still unresolved.

    Each case carries `closure_audit_id`, `closure_audit_status`, `closure_started_at` and
    `closure_completed_at` (its latest Closure Record) and `unresolved_actions`; the
    longest-waiting first. A fixed number of queries however many cases.
    """
    from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from caseaudit.audits.models import Audit, AuditStatus, RestorativeAction

    closure_audits = Audit.objects.filter(tool_version__tool__code=CLOSURE_TOOL)
    of_case = closure_audits.filter(case=OuterRef("pk"))
    latest = of_case.order_by("-started_at", "-id")
    unresolved = (
        RestorativeAction.objects.filter(
            audit__case=OuterRef("pk"), audit__status=AuditStatus.COMPLETED
        )
        .filter(_unresolved_actions_q())
        .order_by()
        .values("audit__case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        case_visible_qs(user)
        .filter(closed_on__isnull=True, pk__in=closure_audits.values("case_id"))
        .annotate(
            closure_draft=Exists(of_case.filter(status=AuditStatus.DRAFT)),
            closure_completed=Exists(of_case.filter(status=AuditStatus.COMPLETED)),
            unresolved_actions=Coalesce(
                Subquery(unresolved, output_field=IntegerField()), 0, output_field=IntegerField()
            ),
            closure_audit_id=Subquery(latest.values("pk")[:1]),
            closure_audit_status=Subquery(latest.values("status")[:1]),
            closure_started_at=Subquery(latest.values("started_at")[:1]),
            closure_completed_at=Subquery(latest.values("completed_at")[:1]),
        )
        .filter(Q(closure_draft=True) | Q(closure_completed=True, unresolved_actions__gt=0))
    )
    if team_id:
        qs = qs.filter(team_id=team_id)
    if service_area_id:
        qs = qs.filter(team__service_area_id=service_area_id)
    return qs.select_related("team", "allocated_worker").order_by("closure_started_at", "reference")


# --- Who has accessed this case; history; data protection --------------------------------


def is_data_protection_officer(user) -> bool:
    """The data protection officer's pages (subject access, retention, any case's access log).

    There is no DPO role: system administrators (staff with the admin role) and superusers act
    as the authority's data protection officer here."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.is_active and staff.role == Role.ADMIN


def can_view_access_log(user, case: Case) -> bool:
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
    from caseaudit.accounts.models import AccessEvent

    return (
        AccessEvent.objects.filter(case_id=case.pk)
        .select_related("user", "user__staff")
        .order_by("-at", "-id")
    )


def case_history(*, case: Case) -> list:
    """The case's own history (closure, imports), oldest first. The caller has checked the
    user may see the case."""
    from .models import CaseEvent

    return list(
        CaseEvent.objects.filter(case=case).select_related("by__staff").order_by("at", "id")
    )


def retention_cutoff(*, today, years: int):
    """Cases closed on or before this date are past the retention period on `today`: the same
    day `years` earlier (28 February for 29 February)."""
    year = today.year - years
    return dt.date(year, today.month, min(today.day, calendar.monthrange(year, today.month)[1]))


def retention_due_qs(*, today, years: int) -> QuerySet[Case]:
    """Closed cases whose retention period (`years` after closure) has ended by `today`,
    longest closed first. Unscoped: for `apply_retention` and, through `retention_due`, the
    data protection officer."""
    cutoff = retention_cutoff(today=today, years=years)
    return Case.objects.filter(closed_on__isnull=False, closed_on__lte=cutoff).order_by(
        "closed_on", "reference"
    )


def retention_due(*, user, today, years: int) -> QuerySet[Case]:
    """The retention report: cases past the period, for the data protection officer only."""
    if not is_data_protection_officer(user):
        raise Http404("No such page")
    return (
        retention_due_qs(today=today, years=years)
        .filter(case_scope(user))
        .select_related("team", "team__service_area")
    )
