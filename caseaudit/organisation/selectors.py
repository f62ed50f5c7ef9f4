"""Reads of the organisation. The staff directory is visible to every signed-in member of staff:
it holds no information about children."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from caseaudit.core.exceptions import not_allowed
from caseaudit.core.prepared import PreparedQuery
from caseaudit.core.typing import Actor, User

from .models import ServiceArea, Staff, Team
from .roles import Role

# What a staff record is read with for the signed-in user (the header, the case scope).
STAFF_RELATED = ("team", "team__service_area", "service_area", "line_manager")

# Compiled once per process (caseaudit/core/prepared.py): this runs on every page.
_current_staff = PreparedQuery(
    lambda user_id: Staff.objects.select_related(*STAFF_RELATED).filter(
        user_id=user_id, left_on__isnull=True
    )
)


def staff_acting(user: Actor) -> Staff:
    """The staff record of whoever does a write that only current staff may do; a refusal
    (`not_allowed`) for anyone else (a superuser without one, a leaver)."""
    staff = staff_for_user(user)
    if staff is None or not staff.is_active:
        raise not_allowed("Only current staff may do this.")
    return staff


def staff_for_user(user: Actor) -> Staff | None:
    """The signed-in user's staff record, loaded once per request (the authentication
    middleware reads it with the user: `caseaudit.accounts.authentication`)."""
    if not user.is_authenticated:
        return None
    cached: Staff | None | bool = getattr(user, "_staff_cache", False)
    if not isinstance(cached, bool):
        return cached
    rows = _current_staff(user.pk)
    staff = rows[0] if rows else None  # one at most: Staff.user is one-to-one
    remember_staff(user=user, staff=staff)
    return staff


def person_name(user: Actor) -> str:
    """A person as the pages and files name them: their staff name, else the account's full
    name, else its username."""
    staff = staff_for_user(user)
    if staff is not None:
        return staff.name
    full_name = user.get_full_name() if isinstance(user, User) else ""
    return full_name or user.get_username()


def remember_staff(*, user: Actor, staff: Staff | None) -> None:
    """Keep `staff` (the user's current staff record, or None) for `staff_for_user` for the
    rest of the request: a per-request cache on the user object."""
    user._staff_cache = staff  # type: ignore[union-attr]


def team_accountable_managers(*, team: Team) -> list[Staff]:
    """Who answers for a team's cases: its current Team Manager(s); if it has none, the current
    Children's Service Manager(s) of its service (or placed in the team). The one rule behind
    "the case's Team Manager, else the service's CSM" (urgent findings, QA responses)."""
    managers = list(
        Staff.objects.active()
        .filter(team_id=team.pk, role=Role.TEAM_MANAGER)
        .select_related("user")
        .order_by("pk")
    )
    if not managers:
        managers = list(
            Staff.objects.active()
            .filter(
                Q(service_area_id=team.service_area_id) | Q(team_id=team.pk),
                role=Role.SERVICE_MANAGER,
            )
            .select_related("user")
            .order_by("pk")
        )
    return managers


def service_area_list_with_teams() -> QuerySet[ServiceArea]:
    teams = Team.objects.annotate(
        member_count=Count("members", filter=Q(members__left_on__isnull=True), distinct=True),
        open_case_count=Count("cases", filter=Q(cases__closed_on__isnull=True), distinct=True),
    ).order_by("name")
    return ServiceArea.objects.prefetch_related(Prefetch("teams", queryset=teams)).order_by("name")


def team_get(*, code: str) -> Team:
    team = Team.objects.select_related("service_area").filter(code=code).first()
    if team is None:
        raise Http404("No such team")
    return team


def team_members(*, team: Team) -> QuerySet[Staff]:
    return (
        Staff.objects.active()
        .filter(team=team)
        .select_related("line_manager")
        .annotate(open_cases=Count("cases", filter=Q(cases__closed_on__isnull=True)))
        .order_by("role", "name")
    )
