"""Who may see and run the periodic jobs."""

from caseaudit.core.typing import Actor
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import staff_for_user


def jobs_allowed(user: Actor) -> bool:
    """System administrators (staff with the admin role) and superusers."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.is_active and staff.role == Role.ADMIN
