"""Who may do what with audit tools. Tools hold no information about children, so every
signed-in member of staff may read the published (and retired) versions; drafts, editing,
publishing and import are for system administrators and the Performance Assurance Team;
the scaling bands (which decide what raises an urgent finding) for administrators only."""

from caseaudit.organisation.roles import TOOL_EDITOR_ROLES, Role
from caseaudit.organisation.selectors import staff_for_user


def tools_can_read(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or staff_for_user(user) is not None


def tools_can_edit(user) -> bool:
    return _superuser_or_role_in(user, TOOL_EDITOR_ROLES)


def bands_can_edit(user) -> bool:
    return _superuser_or_role_in(user, {Role.ADMIN})


def _superuser_or_role_in(user, roles) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.role in roles
