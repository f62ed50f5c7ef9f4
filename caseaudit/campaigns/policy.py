"""Who may do what with campaigns (docs/campaigns.md; the role sets are in
`caseaudit.organisation.roles`).

- Set one up (`can_create`): a Team Manager (of their team's cases), a Children's Service
  Manager (their service's), an Assistant Director, the Director or Performance Assurance
  (every case): CAMPAIGN_CREATE_ROLES. The campaign keeps that scope (`creator_scope`).
- Manage one (change the draft, confirm it, close it, read its progress and its report):
  whoever could have set it up with its scope (`campaign_managed_q`): the team's TM, the
  service's CSM, an AD, the Director, Performance Assurance.
- Take part: the auditors invited (CAMPAIGN_AUDITOR_ROLES) see the campaign once confirmed,
  with only their own cases; a Lead Member only while it runs (between its dates, not closed).
  Neither sees its report unless they manage it.
"""

from dataclasses import dataclass

from django.db.models import Q

from caseaudit.core.typing import Actor
from caseaudit.organisation.models import ServiceArea, Staff, Team
from caseaudit.organisation.roles import (
    AUTHORITY_WIDE_ROLES,
    CAMPAIGN_AUDITOR_ROLES,
    CAMPAIGN_CREATE_ROLES,
    CAMPAIGN_ONLY_ROLES,
    Role,
)
from caseaudit.organisation.selectors import staff_for_user

from .models import Campaign

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """Whose cases a campaign draws from: a team's, a service's, or (neither) every case."""

    team: Team | None = None
    service: ServiceArea | None = None

    @property
    def where(self) -> str:
        """Where its cases are, after "open cases ..."."""
        if self.team is not None:
            return f"in {self.team.name}"
        if self.service is not None:
            return f"in the {self.service.name} service"
        return "across the authority"

    @property
    def label(self) -> str:
        if self.team is not None:
            return f"{self.team.name}’s cases"
        if self.service is not None:
            return f"the {self.service.name} service’s cases"
        return "every case in the authority"


def creator_scope(staff: Staff | None) -> Scope | None:
    """The scope of the campaigns `staff` may set up; None if they may not set one up."""
    if staff is None or not staff.is_active or staff.role not in CAMPAIGN_CREATE_ROLES:
        return None
    if staff.role == Role.TEAM_MANAGER:
        return Scope(team=staff.team) if staff.team_id else None
    if staff.role == Role.SERVICE_MANAGER:
        area_id = staff.effective_service_area_id
        if area_id is None:
            return None
        return Scope(service=ServiceArea.objects.get(pk=area_id))
    return Scope()


def can_create(user: Actor) -> bool:
    return creator_scope(staff_for_user(user)) is not None


def can_open_campaigns(user: Actor) -> bool:
    """Who has the Campaigns page (and the header's link): those who may set one up or be
    invited to one. Decided by role alone, so the header costs no query."""
    staff = staff_for_user(user)
    return (
        staff is not None
        and staff.is_active
        and staff.role in (CAMPAIGN_CREATE_ROLES | CAMPAIGN_AUDITOR_ROLES)
    )


def campaign_managed_q(staff: Staff | None) -> Q:
    """A filter on campaigns for those `staff` manages (see the module's rules)."""
    if staff is None or not staff.is_active or staff.role not in CAMPAIGN_CREATE_ROLES:
        return NOTHING
    if staff.role == Role.TEAM_MANAGER:
        return Q(scope_team_id=staff.team_id) if staff.team_id else NOTHING
    if staff.role == Role.SERVICE_MANAGER:
        area = staff.effective_service_area_id
        if area is None:
            return NOTHING
        return Q(scope_service_id=area) | Q(scope_team__service_area_id=area)
    if staff.role in AUTHORITY_WIDE_ROLES:
        # Every campaign, written so that it survives an OR (an empty Q() would vanish).
        return Q(pk__isnull=False)
    return NOTHING  # pragma: no cover - every creating role is named above


def can_manage(staff: Staff | None, campaign: Campaign) -> bool:
    q = campaign_managed_q(staff)
    if q == NOTHING:
        return False
    return Campaign.objects.filter(q, pk=campaign.pk).exists()


def may_be_invited(staff: Staff) -> bool:
    return staff.is_active and staff.role in CAMPAIGN_AUDITOR_ROLES


def sees_only_while_running(staff: Staff) -> bool:
    """A Lead Member sees a campaign (and its cases) only while it runs."""
    return staff.role in CAMPAIGN_ONLY_ROLES
