"""Who may do what with audits: the rules, in one place (the role sets are in
`caseaudit.organisation.roles`).

Who may audit (docs/procedure.md) is `can_audit` (`audit_refusal` says why not); who may
edit a draft is `can_edit` (the auditor), and discard it `can_discard` (the auditor, a
draft never completed: `discard_refusal` says why not); who may reopen is `can_reopen`; who
may acknowledge an
urgent finding is `can_acknowledge`, and who may withdraw one `can_withdraw` (its auditor).
Their query forms, `case_managed_q` and `finding_case_q`, filter cases by the same rules
(`tests/test_policy_agreement.py` checks they agree).
"""

from django.db.models import Q

from caseaudit.audit_tools.models import Tool
from caseaudit.cases.models import Case
from caseaudit.cases.selectors import case_assignment_tools, case_visible_qs
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import (
    ACKNOWLEDGE_ROLES,
    AUDITOR_ROLES,
    CAMPAIGN_ONLY_ROLES,
    REOPEN_ROLES,
    Role,
)
from caseaudit.organisation.selectors import staff_for_user

from .models import Audit, AuditStatus, UrgentFinding

NOTHING = Q(pk__in=[])
# Roles limited to one tool (their tool's code).
ROLE_TOOLS: dict[str, str] = {Role.IRO: "iro", Role.CP_CHAIR: "cp-chair"}


# --- Queries ----------------------------------------------------------------------------


def case_managed_q(staff: Staff | None, roles: frozenset[Role] = REOPEN_ROLES) -> Q:
    """A filter on cases for those `staff` manages in one of `roles`: a Team Manager their
    team's, a Children's Service Manager their service's, the others every case."""
    if staff is None or not staff.is_active or staff.role not in roles:
        return NOTHING
    if staff.role == Role.TEAM_MANAGER:
        return Q(team_id=staff.team_id) if staff.team_id else NOTHING
    if staff.role == Role.SERVICE_MANAGER:
        area = staff.effective_service_area_id
        return Q(team__service_area_id=area) if area else NOTHING
    return Q()


def finding_case_q(staff: Staff | None) -> Q:
    """A filter on cases whose urgent findings `staff` is responsible for acknowledging: the
    case's Team Manager, its Practice Supervisor, the service's CSM, an AD or the Director."""
    if staff is None or not staff.is_active:
        return NOTHING
    managed = case_managed_q(staff, ACKNOWLEDGE_ROLES)
    if not managed:  # every case (an empty Q would vanish from an OR)
        return managed
    return Q(allocated_worker__line_manager=staff) | managed


# --- Predicates -------------------------------------------------------------------------


def case_visible_to(staff: Staff, case: Case, user: Actor | None = None) -> bool:
    """Whether `staff` may see `case` (`user`, their signed-in user if at hand, saves a query)."""
    if user is None or user.pk != staff.user_id:
        user = staff.user
    return case_visible_qs(user).filter(pk=case.pk).exists()


def audit_refusal(
    staff: Staff | None,
    case: Case,
    *,
    tool_code: str | None = None,
    check_visible: bool = True,
    user: Actor | None = None,
) -> str | None:
    """Why `staff` may not audit `case` (with the tool `tool_code`, if given); None if they may.

    The rule: a current member of staff in an auditing role who can see the case and is not
    its allocated worker; IROs use only the IRO tool and Child Protection Chairs only theirs.
    A Lead Member audits only a case assigned to them in a live campaign, with its tool.
    `user` (the staff's signed-in user, if at hand) saves looking it up again.
    """
    if staff is None or not staff.is_active:
        return "Only current members of staff can audit a case."
    if case.closed_on is not None:
        return "This case is closed, so it cannot be audited."
    if case.allocated_worker_id == staff.pk:
        return "You cannot audit a case allocated to you."
    if staff.role in CAMPAIGN_ONLY_ROLES:
        # A Lead Member audits only the cases assigned to them in a live campaign, with its
        # tool (the case scope shows them no other case).
        tools = case_assignment_tools(staff=staff, case=case)
        if not tools:
            return "You audit only the cases allocated to you in a campaign that is running."
        if tool_code is not None and tool_code not in tools:
            names = ", ".join(
                sorted(Tool.objects.filter(code__in=tools).values_list("name", flat=True))
            )
            return f"In this campaign the case is audited with the {names or 'campaign’s tool'}."
        return None
    if staff.role not in AUDITOR_ROLES:
        return f"Your role ({staff.get_role_display()}) does not audit cases."
    only_tool = ROLE_TOOLS.get(staff.role)
    if only_tool and tool_code is not None and tool_code != only_tool:
        tool = Tool.objects.filter(code=only_tool).first()
        return f"As {staff.get_role_display()} you audit with the {tool or only_tool} only."
    if check_visible and not case_visible_to(staff, case, user):
        return "You cannot see this case, so you cannot audit it."
    return None


def can_audit(staff: Staff | None, case: Case, *, tool_code: str | None = None) -> bool:
    """Whether `staff` may start an audit of `case` (see `audit_refusal` for the rule)."""
    return audit_refusal(staff, case, tool_code=tool_code) is None


def can_edit(user: Actor, audit: Audit) -> bool:
    """Only the auditor writes their audit (in as many windows as they like: `revision`
    keeps those from overwriting each other)."""
    staff = staff_for_user(user)
    return staff is not None and staff.pk == audit.auditor_id


def can_reopen(user: Actor, audit: Audit) -> bool:
    """A Team Manager, CSM, AD, the Director or Performance Assurance, for a case they manage."""
    staff = staff_for_user(user)
    if staff is None or staff.role not in REOPEN_ROLES:
        return False
    return Case.objects.filter(pk=audit.case_id).filter(case_managed_q(staff)).exists()


def can_acknowledge(user: Actor, finding: UrgentFinding) -> bool:
    """The case's Team Manager or Practice Supervisor, the service's CSM, an AD or the Director."""
    staff = staff_for_user(user)
    if staff is None:
        return False
    return Case.objects.filter(pk=finding.case_id).filter(finding_case_q(staff)).exists()


def can_withdraw(user: Actor, finding: UrgentFinding) -> bool:
    """The auditor of the finding's audit (a current member of staff), who raised it: they
    withdraw a finding raised in error (`findings.urgent_finding_withdraw`), never a manager."""
    staff = staff_for_user(user)
    return staff is not None and staff.pk == finding.audit.auditor_id


def discard_refusal(*, user: Actor, audit: Audit) -> str | None:
    """Why `user` may not discard `audit` (as it was read); None if they may."""
    if not can_edit(user, audit):
        return "Only the auditor can discard their draft."
    if audit.status == AuditStatus.COMPLETED:
        return "This audit is completed, so it cannot be discarded."
    if audit.status == AuditStatus.DISCARDED:
        return "This draft has already been discarded."
    if audit.reopened_at is not None:
        return (
            "This audit was completed and then reopened, so it cannot be discarded: complete "
            "it again."
        )
    return None


def can_discard(user: Actor, audit: Audit) -> bool:
    return discard_refusal(user=user, audit=audit) is None
