"""The daily chasing of improvement actions and follow-up audits (`improvement_due_jobs`), run
by the jobs app's due-reminders job beside the QA responses' `run_due_jobs`, on working days.

- An open improvement action past its due date: its owner is reminded
  (IMPROVEMENT_ACTION_OVERDUE, in the daily digest by default) once in every
  `ACTION_REMINDER_EVERY` working days it stays open; after `ESCALATE_AFTER` working days
  overdue, the owner's line manager is told once (IMPROVEMENT_ACTION_ESCALATED).
- A scheduled follow-up audit due by the end of the month (or overdue) is sent once to the
  case's Team Manager(s), else the service's CSM (FOLLOWUP_DUE, digest by default).
Each notification's idempotency key names what it is about, so a second run sends nothing.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from caseaudit.core.working_days import add_working_days, is_working_day, working_days_between
from caseaudit.notifications.models import Notification
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.selectors import team_accountable_managers
from caseaudit.programme.due import month_end
from caseaudit.programme.models import FollowUp, FollowUpStatus

from .models import OPEN_ACTION_STATUSES, ImprovementAction, ReportStatus

logger = logging.getLogger(__name__)

ACTION_REMINDER_EVERY = 5
ESCALATE_AFTER = 5


@dataclass
class ImprovementDueReport:
    today: dt.date
    lines: list[str] = field(default_factory=list)
    errors: int = 0

    def __str__(self) -> str:
        head = f"Improvement actions and follow-ups, {self.today.isoformat()}: "
        head += f"{len(self.lines)} sent, {self.errors} failed"
        return "\n".join([head, *self.lines])


def improvement_due_jobs(*, today: dt.date | None = None, now: dt.datetime | None = None):
    """Chase overdue improvement actions and tell managers of follow-up audits due. Nothing
    on a day that is not a working day. Safe to run any number of times."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    report = ImprovementDueReport(today=today)
    if not is_working_day(today):
        return report
    actions = (
        ImprovementAction.objects.filter(
            report__status=ReportStatus.PUBLISHED,
            status__in=OPEN_ACTION_STATUSES,
            due_on__lt=today,
        )
        .select_related("report", "owner__user", "owner__line_manager__user")
        .order_by("due_on", "pk")
    )
    for action in actions:
        try:
            with transaction.atomic():
                _chase_action(action, today=today, now=now, report=report)
        except Exception:
            report.errors += 1
            logger.exception("Chasing improvement action %s failed", action.pk)
    followups = (
        FollowUp.objects.filter(
            status=FollowUpStatus.SCHEDULED,
            notified_on__isnull=True,
            due_on__lte=month_end(today),
            case__closed_on__isnull=True,
        )
        .select_related("case", "case__team")
        .order_by("due_on", "pk")
    )
    for followup in followups:
        try:
            with transaction.atomic():
                _tell_followup_due(followup, today=today, report=report)
        except Exception:
            report.errors += 1
            logger.exception("Telling follow-up %s due failed", followup.pk)
    return report


def _chase_action(action: ImprovementAction, *, today, now, report) -> None:
    days = max(1, working_days_between(action.due_on, today))
    period = (days - 1) // ACTION_REMINDER_EVERY
    since = add_working_days(action.due_on, 1 + period * ACTION_REMINDER_EVERY)
    key = f"improvement-action-overdue:{action.pk}:{since.isoformat()}"
    url = reverse("improvement_action", args=[action.pk])
    owner = action.owner
    title = f"recommendation {action.number} of {action.report.title}"
    if owner.is_active and not Notification.objects.filter(idempotency_key=key).exists():
        notify(
            recipient=owner,
            kind=NotificationKind.IMPROVEMENT_ACTION_OVERDUE,
            subject=f"Improvement action overdue: {title}",
            body=(
                f"Your improvement action ({title}) was due by {action.due_on:%-d %B %Y} and "
                f"is not complete ({days} working day{'s' if days != 1 else ''} overdue). "
                "Record your progress, or complete it with its evidence."
            ),
            url=url,
            idempotency_key=key,
        )
        report.lines.append(f"Reminded {owner.name}: {title} overdue ({days} working days)")
    if days < ESCALATE_AFTER or action.escalated_at is not None:
        return
    manager = owner.line_manager
    if manager is None or not manager.is_active:
        return
    claimed = ImprovementAction.objects.filter(pk=action.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if not claimed:
        return
    notify(
        recipient=manager,
        kind=NotificationKind.IMPROVEMENT_ACTION_ESCALATED,
        subject=f"Improvement action overdue: {title}",
        body=(
            f"The improvement action of {owner.name} ({title}) was due by "
            f"{action.due_on:%-d %B %Y} and is {days} working days overdue."
        ),
        url=url,
        idempotency_key=f"improvement-action-escalated:{action.pk}:{action.due_on.isoformat()}",
    )
    report.lines.append(f"Escalated to {manager.name}: {title} ({days} working days overdue)")


def _tell_followup_due(followup: FollowUp, *, today, report) -> None:
    claimed = FollowUp.objects.filter(
        pk=followup.pk, status=FollowUpStatus.SCHEDULED, notified_on__isnull=True
    ).update(notified_on=today)
    if not claimed:
        return
    case = followup.case
    for manager in team_accountable_managers(team=case.team):
        notify(
            recipient=manager,
            kind=NotificationKind.FOLLOWUP_DUE,
            subject=f"Follow-up audit due: case {case.reference}",
            body=(
                f"Case {case.reference} was scaled in the lowest band and is due a follow-up "
                f"audit by {followup.due_on:%-d %B %Y}. The programme allocates it first; it is "
                "listed on the Audits due page."
            ),
            url=reverse("due_list") + "#followups-due",
            idempotency_key=f"followup-due:{followup.pk}:{manager.pk}",
        )
        report.lines.append(f"Told {manager.name}: follow-up of case {case.reference} due")
