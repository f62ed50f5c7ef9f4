"""Who may see and change the monthly audit programme (the role sets are in
`caseaudit.organisation.roles`)."""

from caseaudit.core.typing import Actor
from caseaudit.organisation.roles import PROGRAMME_EDIT_ROLES, PROGRAMME_VIEW_ROLES
from caseaudit.organisation.selectors import staff_for_user


def can_view_programme(user: Actor) -> bool:
    """Senior managers, Performance Assurance, administrators and CSMs see the whole programme."""
    staff = staff_for_user(user)
    return user.is_superuser or (staff is not None and staff.role in PROGRAMME_VIEW_ROLES)


def can_edit_programme(user: Actor) -> bool:
    """Performance Assurance and administrators generate, change and confirm it."""
    staff = staff_for_user(user)
    return user.is_superuser or (staff is not None and staff.role in PROGRAMME_EDIT_ROLES)
