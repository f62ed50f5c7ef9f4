"""Who may manage the API's tokens and service accounts."""

from caseaudit.core.typing import Actor
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import staff_for_user


def can_manage_tokens(user: Actor) -> bool:
    """System administrators (and superusers) issue and revoke API tokens."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.role == Role.ADMIN
