"""The QA Response: the worker's answer to a completed audit, and its authorisation.

Completing an audit creates one `QAResponse` for the case's allocated worker, due 5 working
days after the audit's completion date. The worker gives one answer to each restorative action
(`ActionResponse`: what was done, the date it was done, the evidence) or, where the audit has
none, acknowledges it ("QA (22/12/2026) received"). Until they submit, what they type is kept
as a draft (`ResponseDraft`). Their Practice Supervisor authorises it or returns it with a
reason. `ResponseEvent` rows are its history: every change of state, who made it and when, with
the reminders and escalations sent while it was outstanding.

The restorative actions themselves are the audits app's `RestorativeAction` rows. Their state
comes from the answers: submitting the response marks each action resolved with its answer's
"what was done" as the resolution, returning it opens them again, authorising it agrees they are
resolved (`services.response_submit` / `response_return` / `response_authorise`). An action
reopened afterwards, or added when the audit was reopened, is answered on its own
(`services.action_resolve`, the same three fields) and agreed by a manager (`action_agree`).

`ActionSummary` counts the restorative actions of completed audits for the responses report
(`action_summary`): kept here because the changes of an action's state after the audit is
completed are this app's.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from caseaudit.audit_tools.models import Tool
from caseaudit.audits.models import Audit, RestorativeAction
from caseaudit.cases.models import Case
from caseaudit.organisation.models import Staff, Team

# How many working days the worker has, after the audit's completion date.
RESPONSE_WORKING_DAYS = 5


class ResponseStatus(models.TextChoices):
    AWAITING_WORKER = "awaiting_worker", "Awaiting response"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    AUTHORISED = "authorised", "Authorised"


# The response is with the worker (to write, or to write again).
WITH_WORKER = (ResponseStatus.AWAITING_WORKER, ResponseStatus.RETURNED)
# Not finished: with the worker or waiting for authorisation.
OUTSTANDING = (*WITH_WORKER, ResponseStatus.SUBMITTED)


class ReminderKind(models.TextChoices):
    DUE_TOMORROW = "due_tomorrow", "Due the next working day"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue"
    STILL_OVERDUE = "still_overdue", "Still overdue"


def acknowledgement_text(completed_on: dt.date) -> str:
    """The procedure's entry where an audit has no restorative actions."""
    return f"QA ({completed_on:%d/%m/%Y}) received"


class QAResponse(models.Model):
    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="qa_response")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="qa_responses")
    worker = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="qa_responses",
        help_text="The case's allocated worker when the audit was completed (the Team "
        "Manager if it had none).",
    )
    supervisor = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qa_responses_to_authorise",
        help_text="The worker's line manager (their Practice Supervisor) who authorises it.",
    )
    status = models.CharField(
        max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.AWAITING_WORKER
    )
    completed_on = models.DateField("audit completed on")
    due_on = models.DateField()
    acknowledgement = models.TextField(blank=True)

    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField(blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Chasing (services.run_due_jobs): what was last sent to the worker, and when the Team
    # Manager was told it is overdue (once).
    last_reminder_kind = models.CharField(max_length=16, choices=ReminderKind.choices, blank=True)
    last_reminder_on = models.DateField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "QA response"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["worker", "status"]),
            models.Index(fields=["supervisor", "status"]),
        ]

    def __str__(self) -> str:
        return f"QA response for {self.case}"

    @property
    def is_with_worker(self) -> bool:
        return self.status in WITH_WORKER

    @property
    def is_outstanding(self) -> bool:
        return self.status in OUTSTANDING

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Still with the worker after its due date."""
        today = today or timezone.localdate()
        return self.is_with_worker and today > self.due_on

    @property
    def was_on_time(self) -> bool | None:
        """Whether it was first submitted by the due date (None if not yet submitted)."""
        if self.first_submitted_at is None:
            return None
        return timezone.localdate(self.first_submitted_at) <= self.due_on


class ActionResponse(models.Model):
    """The one answer to one restorative action: what was done, the date it was done (never
    in the future) and the evidence. Rewritten if the response is returned or the action is
    reopened (each submission's answers are also kept in the history). The action's
    `resolution` is copied from `what_done` when the answer resolves it."""

    response = models.ForeignKey(QAResponse, on_delete=models.CASCADE, related_name="answers")
    action = models.ForeignKey(
        RestorativeAction, on_delete=models.CASCADE, related_name="qa_answers"
    )
    what_done = models.TextField("what was done")
    # Required for every answer given since it was added; empty only in answers given before
    # (migration 0004 kept their "by when" where it was not in the future).
    done_on = models.DateField("date done", null=True, blank=True)
    evidence = models.TextField(
        blank=True, help_text="Where the work can be seen: the record entry, document or meeting."
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action__order", "action_id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "action"], name="actionresponse_once")
        ]

    def __str__(self) -> str:
        return f"Answer to action {self.action_id}"


class EventKind(models.TextChoices):
    CREATED = "created", "Response requested"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    AUTHORISED = "authorised", "Authorised"
    REMINDED = "reminded", "Reminder sent"
    ESCALATED = "escalated", "Escalated to the Team Manager"
    ACTION_RESOLVED = "action_resolved", "Action marked resolved"
    ACTION_AGREED = "action_agreed", "Action agreed resolved"
    ACTION_REOPENED = "action_reopened", "Action reopened"


class ResponseEvent(models.Model):
    """One entry of a response's history. `by` is empty for what the system did (reminders)."""

    response = models.ForeignKey(QAResponse, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["response", "at"])]

    def __str__(self) -> str:
        return f"{self.response_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ResponseDraft(models.Model):
    """The worker's answers as typed, saved without submitting ("Save draft", and the page
    saves them by itself every 30 seconds). `values` maps the form's field names (one answer
    per action: "a12-what_done", "a12-done_on", "a12-evidence"; or "acknowledgement") to the
    text as typed. `revision` goes up with each save, so two
    windows writing the same draft get a conflict instead of overwriting each other
    (`drafts.response_draft_save`). Submitting the response discards it."""

    response = models.OneToOneField(
        QAResponse, on_delete=models.CASCADE, primary_key=True, related_name="draft"
    )
    revision = models.PositiveIntegerField(default=1)
    values = models.JSONField(default=dict, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Draft of QA response {self.response_id} (revision {self.revision})"


# `ActionSummary.due_month` of actions that can never be overdue: resolved ones, and open ones
# with no due date. A date rather than NULL, so the unique constraint holds on every database.
NEVER_DUE = dt.date(9999, 12, 1)


class ActionSummary(models.Model):
    """How many restorative actions of completed audits there are, by the month the audit was
    completed in (its first day, in the authority's time zone), the case's team and type, the
    audit's tool, the action's status, whether a manager agreed it (closed), and for an open
    action the month it is due in (its first day; `NEVER_DUE` for the others). The responses
    report adds up a period's rows instead of counting its actions (at the national scale
    700,000 a year); an action is overdue when its due month is before this one, or it is due
    earlier this month (a small count of the live table).

    Kept by `action_summary`: audits counted in and out as they are completed and reopened
    (`workflows.audits`), actions moved between rows by each change of their state in this
    app's services, and the whole table recounted by the reports' `summary_rebuild` (its
    `SummaryState` "actions" says whether it is built and current; the report reads the
    actions themselves until it is)."""

    month = models.DateField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    case_type = models.CharField(max_length=16)
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10)  # audits.models.ActionStatus
    agreed = models.BooleanField()  # manager_agreed_at is set: closed
    due_month = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "case_type", "tool", "status", "agreed", "due_month"],
                name="actionsummary_unique",
            )
        ]
        # The responses report reads a period's months (written in month order by the
        # rebuild).
        indexes = [models.Index(fields=["month"], name="actionsummary_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} team {self.team_id} {self.case_type} {self.status}"
