"""Which tool goes with which reason, and whose audit each is: the rules `audit_start` applies
on top of who may audit at all (`policy.audit_refusal`). docs/procedure.md, section 2.

- The Closure Record is for closure audits, and a closure audit uses the Closure Record.
- The Carers tool is for carers' audits of a carer household (foster carers, adopters), and a
  carers' audit uses the Carers tool.
- The IRO tool is for an Independent Reviewing Officer's audits (reason "IRO review"), the
  CP Chair tool for a Child Protection Chair's (reason "CP Chair"): only those roles use them,
  and those reasons need them. A TAC audit uses the TAC tool.
- A peer audit is done by a Practice Supervisor (of a case in their own team, not one they
  supervise), a Team Manager (never of their own team), a CSM (never of their own service),
  an AD or the Director (never of a case they supervise).
- A Lead Member's audit is a campaign's ("Thematic audit"), with the campaign's tool
  (`policy.audit_refusal` keeps them to the tool).

Each refusal says why, on the field to change ("tool" or "reason").
"""

from caseaudit.audit_tools.models import Tool
from caseaudit.cases.models import Case
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import CAMPAIGN_ONLY_ROLES, PEER_AUDIT_ROLES, Role

from .models import AuditReason

CLOSURE_TOOL, CARERS_TOOL, IRO_TOOL, CP_CHAIR_TOOL, TAC_TOOL = (
    "closure",
    "carers",
    "iro",
    "cp-chair",
    "tac",
)
# A tool kept for one reason: it is used for that reason only.
TOOL_REASON: dict[str, str] = {
    CLOSURE_TOOL: AuditReason.CLOSURE,
    CARERS_TOOL: AuditReason.CARERS,
    IRO_TOOL: AuditReason.IRO,
    CP_CHAIR_TOOL: AuditReason.CP_CHAIR,
}
# A reason that needs one tool.
REASON_TOOL: dict[str, str] = {
    AuditReason.CLOSURE: CLOSURE_TOOL,
    AuditReason.CARERS: CARERS_TOOL,
    AuditReason.IRO: IRO_TOOL,
    AuditReason.CP_CHAIR: CP_CHAIR_TOOL,
    AuditReason.TAC: TAC_TOOL,
}
# A tool kept for one role's audits.
TOOL_ROLE: dict[str, str] = {IRO_TOOL: Role.IRO, CP_CHAIR_TOOL: Role.CP_CHAIR}


def _reason_label(reason: str) -> str:
    return str(AuditReason(reason).label)


def tool_refusal(*, staff: Staff, case: Case, tool: Tool) -> str | None:
    """Why `staff` may not use `tool` on `case`, whatever the reason; None if they may."""
    role = TOOL_ROLE.get(tool.code)
    if role is not None and staff.role != role:
        return f"The {tool.name} is for {Role(role).label}s’ own audits only."
    if tool.code == CARERS_TOOL and not case.is_carer:
        return f"The {tool.name} is only for foster carer and adopter households."
    return None


def _peer_refusal(staff: Staff, case: Case) -> str | None:
    """Why a peer audit of `case` is not `staff`'s to do; None if it is."""
    if staff.role not in PEER_AUDIT_ROLES:
        return (
            f"Peer audits are done by Practice Supervisors and managers, not as "
            f"{staff.get_role_display()}: choose another reason."
        )
    worker = case.allocated_worker
    if worker is not None and worker.line_manager_id == staff.pk:
        return "A peer audit is never of a case you supervise: choose another reason."
    if staff.role == Role.PRACTICE_SUPERVISOR and case.team_id != staff.team_id:
        return (
            "A Practice Supervisor’s peer audit is of another Practice Supervisor’s case in "
            "their own team: choose another reason."
        )
    if staff.role == Role.TEAM_MANAGER and case.team_id == staff.team_id:
        return (
            "A Team Manager’s peer audit is never of their own team’s case: choose another "
            "reason (for example “Permissive audit”)."
        )
    if staff.role == Role.SERVICE_MANAGER:
        area = staff.effective_service_area_id
        if area is not None and case.team.service_area_id == area:
            return (
                "A Children’s Service Manager’s peer audit is never of their own service’s "
                "case: choose another reason (for example “Permissive audit”)."
            )
    return None


def reason_refusal(
    *, staff: Staff, case: Case, tool: Tool, reason: str, tool_names: dict | None = None
) -> str | None:
    """Why `reason` does not go with `tool` (or is not `staff`'s for `case`); None if it does.
    `tool_names` (code: name), if at hand, saves looking up the name of the tool needed."""
    kept_for = TOOL_REASON.get(tool.code)
    if kept_for is not None and reason != kept_for:
        return (
            f"The {tool.name} is used only with the reason “{_reason_label(kept_for)}”: "
            "choose that reason, or another tool."
        )
    needs = REASON_TOOL.get(reason)
    if needs is not None and tool.code != needs:
        if tool_names is not None:
            needed = tool_names.get(needs, needs)
        else:
            needed = Tool.objects.filter(code=needs).values_list("name", flat=True).first() or needs
        return (
            f"The reason “{_reason_label(reason)}” goes with the {needed}: choose that tool, "
            "or another reason."
        )
    if staff.role in CAMPAIGN_ONLY_ROLES and reason != AuditReason.THEMATIC:
        return (
            f"A {staff.get_role_display()} audits for a campaign only: choose the reason "
            f"“{_reason_label(AuditReason.THEMATIC)}”."
        )
    if reason == AuditReason.PEER:
        return _peer_refusal(staff, case)
    return None


def start_refusal(*, staff: Staff, case: Case, tool: Tool, reason: str) -> dict[str, str]:
    """The start's problems by field ("tool", "reason"); empty when the audit may start."""
    problem = tool_refusal(staff=staff, case=case, tool=tool)
    if problem:
        return {"tool": problem}
    problem = reason_refusal(staff=staff, case=case, tool=tool, reason=reason)
    return {"reason": problem} if problem else {}


def reasons_for(*, staff: Staff, case: Case, tools) -> list[tuple[str, str]]:
    """The reasons (value, label) that go with at least one of `tools` for `staff` on `case`,
    in the order of `AuditReason`: the start form's choices."""
    reasons = []
    names = {tool.code: tool.name for tool in tools}
    for value, label in AuditReason.choices:
        if any(
            reason_refusal(staff=staff, case=case, tool=tool, reason=value, tool_names=names)
            is None
            for tool in tools
        ):
            reasons.append((value, label))
    return reasons
