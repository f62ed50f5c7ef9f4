"""Who may import: system administrators and the Performance Assurance Team (and superusers).
Imports load the authority's whole case register, so only roles that already see every case
may use them (`caseaudit.organisation.roles.IMPORT_ROLES`)."""

from caseaudit.core.typing import Actor
from caseaudit.organisation.roles import IMPORT_ROLES
from caseaudit.organisation.selectors import staff_for_user


def import_allowed(user: Actor) -> bool:
    """Whether `user` may use the import pages (and see the import history)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.role in IMPORT_ROLES
