"""`run_due_jobs`: the QA responses' reminders, escalations and the chasing of overdue
restorative actions and of unacknowledged urgent findings for one day; safe to run any number
of times (each notification has an idempotency key naming what it is about, its kind and its
date). Import it from
`caseaudit.responses.services`.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.findings import findings_chase
from caseaudit.audits.models import ActionStatus, AuditStatus, RestorativeAction
from caseaudit.core.working_days import add_working_days, is_working_day, working_days_between
from caseaudit.notifications.models import Notification
from caseaudit.notifications.services import NotificationKind, notify

from .common import case_managers, long_date, record_event, response_url
from .models import WITH_WORKER, EventKind, QAResponse, ReminderKind

# The logger these jobs have always written to (log configuration and alerts name it).
logger = logging.getLogger("caseaudit.responses.services")

# While a response stays overdue, the worker is reminded again every this many working days.
OVERDUE_REMINDER_EVERY = 5
# An overdue action's owner is reminded once in each such run of working days.
ACTION_REMINDER_EVERY = 5


@dataclass
class DueJobsReport:
    """What `run_due_jobs` did: one line per notification sent, and counts by kind."""

    today: dt.date
    working_day: bool
    lines: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    errors: int = 0

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] += 1
        self.lines.append(line)


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(
            Notification.objects.filter(idempotency_key__in=keys[start : start + 500]).values_list(
                "idempotency_key", flat=True
            )
        )
    return found


def run_due_jobs(*, today: dt.date | None = None, now: dt.datetime | None = None):
    """Send today's reminders and escalations. Safe to run any number of times a day.

    On a working day:
    - the worker is reminded the working day before the due date and on the due date;
    - the day after, an overdue response is escalated once to the case's Team Manager(s) (the
      service's CSM if the team has none), and the worker told it is overdue; then the worker
      is reminded every `OVERDUE_REMINDER_EVERY` working days while it stays overdue;
    - the owner of an open restorative action past its due date is reminded once in every
      `ACTION_REMINDER_EVERY` working days it stays open.
    - an urgent finding still open is reminded to those told after 1 working day, escalated
      to the service's CSM after 2 and to the Assistant Director after 5 (`findings_chase`).
    Nothing is sent on a weekend, bank holiday or closure day. Each notification's
    idempotency key names the response or action, the kind and the date, so a second run on
    the same day sends nothing.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    report = DueJobsReport(today=today, working_day=is_working_day(today))
    if not report.working_day:
        return report
    next_working_day = add_working_days(today, 1)
    responses = (
        QAResponse.objects.filter(status__in=WITH_WORKER, due_on__lte=next_working_day)
        .select_related("case", "case__team", "worker__user", "supervisor")
        .order_by("due_on", "id")
    )
    for response in responses:
        try:
            with transaction.atomic():
                _chase_response(response, today=today, now=now, report=report)
        except Exception:
            report.errors += 1
            logger.exception("Chasing QA response %s failed", response.pk)
    _chase_actions(today=today, report=report)
    # Urgent findings nobody has acknowledged: reminded, then escalated (audits/findings.py).
    chased = findings_chase(today=today, now=now)
    for kind, line in chased.lines:
        report.add(kind, line)
    report.errors += chased.errors
    return report


def _remind_worker(response, kind: str, *, today, now, report, subject, body) -> None:
    worker = response.worker
    if not worker.is_active:
        return
    key = f"response-reminder:{response.pk}:{kind}:{today.isoformat()}"
    if Notification.objects.filter(idempotency_key=key).exists():
        return
    notify(
        recipient=worker,
        kind=NotificationKind(f"response_{kind}"),
        subject=subject,
        body=body,
        url=response_url(response),
        idempotency_key=key,
    )
    QAResponse.objects.filter(pk=response.pk).update(
        last_reminder_kind=kind, last_reminder_on=today
    )
    response.last_reminder_kind, response.last_reminder_on = kind, today
    record_event(response, None, EventKind.REMINDED, now, reminder=kind, to=worker.name)
    report.add(
        kind, f"Reminded {worker.name}: QA response for case {response.case.reference} ({kind})"
    )


def _chase_response(response: QAResponse, *, today, now, report: DueJobsReport) -> None:
    reference = response.case.reference
    due = long_date(response.due_on)
    if response.due_on > today:  # due the next working day
        _remind_worker(
            response,
            ReminderKind.DUE_TOMORROW,
            today=today,
            now=now,
            report=report,
            subject=f"QA response due tomorrow: case {reference}",
            body=f"Your QA response to the audit of case {reference} is due by {due}.",
        )
        return
    if response.due_on == today:
        _remind_worker(
            response,
            ReminderKind.DUE_TODAY,
            today=today,
            now=now,
            report=report,
            subject=f"QA response due today: case {reference}",
            body=f"Your QA response to the audit of case {reference} is due today, {due}.",
        )
        return
    # Overdue.
    if response.escalated_at is None:
        _escalate(response, today=today, now=now, report=report)
        _remind_worker(
            response,
            ReminderKind.OVERDUE,
            today=today,
            now=now,
            report=report,
            subject=f"QA response overdue: case {reference}",
            body=(
                f"Your QA response to the audit of case {reference} was due by {due} and is "
                "overdue. Your Team Manager has been told."
            ),
        )
        return
    last = response.last_reminder_on
    if last is None or working_days_between(last, today) >= OVERDUE_REMINDER_EVERY:
        _remind_worker(
            response,
            ReminderKind.STILL_OVERDUE,
            today=today,
            now=now,
            report=report,
            subject=f"QA response still overdue: case {reference}",
            body=(
                f"Your QA response to the audit of case {reference} was due by {due} and is "
                f"still overdue ({working_days_between(response.due_on, today)} working days)."
            ),
        )


def _escalate(response: QAResponse, *, today, now, report: DueJobsReport) -> None:
    """Tell the case's Team Manager(s) once that the response is overdue."""
    done = QAResponse.objects.filter(pk=response.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if not done:
        return
    response.escalated_at = now
    reference = response.case.reference
    managers = case_managers(response.case)
    for manager in managers:
        notify(
            recipient=manager,
            kind=NotificationKind.RESPONSE_OVERDUE,
            subject=f"QA response overdue: case {reference}",
            body=(
                f"The QA response of {response.worker.name} to the audit of case {reference} "
                f"was due by {long_date(response.due_on)} and has not been submitted. It is "
                "listed on your responses page until it is."
            ),
            url=reverse("response_team"),
            idempotency_key=(
                f"response-escalated:{response.pk}:{response.due_on.isoformat()}:{manager.pk}"
            ),
        )
        report.add(
            "escalated", f"Escalated to {manager.name}: QA response for case {reference} overdue"
        )
    record_event(
        response,
        None,
        EventKind.ESCALATED,
        now,
        to=[m.name for m in managers],
        on=today.isoformat(),
    )


def _chase_actions(*, today: dt.date, report: DueJobsReport) -> None:
    actions = list(
        RestorativeAction.objects.filter(
            status=ActionStatus.OPEN,
            due_on__lt=today,
            audit__status=AuditStatus.COMPLETED,
            owner__isnull=False,
            owner__left_on__isnull=True,
        )
        .select_related("owner__user", "audit__case", "audit__qa_response")
        .order_by("due_on", "id")
    )
    todo = []
    for action in actions:
        days = max(1, working_days_between(action.due_on, today))
        period = (days - 1) // ACTION_REMINDER_EVERY
        # The first working day of this run of `ACTION_REMINDER_EVERY` overdue working days.
        since = add_working_days(action.due_on, 1 + period * ACTION_REMINDER_EVERY)
        todo.append((action, days, f"action-overdue:{action.pk}:{since.isoformat()}"))
    sent = _existing_keys([key for _a, _d, key in todo])
    for action, days, key in todo:
        if key in sent:
            continue
        case = action.audit.case
        response = getattr(action.audit, "qa_response", None)
        url = (
            reverse("response_detail", args=[response.pk]) + "#actions"
            if response is not None
            else reverse("audit_detail", args=[action.audit_id]) + "#restorative-actions"
        )
        try:
            notify(
                recipient=action.owner,
                kind=NotificationKind.ACTION_OVERDUE,
                subject=f"Restorative action overdue: case {case.reference}",
                body=(
                    f"A restorative action on case {case.reference} was due by "
                    f"{long_date(action.due_on)} and is not yet marked resolved "
                    f"({days} working day{'s' if days != 1 else ''} overdue). Mark it resolved "
                    "when it is done."
                ),
                url=url,
                idempotency_key=key,
            )
        except Exception:
            report.errors += 1
            logger.exception("Reminding the owner of action %s failed", action.pk)
            continue
        report.add(
            "action_overdue",
            f"Reminded {action.owner.name}: action on case {case.reference} overdue ({days} "
            "working days)",
        )
