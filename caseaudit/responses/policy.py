"""Who may do what with QA responses and their restorative actions: the rules, in one place.

Who authorises or returns a response is `authoriser_q` (a filter on responses) and
`can_authorise` (one loaded response): `tests/test_policy_agreement.py` checks they agree. A
manager who may authorise agrees an action is resolved (`can_agree`); the action's owner
answers it on its own once the response is submitted (`can_resolve`: an action reopened, or
added when the audit was reopened; until then the worker answers every action in the
response).
"""

from django.db.models import Q

from caseaudit.audits.models import RestorativeAction
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import Role

from .models import QAResponse

NOTHING = Q(pk__in=[])


# --- Queries and predicates ---------------------------------------------------------------------


def authoriser_q(staff: Staff | None) -> Q:
    """A filter on responses `staff` may authorise or return: those whose supervisor they
    are, those of the workers they line-manage, and, for a Team Manager, their team's.
    Never their own."""
    if staff is None or not staff.is_active:
        return NOTHING
    q = Q(supervisor=staff) | Q(worker__line_manager=staff)
    if staff.role == Role.TEAM_MANAGER and staff.team_id:
        q |= Q(case__team_id=staff.team_id)
    return q & ~Q(worker=staff)


def can_authorise(staff: Staff | None, response: QAResponse) -> bool:
    """The same rule as `authoriser_q`, for one response (its worker and case loaded)."""
    if staff is None or not staff.is_active or staff.pk == response.worker_id:
        return False
    if staff.pk in (response.supervisor_id, response.worker.line_manager_id):
        return True
    return (
        staff.role == Role.TEAM_MANAGER
        and staff.team_id is not None
        and staff.team_id == response.case.team_id
    )


def can_agree(staff: Staff | None, action: RestorativeAction, response: QAResponse) -> bool:
    """A manager who may authorise the response agrees its actions are resolved: never the
    action's own owner."""
    return staff is not None and staff.pk != action.owner_id and can_authorise(staff, response)


def can_resolve(staff: Staff | None, action: RestorativeAction, response: QAResponse) -> bool:
    """The action's owner (the response's worker if it has none) answers it on its own."""
    if staff is None or not staff.is_active:
        return False
    return staff.pk == (action.owner_id or response.worker_id)
