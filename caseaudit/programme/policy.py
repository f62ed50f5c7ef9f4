"""Who may see, change and chase the monthly audit programme (the role sets are in
`caseaudit.organisation.roles`).

- The whole programme, every month (drafts too): CSMs, Assistant Directors, the Director,
  Performance Assurance and administrators (`PROGRAMME_VIEW_ROLES`, and superusers).
- Their team's programme (`PROGRAMME_TEAM_ROLES`): a Team Manager and Business Support see
  the confirmed months from twelve before this one to this one and, of each, the allocations
  of their team's auditors (`Allocation.auditor_team`, the auditor's team when the month was
  generated) whose case they may open (`cases.selectors.case_scope`); a Team Manager their own
  allocations too (their peer audit in another team). Drafts are Performance Assurance's to
  review: not shown to them.
- Generating, swapping, reallocating and confirming: Performance Assurance and administrators.
- Chasing an allocated audit not yet done, of a confirmed month: Performance Assurance and
  administrators any they see, a Team Manager their team's auditors' (`PROGRAMME_CHASE_ROLES`);
  nobody their own.

Each rule that is both a filter and a predicate is written twice here (`allocation_visible_q`
and `can_view_allocation`, `allocation_chase_q` and `can_chase_allocation`);
`tests/test_policy_agreement.py` proves each pair agrees on every persona.
"""

import datetime as dt

from django.db.models import Q

from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import (
    PROGRAMME_CHASE_ROLES,
    PROGRAMME_EDIT_ROLES,
    PROGRAMME_TEAM_ROLES,
    PROGRAMME_VIEW_ROLES,
    Role,
)
from caseaudit.organisation.selectors import staff_for_user

from .choices import OPEN_STATUSES, MonthStatus
from .due import add_months
from .models import Allocation, ProgrammeMonth

NOTHING = Q(pk__in=[])
# A team's programme pages: this month and the twelve before it.
TEAM_MONTHS_BACK = 12


def can_view_whole_programme(user: Actor) -> bool:
    """Senior managers, Performance Assurance, administrators and CSMs see the whole programme."""
    staff = staff_for_user(user)
    return user.is_superuser or (staff is not None and staff.role in PROGRAMME_VIEW_ROLES)


def programme_team(user: Actor) -> Staff | None:
    """The user's staff record when they see their team's programme only (a Team Manager,
    Business Support); None otherwise (the whole programme, or none)."""
    if can_view_whole_programme(user):
        return None
    staff = staff_for_user(user)
    return staff if staff is not None and staff.role in PROGRAMME_TEAM_ROLES else None


def can_view_programme(user: Actor) -> bool:
    """Whether the programme pages are for `user` at all (the whole or their team's)."""
    return can_view_whole_programme(user) or programme_team(user) is not None


def can_edit_programme(user: Actor) -> bool:
    """Performance Assurance and administrators generate, change and confirm it."""
    staff = staff_for_user(user)
    return user.is_superuser or (staff is not None and staff.role in PROGRAMME_EDIT_ROLES)


# --- Months ---------------------------------------------------------------------------------


def team_months(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last month of a team's programme pages: twelve months back to this one."""
    this_month = today.replace(day=1)
    return add_months(this_month, -TEAM_MONTHS_BACK), this_month


def month_visible_q(user: Actor, *, today: dt.date) -> Q | None:
    """A filter on `ProgrammeMonth`: the months whose page the user may open. None: no
    programme pages for them."""
    if can_view_whole_programme(user):
        return Q()
    if programme_team(user) is None:
        return None
    first, last = team_months(today)
    return Q(status=MonthStatus.CONFIRMED, month__gte=first, month__lte=last)


def can_view_month(user: Actor, programme: ProgrammeMonth, *, today: dt.date) -> bool:
    """The same rule as `month_visible_q`, for one month."""
    if can_view_whole_programme(user):
        return True
    if programme_team(user) is None:
        return False
    first, last = team_months(today)
    return programme.is_confirmed and first <= programme.month <= last


# --- Allocations ----------------------------------------------------------------------------


def _team_auditors_q(staff: Staff) -> Q:
    """A team's auditors' allocations (and, for a Team Manager, their own)."""
    q = Q(auditor_team_id=staff.team_id) if staff.team_id else NOTHING
    if staff.role == Role.TEAM_MANAGER:
        q |= Q(auditor_id=staff.pk)
    return q


def _case_open_to(user: Actor) -> Q:
    """On allocations: no case (an unfilled rule), or a case the user may open."""
    return Q(case__isnull=True) | Q(case__in=case_visible_qs(user).values("pk"))


def allocation_visible_q(user: Actor) -> Q | None:
    """A filter on allocations (of any month): the ones the user sees on the programme pages
    and the API. None: no programme for them."""
    if can_view_whole_programme(user):
        return Q()
    staff = programme_team(user)
    if staff is None:
        return None
    return (
        Q(programme__status=MonthStatus.CONFIRMED) & _team_auditors_q(staff) & _case_open_to(user)
    )


def _in_team(staff: Staff, allocation: Allocation) -> bool:
    if staff.team_id is not None and allocation.auditor_team_id == staff.team_id:
        return True
    return staff.role == Role.TEAM_MANAGER and allocation.auditor_id == staff.pk


def _case_visible(user: Actor, allocation: Allocation) -> bool:
    return (
        allocation.case_id is None or case_visible_qs(user).filter(pk=allocation.case_id).exists()
    )


def can_view_allocation(user: Actor, allocation: Allocation) -> bool:
    """The same rule as `allocation_visible_q`, for one allocation (its programme loaded)."""
    if can_view_whole_programme(user):
        return True
    staff = programme_team(user)
    if staff is None:
        return False
    return (
        allocation.programme.status == MonthStatus.CONFIRMED
        and _in_team(staff, allocation)
        and _case_visible(user, allocation)
    )


def allocation_chase_q(user: Actor) -> Q:
    """A filter on allocations: the ones the user may chase. An allocated audit not yet done
    (planned or started) of a confirmed month, that they see, and not their own: Performance
    Assurance and administrators any, a Team Manager their team's auditors'."""
    staff = staff_for_user(user)
    if not user.is_superuser and (staff is None or staff.role not in PROGRAMME_CHASE_ROLES):
        return NOTHING
    visible = allocation_visible_q(user)
    if visible is None:
        return NOTHING
    q = visible & Q(
        programme__status=MonthStatus.CONFIRMED, status__in=OPEN_STATUSES, case__isnull=False
    )
    if staff is not None:
        q &= ~Q(auditor_id=staff.pk)
        if not user.is_superuser and staff.role == Role.TEAM_MANAGER:
            q &= Q(auditor_team_id=staff.team_id) if staff.team_id else NOTHING
    return q


def can_chase_allocation(user: Actor, allocation: Allocation) -> bool:
    """The same rule as `allocation_chase_q`, for one allocation (its programme loaded)."""
    staff = staff_for_user(user)
    if not user.is_superuser and (staff is None or staff.role not in PROGRAMME_CHASE_ROLES):
        return False
    if not (
        allocation.programme.status == MonthStatus.CONFIRMED
        and allocation.status in OPEN_STATUSES
        and allocation.case_id is not None
        and can_view_allocation(user, allocation)
    ):
        return False
    if staff is not None:
        if allocation.auditor_id == staff.pk:
            return False
        if not user.is_superuser and staff.role == Role.TEAM_MANAGER:
            return staff.team_id is not None and allocation.auditor_team_id == staff.team_id
    return True
