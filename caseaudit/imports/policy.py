"""Who may import what (the role sets are in `caseaudit.organisation.roles`).

- System administrators and the Performance Assurance Team (`IMPORT_ROLES`, and superusers):
  every import, over the whole authority (they already see every case), and the whole history.
- Business Support (`TEAM_CASE_IMPORT_ROLES`): case lists for their own team only (the team on
  their staff record; none without one): a row for a case of another team, or that would move
  a case into or out of their team, is refused (`import_case_team_ids`, checked by the case
  plan). Never the staff list: it creates accounts and gives roles, and the privilege ranks
  (`caseaudit.accounts.policy`: administrators, then Performance Assurance, then everyone
  else) let nobody below Performance Assurance manage an account or give a role at all. Of the
  history, their own imports only (another's run names cases of other teams).
- The command line (`by` None) imports anything.
"""

from django.db.models import Q

from caseaudit.core.typing import Actor, By
from caseaudit.organisation.roles import IMPORT_ROLES, TEAM_CASE_IMPORT_ROLES
from caseaudit.organisation.selectors import staff_for_user

from .models import ImportKind

NOTHING = Q(pk__in=[])


def _role(user: Actor) -> str | None:
    staff = staff_for_user(user)
    return staff.role if staff is not None else None


def _imports_everything(user: Actor) -> bool:
    return user.is_authenticated and (user.is_superuser or _role(user) in IMPORT_ROLES)


def import_allowed(user: Actor) -> bool:
    """Whether `user` may use the import pages at all (and see the import history: their own
    runs or every run, `import_runs_q`)."""
    if not user.is_authenticated:
        return False
    return _imports_everything(user) or _role(user) in TEAM_CASE_IMPORT_ROLES


def can_import(user: Actor, kind: str) -> bool:
    """Whether `user` may import a list of `kind` (`ImportKind`): the staff list only the
    importers of everything; case lists Business Support too (their team's)."""
    if _imports_everything(user):
        return True
    return kind == ImportKind.CASES and import_allowed(user)


def import_case_team_ids(by: By) -> frozenset[int] | None:
    """The teams whose cases a case import by `by` may create or change: None for any team
    (administrators, Performance Assurance, the command line), their own team for Business
    Support, no team for anyone else."""
    if by is None or _imports_everything(by):
        return None
    staff = staff_for_user(by)
    if staff is None or staff.role not in TEAM_CASE_IMPORT_ROLES or not staff.team_id:
        return frozenset()
    return frozenset({staff.team_id})


def import_runs_q(user: Actor) -> Q:
    """A filter on `ImportRun`: the runs whose page the user may open: every run for those who
    import everything, their own for Business Support, none for anyone else."""
    if _imports_everything(user):
        return Q()
    if import_allowed(user):
        return Q(by_id=user.pk)
    return NOTHING
