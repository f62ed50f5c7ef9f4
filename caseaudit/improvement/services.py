"""Writes of findings reports, improvement actions and good practice. Each runs in one
transaction, records who did it, and moves a lifecycle by compare-and-set: two people acting
at once, one wins and the other gets `TransitionConflict`.

A findings report: draft (the author writes its overview and numbered recommendations, each
with an owner and a due date) -> in review (a named senior manager, told by
FINDINGS_REPORT_REVIEW) -> approved, or returned to draft with a comment -> published: its
figures are computed one last time and stored (a fixed version, with the date), its
recommendations become tracked improvement actions (their owners told), and the managers in
its scope are told (FINDINGS_REPORT_PUBLISHED).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.models import Theme
from caseaudit.audits.models import Audit
from caseaudit.core.exceptions import TransitionConflict, not_allowed
from caseaudit.core.typing import User
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.models import ServiceArea, Staff, Team
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import staff_acting, team_accountable_managers
from caseaudit.reports.scope import report_scope

from . import policy
from .models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    ActionUpdate,
    FindingsReport,
    GoodPractice,
    GoodPracticeStatus,
    ImprovementAction,
    ReportEvent,
    ReportEventKind,
    ReportStatus,
    ScopeKind,
)
from .selectors import previous_actions_rows, previous_report_of
from .snapshot import compute_snapshot

RECOMMENDATIONS_MAX = 10


def _event(
    report: FindingsReport, kind: str, by: User | None, now: dt.datetime, **detail: Any
) -> None:
    ReportEvent.objects.create(report=report, kind=kind, at=now, by=by, detail=detail)


def _long(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


# --- findings reports --------------------------------------------------------------------------


def report_create(
    *,
    by: User,
    title: str,
    scope_kind: str,
    service: ServiceArea | None,
    team: Team | None,
    period_start: dt.date,
    period_end: dt.date,
) -> FindingsReport:
    """Start a draft findings report of a period and scope."""
    staff = staff_acting(by)
    if scope_kind == ScopeKind.TEAM:
        if team is None:
            raise ValidationError({"team": "Choose the team"})
        service = team.service_area
    elif scope_kind == ScopeKind.SERVICE:
        if service is None:
            raise ValidationError({"service": "Choose the service"})
        team = None
    else:
        service = team = None
    if not policy.can_author_scope(
        staff,
        kind=scope_kind,
        service_id=service.pk if service else None,
        team_service_id=team.service_area_id if team else None,
    ):
        raise not_allowed("You may not write a findings report of this scope.")
    if period_start > period_end:
        raise ValidationError({"period_end": "The period must end on or after the day it starts"})
    now = timezone.now()
    with transaction.atomic():
        report = FindingsReport.objects.create(
            title=title.strip() or "Findings report",
            scope_kind=scope_kind,
            service=service,
            team=team,
            period_start=period_start,
            period_end=period_end,
            author=staff,
            created_at=now,
            updated_at=now,
        )
        _event(report, ReportEventKind.CREATED, by, now)
    return report


@dataclass(frozen=True)
class RecommendationIn:
    text: str
    owner: Staff
    due_on: dt.date
    theme: Theme | None = None


def report_save(
    *,
    report: FindingsReport,
    by: User,
    revision: int,
    title: str,
    overview: str,
    recommendations: Sequence[RecommendationIn],
) -> FindingsReport:
    """Save the draft's title, overview and numbered recommendations (replacing the ones it
    had, numbered in the order given). Refused unless the draft is still at `revision`."""
    if not policy.can_edit_report(by, report):
        raise not_allowed("Only the author may edit this report while it is a draft.")
    if len(recommendations) > RECOMMENDATIONS_MAX:
        raise ValidationError(f"A report has at most {RECOMMENDATIONS_MAX} recommendations.")
    now = timezone.now()
    with transaction.atomic():
        moved = FindingsReport.objects.filter(
            pk=report.pk, status=ReportStatus.DRAFT, revision=revision
        ).update(
            title=title.strip() or report.title,
            overview=overview.strip(),
            updated_at=now,
            revision=F("revision") + 1,
        )
        if not moved:
            raise TransitionConflict(
                "Someone else changed this report since you opened it: your changes were not "
                "saved. Open it again to see theirs."
            )
        report.actions.all().delete()
        ImprovementAction.objects.bulk_create(
            [
                ImprovementAction(
                    report=report,
                    number=n,
                    text=r.text.strip(),
                    owner=r.owner,
                    due_on=r.due_on,
                    theme=r.theme,
                )
                for n, r in enumerate(recommendations, start=1)
            ]
        )
        _event(report, ReportEventKind.EDITED, by, now, recommendations=len(recommendations))
    report.refresh_from_db()
    return report


def report_send_for_review(*, report: FindingsReport, by: User, reviewer: Staff) -> FindingsReport:
    """Send the draft to a named senior manager for review (FINDINGS_REPORT_REVIEW)."""
    if not policy.can_send_for_review(by, report):
        raise not_allowed("Only the author may send this draft for review.")
    if not Staff.objects.filter(policy.reviewer_q(report), pk=reviewer.pk).exists():
        raise ValidationError({"reviewer": "Choose a senior manager of the report's scope"})
    if not report.actions.exists():
        raise ValidationError("Write at least one recommendation before sending it for review.")
    if not report.overview.strip():
        raise ValidationError("Write the overview before sending it for review.")
    now = timezone.now()
    with transaction.atomic():
        moved = FindingsReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).update(
            status=ReportStatus.IN_REVIEW, reviewer=reviewer, review_requested_at=now
        )
        if not moved:
            raise TransitionConflict("This report is no longer a draft.")
        _event(report, ReportEventKind.SENT_FOR_REVIEW, by, now, reviewer=reviewer.name)
        notify(
            recipient=reviewer,
            kind=NotificationKind.FINDINGS_REPORT_REVIEW,
            subject=f"Findings report for your review: {report.title}",
            body=(
                f"{staff_acting(by).name} asks you to review the findings report “{report.title}” "
                f"({report.scope_label.lower()}, {report.period_label}). Approve it for "
                "publishing or return it with your comments."
            ),
            url=reverse("improvement_report", args=[report.pk]),
            idempotency_key=f"findings-report-review:{report.pk}:{now.isoformat()}",
        )
    report.refresh_from_db()
    return report


def report_review(
    *, report: FindingsReport, by: User, approve: bool, comment: str
) -> FindingsReport:
    """The reviewer approves the report for publishing, or returns it to draft with a comment
    (which the author is told)."""
    if not policy.can_review(by, report):
        raise not_allowed("Only the named reviewer may review this report.")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "Say what should change"})
    now = timezone.now()
    target = ReportStatus.APPROVED if approve else ReportStatus.DRAFT
    with transaction.atomic():
        moved = FindingsReport.objects.filter(pk=report.pk, status=ReportStatus.IN_REVIEW).update(
            status=target,
            reviewed_at=now,
            review_comment=comment.strip(),
            revision=F("revision") + 1,
        )
        if not moved:
            raise TransitionConflict("This report is no longer waiting for review.")
        _event(
            report,
            ReportEventKind.APPROVED if approve else ReportEventKind.RETURNED,
            by,
            now,
            comment=comment.strip(),
        )
        verb = "approved" if approve else "returned for changes"
        notify(
            recipient=report.author,
            kind=NotificationKind.FINDINGS_REPORT_REVIEW,
            subject=f"Findings report {verb}: {report.title}",
            body=(
                f"{staff_acting(by).name} {verb} the findings report “{report.title}”."
                + (f" Their comments: {comment.strip()}" if comment.strip() else "")
                + (" You can publish it now." if approve else "")
            ),
            url=reverse("improvement_report", args=[report.pk]),
            idempotency_key=f"findings-report-reviewed:{report.pk}:{now.isoformat()}",
        )
    report.refresh_from_db()
    return report


def _readers_to_tell(report: FindingsReport) -> list[Staff]:
    """The managers in the report's scope told it is published: Team Managers and CSMs of the
    scope, and the Assistant Directors and the Director."""
    q = Q(role__in=[Role.ASSISTANT_DIRECTOR, Role.DIRECTOR])
    if report.scope_kind == ScopeKind.AUTHORITY:
        q |= Q(role__in=[Role.TEAM_MANAGER, Role.SERVICE_MANAGER])
    elif report.scope_kind == ScopeKind.SERVICE:
        q |= Q(role=Role.TEAM_MANAGER, team__service_area_id=report.service_id)
        q |= Q(role=Role.SERVICE_MANAGER, service_area_id=report.service_id)
    else:
        q |= Q(role=Role.TEAM_MANAGER, team_id=report.team_id)
        q |= Q(role=Role.SERVICE_MANAGER, service_area_id=report.service_id)
    return list(Staff.objects.active().filter(q).select_related("user").order_by("pk"))


def report_publish(
    *, report: FindingsReport, by: User, now: dt.datetime | None = None
) -> FindingsReport:
    """Publish an approved report: freeze its figures (as JSON, with the date), record the
    previous report of its scope and where that one's actions stand, make its recommendations
    tracked improvement actions (their owners told) and tell the managers in its scope."""
    if not policy.can_publish(by, report):
        raise not_allowed("Only the author may publish this report, once it is approved.")
    publisher = staff_acting(by)
    scope = report_scope(by)
    if scope is None:
        raise not_allowed("Reports are not for you.")
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = (
            FindingsReport.objects.select_for_update()
            .filter(pk=report.pk, status=ReportStatus.APPROVED)
            .first()
        )
        if locked is None:
            raise TransitionConflict("This report is no longer waiting to be published.")
        previous = previous_report_of(report=locked)
        snapshot = compute_snapshot(report=locked, scope=scope, today=today)
        snapshot["published_on"] = today.isoformat()
        snapshot["previous"] = (
            None
            if previous is None
            else {
                "id": previous.pk,
                "title": previous.title,
                "published_on": timezone.localdate(previous.published_at).isoformat(),
                "actions": previous_actions_rows(report=previous),
            }
        )
        FindingsReport.objects.filter(pk=locked.pk).update(
            status=ReportStatus.PUBLISHED,
            published_at=now,
            published_by=publisher,
            figures=snapshot,
            previous=previous,
        )
        ImprovementAction.objects.filter(report=locked).update(updated_at=now)
        _event(locked, ReportEventKind.PUBLISHED, by, now)
        url = reverse("improvement_report", args=[locked.pk])
        for action in locked.actions.select_related("owner__user"):
            notify(
                recipient=action.owner,
                kind=NotificationKind.IMPROVEMENT_ACTION_ASSIGNED,
                subject=f"Improvement action for you: recommendation {action.number} of "
                f"{locked.title}",
                body=(
                    f"Recommendation {action.number} of the findings report “{locked.title}” is "
                    f"yours to take forward by {_long(action.due_on)}: {action.text} Record "
                    "progress and evidence on the action's page."
                ),
                url=reverse("improvement_action", args=[action.pk]),
                idempotency_key=f"improvement-action-assigned:{action.pk}",
            )
        for reader in _readers_to_tell(locked):
            notify(
                recipient=reader,
                kind=NotificationKind.FINDINGS_REPORT_PUBLISHED,
                subject=f"Findings report published: {locked.title}",
                body=(
                    f"The findings report “{locked.title}” ({locked.scope_label.lower()}, "
                    f"{locked.period_label}) is published, with "
                    f"{locked.actions.count()} recommendations."
                ),
                url=url,
                idempotency_key=f"findings-report-published:{locked.pk}:{reader.pk}",
            )
    report.refresh_from_db()
    return report


# --- improvement actions -------------------------------------------------------------------------


def action_update(
    *,
    action: ImprovementAction,
    by: User,
    status: str,
    note: str,
    evidence: str = "",
    evidence_url: str = "",
) -> ActionUpdate:
    """Record progress on an improvement action (a note, evidence as text and a link) and its
    status now. Completing it needs evidence."""
    if not policy.can_update_action(by, action):
        raise not_allowed(
            "Only the action's owner, the report's author or Performance "
            "Assurance may record progress."
        )
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a status"})
    if not note.strip():
        raise ValidationError({"note": "Say what has been done"})
    if evidence_url.strip() and not evidence_url.strip().lower().startswith(
        ("https://", "http://")
    ):
        raise ValidationError({"evidence_url": "Enter a web address starting https://"})
    if status == ActionStatus.COMPLETED and not (evidence.strip() or evidence_url.strip()):
        raise ValidationError({"evidence": "Give the evidence that the action is complete"})
    staff = staff_acting(by)
    now = timezone.now()
    with transaction.atomic():
        moved = ImprovementAction.objects.filter(
            pk=action.pk, status__in=OPEN_ACTION_STATUSES
        ).update(
            status=status,
            updated_at=now,
            completed_at=now if status == ActionStatus.COMPLETED else None,
        )
        if not moved:
            raise TransitionConflict("This action is already completed.")
        update = ActionUpdate.objects.create(
            action=action,
            at=now,
            by=staff,
            status=status,
            note=note.strip(),
            evidence=evidence.strip(),
            evidence_url=evidence_url.strip(),
        )
    action.refresh_from_db()
    return update


# --- good practice ------------------------------------------------------------------------------


def good_practice_put_forward(
    *, audit: Audit, by: User, theme: Theme, title: str, text: str
) -> GoodPractice:
    """The auditor puts forward good practice from their completed audit to be shared; the
    case's manager(s) are told (GOOD_PRACTICE_PUT_FORWARD)."""
    if not policy.can_put_forward(by, audit):
        raise not_allowed("Only the auditor may put forward good practice from this audit.")
    if not title.strip():
        raise ValidationError({"title": "Give it a short title"})
    if not text.strip():
        raise ValidationError({"text": "Describe the good practice"})
    staff = staff_acting(by)
    now = timezone.now()
    case = audit.case
    with transaction.atomic():
        item, created = GoodPractice.objects.get_or_create(
            audit=audit,
            defaults={
                "theme": theme,
                "title": title.strip(),
                "text": text.strip(),
                "team_id": case.team_id,
                "put_forward_by": staff,
                "put_forward_at": now,
            },
        )
        if not created:
            raise TransitionConflict("Good practice from this audit is already put forward.")
        for manager in team_accountable_managers(team=case.team):
            if manager.pk == staff.pk:
                continue
            notify(
                recipient=manager,
                kind=NotificationKind.GOOD_PRACTICE_PUT_FORWARD,
                subject=f"Good practice put forward: case {case.reference}",
                body=(
                    f"{staff.name} puts forward good practice from their audit of case "
                    f"{case.reference} to share: “{item.title}”. Share it in the good-practice "
                    "library (anonymised) or say why not."
                ),
                url=reverse("improvement_good_practice_decide", args=[item.pk]),
                idempotency_key=f"good-practice-put-forward:{item.pk}:{manager.pk}",
            )
    return item


def good_practice_decide(
    *, item: GoodPractice, by: User, share: bool, note: str = ""
) -> GoodPractice:
    """A manager of the case shares the good practice (the case's worker is told:
    GOOD_PRACTICE_SHARED) or declines it with a note to whoever put it forward."""
    if not policy.can_decide_good_practice(by, item):
        raise not_allowed("Only a manager of the case may decide on this good practice.")
    if not share and not note.strip():
        raise ValidationError({"note": "Say why it is not shared"})
    staff = staff_acting(by)
    now = timezone.now()
    status = GoodPracticeStatus.SHARED if share else GoodPracticeStatus.DECLINED
    case = item.audit.case
    with transaction.atomic():
        moved = GoodPractice.objects.filter(
            pk=item.pk, status=GoodPracticeStatus.PUT_FORWARD
        ).update(status=status, decided_by=staff, decided_at=now, decision_note=note.strip())
        if not moved:
            raise TransitionConflict("Someone has already decided on this good practice.")
        if share:
            worker = case.allocated_worker
            if worker is not None and worker.is_active:
                notify(
                    recipient=worker,
                    kind=NotificationKind.GOOD_PRACTICE_SHARED,
                    subject=f"Good practice in your work is shared: case {case.reference}",
                    body=(
                        f"Good practice from the audit of case {case.reference} (“{item.title}”) "
                        "is shared with colleagues in the good-practice library, anonymised. "
                        "Thank you."
                    ),
                    url=reverse("improvement_library"),
                    idempotency_key=f"good-practice-shared:{item.pk}",
                )
        else:
            notify(
                recipient=item.put_forward_by,
                kind=NotificationKind.GOOD_PRACTICE_PUT_FORWARD,
                subject=f"Good practice not shared: case {case.reference}",
                body=f"{staff.name} did not share “{item.title}”: {note.strip()}",
                url=reverse("audit_detail", args=[item.audit_id]),
                idempotency_key=f"good-practice-declined:{item.pk}",
            )
    item.refresh_from_db()
    return item
