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
