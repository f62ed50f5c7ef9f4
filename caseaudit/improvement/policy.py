"""Who may do what with findings reports, improvement actions and good practice.

Findings reports
- Written by the Performance Assurance Team (any scope; administrators too) or a Children's
  Service Manager (their own service, or a team in it). The author, and for a report written
  by Performance Assurance any member of it, edits the draft, sends it for review to a named
  senior manager (`reviewer_candidates`) and publishes it once approved.
- A draft (or one in review) is read by its author, its reviewer and Performance Assurance.
- A published report is read by the managers in its scope who have the findings report
  (`reports.scope`: not practitioners, nor Business Support): the authority's report by all of
  them; a service's by its CSM and the managers of its teams; a team's by its TM and PSs and
  the service's CSM; Assistant Directors, the Director, Performance Assurance and
  administrators read every one.
Improvement actions
- Read by whoever reads their (published) report, and by their owner; progress is recorded
  by the owner, the report's author or Performance Assurance.
Good practice
- Put forward by the audit's auditor (a completed audit with good practice written).
- Shared or declined by a manager of the case (its TM, the service's CSM, an AD or the
  Director: `audits.policy.case_managed_q` with ACKNOWLEDGE_ROLES), never by whoever put it
  forward.
- The library shows shared good practice to staff of the service it came from; staff outside
  any service (authority-wide roles, IROs, CP Chairs, commissioned auditors) see it all.
"""

from django.db.models import Q

from caseaudit.audits.models import Audit
from caseaudit.audits.policy import case_managed_q
from caseaudit.cases.models import Case
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import (
    ACKNOWLEDGE_ROLES,
    AUTHORITY_WIDE_ROLES,
    FINDINGS_AUTHOR_ROLES,
    FINDINGS_REVIEWER_ROLES,
    Role,
)
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.reports.scope import report_scope

from .models import (
    FindingsReport,
    GoodPractice,
    GoodPracticeStatus,
    ImprovementAction,
    ReportStatus,
    ScopeKind,
)

NOTHING = Q(pk__in=[])
# Who writes findings reports for the whole authority (any scope), and the senior managers
# who may review one (`reviewer_candidates` narrows by scope): organisation/roles.py.
PERFORMANCE_TEAM = FINDINGS_AUTHOR_ROLES
REVIEWER_SET = FINDINGS_REVIEWER_ROLES


def _staff(user: Actor) -> Staff | None:
    staff = staff_for_user(user)
    return staff if staff is not None and staff.is_active else None


def is_performance_team(staff: Staff | None) -> bool:
    return staff is not None and staff.role in PERFORMANCE_TEAM


def can_author(user: Actor) -> bool:
    """Whether `user` may start findings reports (Performance Assurance, a CSM)."""
    staff = _staff(user)
    return staff is not None and (
        is_performance_team(staff)
        or (staff.role == Role.SERVICE_MANAGER and staff.effective_service_area_id is not None)
    )


def can_author_scope(
    staff: Staff, *, kind: str, service_id: int | None, team_service_id: int | None
) -> bool:
    """Whether `staff` may write a report of this scope (a team's: `team_service_id` is its
    service)."""
    if is_performance_team(staff):
        return True
    if staff.role != Role.SERVICE_MANAGER:
        return False
    area = staff.effective_service_area_id
    if kind == ScopeKind.SERVICE:
        return area is not None and service_id == area
    if kind == ScopeKind.TEAM:
        return area is not None and team_service_id == area
    return False


def can_edit_report(user: Actor, report: FindingsReport) -> bool:
    """The author (or, for Performance Assurance's reports, any of them) while a draft."""
    return report.is_editable and _is_owner_side(_staff(user), report)


def _is_owner_side(staff: Staff | None, report: FindingsReport) -> bool:
    if staff is None:
        return False
    if staff.pk == report.author_id:
        return True
    return is_performance_team(staff) and report.author.role in PERFORMANCE_TEAM


def can_send_for_review(user: Actor, report: FindingsReport) -> bool:
    return can_edit_report(user, report)


def can_review(user: Actor, report: FindingsReport) -> bool:
    staff = _staff(user)
    return (
        report.status == ReportStatus.IN_REVIEW
        and staff is not None
        and staff.pk == report.reviewer_id
    )


def can_publish(user: Actor, report: FindingsReport) -> bool:
    return report.status == ReportStatus.APPROVED and _is_owner_side(_staff(user), report)


def reviewer_q(report: FindingsReport) -> Q:
    """On Staff: the senior managers who may review `report` (not its author): an AD or the
    Director for any report, the CSM of the service for a service's or a team's."""
    q = Q(role__in=(Role.ASSISTANT_DIRECTOR, Role.DIRECTOR))
    if report.scope_kind != ScopeKind.AUTHORITY and report.service_id:
        q |= Q(role=Role.SERVICE_MANAGER) & (
            Q(service_area_id=report.service_id)
            | Q(service_area__isnull=True, team__service_area_id=report.service_id)
        )
    return q & Q(left_on__isnull=True) & ~Q(pk=report.author_id)


def _reader_published_q(staff: Staff) -> Q:
    """On FindingsReport: the published reports `staff` reads as a manager in their scope."""
    scope = report_scope(staff.user)
    if scope is None or "findings" not in scope.reports:
        return NOTHING
    if scope.authority_wide or staff.role in AUTHORITY_WIDE_ROLES:
        return Q(status=ReportStatus.PUBLISHED)
    area = staff.effective_service_area_id
    q = Q(scope_kind=ScopeKind.AUTHORITY)
    if area:
        q |= Q(scope_kind=ScopeKind.SERVICE, service_id=area)
        if staff.role == Role.SERVICE_MANAGER:
            q |= Q(scope_kind=ScopeKind.TEAM, service_id=area)
    if staff.team_id:
        q |= Q(scope_kind=ScopeKind.TEAM, team_id=staff.team_id)
    return Q(status=ReportStatus.PUBLISHED) & q


def report_visible_q(user: Actor) -> Q:
    """On FindingsReport: the reports `user` may open (drafts: author, reviewer, the
    Performance Assurance Team; published: the managers in scope)."""
    staff = _staff(user)
    if staff is None:
        return NOTHING
    unpublished = ~Q(status=ReportStatus.PUBLISHED)
    if is_performance_team(staff):
        drafts = unpublished
    else:
        drafts = unpublished & (Q(author=staff) | Q(reviewer=staff))
    return drafts | _reader_published_q(staff)


def can_read_report(user: Actor, report: FindingsReport) -> bool:
    return FindingsReport.objects.filter(report_visible_q(user), pk=report.pk).exists()


def action_visible_q(user: Actor) -> Q:
    """On ImprovementAction: the actions of published reports the user reads, and their own."""
    staff = _staff(user)
    if staff is None:
        return NOTHING
    published = Q(report__status=ReportStatus.PUBLISHED)
    return published & (
        Q(report__in=FindingsReport.objects.filter(_reader_published_q(staff)).values("pk"))
        | Q(owner=staff)
    )


def can_update_action(user: Actor, action: ImprovementAction) -> bool:
    """The owner, the report's author or Performance Assurance, on a published report."""
    staff = _staff(user)
    if staff is None or action.report.status != ReportStatus.PUBLISHED:
        return False
    return staff.pk in (action.owner_id, action.report.author_id) or is_performance_team(staff)


def can_view_actions(user: Actor) -> bool:
    """The board of improvement actions: staff who read reports, or own an action."""
    staff = _staff(user)
    if staff is None:
        return False
    return (
        _reader_published_q(staff) != NOTHING
        or is_performance_team(staff)
        or ImprovementAction.objects.filter(owner=staff).exists()
    )


# --- good practice ------------------------------------------------------------------------


def can_put_forward(user: Actor, audit: Audit) -> bool:
    """The audit's auditor, once it is completed with good practice written."""
    staff = _staff(user)
    return (
        staff is not None
        and staff.pk == audit.auditor_id
        and audit.is_completed
        and bool(audit.good_practice.strip())
    )


def good_practice_decider_q(staff: Staff | None) -> Q:
    """On GoodPractice: the items `staff` decides as a manager of the case."""
    if staff is None:
        return NOTHING
    cases = Case.objects.filter(case_managed_q(staff, ACKNOWLEDGE_ROLES)).values("pk")
    return Q(audit__case__in=cases) & ~Q(put_forward_by=staff)


def can_decide_good_practice(user: Actor, item: GoodPractice) -> bool:
    staff = _staff(user)
    return (
        item.status == GoodPracticeStatus.PUT_FORWARD
        and GoodPractice.objects.filter(good_practice_decider_q(staff), pk=item.pk).exists()
    )


def library_q(user: Actor) -> Q:
    """On GoodPractice: the shared items in the user's library."""
    staff = _staff(user)
    if staff is None:
        return NOTHING
    shared = Q(status=GoodPracticeStatus.SHARED)
    area = staff.effective_service_area_id
    if staff.role in AUTHORITY_WIDE_ROLES or area is None:
        return shared
    return shared & Q(team__service_area_id=area)


def can_decide_any_good_practice(user: Actor) -> bool:
    staff = _staff(user)
    return staff is not None and staff.role in ACKNOWLEDGE_ROLES
