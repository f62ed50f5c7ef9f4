"""Who may manage whose account: the privilege ranks of accounts and roles."""

from django.core.exceptions import ObjectDoesNotExist

from caseaudit.core.typing import Actor, User
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import staff_for_user

# Privilege of an account, highest first. Nobody creates, changes or disables an account that
# ranks above their own, nor gives a role that ranks above their own (see can_manage_account).
RANK_ADMINISTRATOR = 100  # a system administrator: Role.ADMIN staff, or a Django superuser
RANK_PERFORMANCE = 50  # Performance Assurance: manages ordinary staff accounts (the staff import)
RANK_STAFF = 10  # every other role
RANK_NONE = 0  # no account, a disabled account, or a member of staff who has left


def role_rank(role: str) -> int:
    """The privilege a role carries (caseaudit.organisation.roles.Role)."""
    if role == Role.ADMIN:
        return RANK_ADMINISTRATOR
    if role == Role.PERFORMANCE:
        return RANK_PERFORMANCE
    return RANK_STAFF


def _staff_of(user: User) -> Staff | None:
    try:
        return user.staff
    except ObjectDoesNotExist:
        return None


def account_privilege_rank(user: Actor | None) -> int:
    """The privilege an account holds, as an actor: what it may do to other accounts.

    - RANK_ADMINISTRATOR: a superuser, or active staff with the System administrator role;
    - RANK_PERFORMANCE: active Performance Assurance staff;
    - RANK_STAFF: any other active member of staff;
    - RANK_NONE: anonymous, disabled, no staff record, or staff who have left.
    Django's `is_staff` flag (admin-site access) alone gives no privilege over accounts."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return RANK_NONE
    if user.is_superuser:
        return RANK_ADMINISTRATOR
    staff = staff_for_user(user)  # the active staff record (cached on the user)
    return role_rank(staff.role) if staff is not None else RANK_NONE


def account_target_rank(user: User) -> int:
    """The privilege an account holds, as a target: how much it takes to change it.

    Counted generously, so nothing privileged slips below an actor: a superuser, an account
    with Django admin-site access (`is_staff`) or a System administrator (even one who has
    left, or whose account is disabled) ranks as an administrator; otherwise the rank of the
    staff record's role (RANK_STAFF without one)."""
    if user.is_superuser or user.is_staff:
        return RANK_ADMINISTRATOR
    staff = _staff_of(user)
    return role_rank(staff.role) if staff is not None else RANK_STAFF


def can_manage_account(*, actor: Actor | None, target: User) -> bool:
    """May `actor` create, change or disable the account `target`?

    The ordering: system administrators (Role.ADMIN staff, superusers) above Performance
    Assurance above everyone else. Only administrators and Performance Assurance manage
    accounts at all, and never one that ranks above their own: so only an administrator
    touches an administrator's, a superuser's or any admin-site account, and Performance
    Assurance (through the staff import) manages ordinary staff and Performance Assurance
    accounts. `target` may be an unsaved User (creating one)."""
    rank = account_privilege_rank(actor)
    if rank < RANK_PERFORMANCE:
        return False
    return account_target_rank(target) <= rank


def can_grant_role(*, actor: Actor | None, role: str) -> bool:
    """May `actor` give someone `role`? Nobody gives a role above their own."""
    rank = account_privilege_rank(actor)
    return rank >= RANK_PERFORMANCE and role_rank(role) <= rank
