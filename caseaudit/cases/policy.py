"""Who may do what with a case, checked on one loaded case (the pages and services ask these).

The query form of the same rules: `caseaudit.audits.policy.case_managed_q` (the cases a manager
manages); `tests/test_policy_agreement.py` checks the two agree for every persona.
"""

from caseaudit.core.typing import Actor
from caseaudit.organisation.roles import CLOSE_ROLES, Role
from caseaudit.organisation.selectors import staff_for_user

from .models import Case
from .selectors import is_data_protection_officer


def can_close(user: Actor, case: Case) -> bool:
    """Whether `user` may close `case` (whether or not its closure gate is open yet).

    The rule of `caseaudit.audits.policy.case_managed_q` for `CLOSE_ROLES`, checked on the
    loaded case (its team) so the case page asks the database nothing more.
    """
    staff = staff_for_user(user)
    if staff is None or not staff.is_active or staff.role not in CLOSE_ROLES:
        return False
    if staff.role == Role.TEAM_MANAGER:
        return staff.team_id is not None and case.team_id == staff.team_id
    if staff.role == Role.SERVICE_MANAGER:
        area = staff.effective_service_area_id
        return area is not None and case.team.service_area_id == area
    return True  # an Assistant Director or the Director: every case


def can_view_access_log(user: Actor, case: Case) -> bool:
    """Who sees "who has accessed this case": the case's managers (its Practice Supervisor,
    the team's Team Manager, the service's Children's Service Manager, an Assistant Director,
    the Director) and the data protection officer. Checked on the loaded case (`case_get`
    loads its worker and team), so the case page asks the database nothing more."""
    if is_data_protection_officer(user):
        return True
    staff = staff_for_user(user)
    if staff is None or not staff.is_active:
        return False
    role = staff.role
    if role in (Role.ASSISTANT_DIRECTOR, Role.DIRECTOR):
        return True
    if role == Role.PRACTICE_SUPERVISOR:
        worker = case.allocated_worker
        return worker is not None and worker.line_manager_id == staff.pk
    if role == Role.TEAM_MANAGER:
        return staff.team_id is not None and case.team_id == staff.team_id
    if role == Role.SERVICE_MANAGER:
        area = staff.effective_service_area_id
        return area is not None and case.team.service_area_id == area
    return False
