"""Findings reports written by people, the improvement actions their recommendations become,
and good practice put forward from audits to be shared.

A `FindingsReport` covers a period and a scope (the authority, a service or a team). While it
is a draft its figures are computed when shown (`reports.selectors.findings_report`); when it
is published they are frozen in `figures` (JSON) with the date, so a published report is a
fixed version. Each `ImprovementAction` is one numbered recommendation of a report: tracked
(owner, due date, status, progress notes with evidence) once the report is published.
"""

from django.conf import settings
from django.db import models

from caseaudit.audit_tools.models import Theme
from caseaudit.audits.models import Audit
from caseaudit.organisation.models import ServiceArea, Staff, Team


class ScopeKind(models.TextChoices):
    AUTHORITY = "authority", "The whole authority"
    SERVICE = "service", "A service"
    TEAM = "team", "A team"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class FindingsReport(models.Model):
    title = models.CharField(max_length=200)
    scope_kind = models.CharField(max_length=12, choices=ScopeKind.choices)
    # A service report's service; a team report's team and (kept with it) the team's service.
    service = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    overview = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Every edit of the draft increments it; a save names the revision it read.
    revision = models.PositiveIntegerField(default=1)
    reviewer = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_requested_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The figures as published (see `snapshot.snapshot_of`); empty until then.
    figures = models.JSONField(null=True, blank=True)
    # The last report of the same scope published before this one (set on publishing).
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-pk"]
        indexes = [
            # The latest published report of a scope (`selectors.previous_report_of`).
            models.Index(
                fields=["scope_kind", "service", "team", "-published_at"],
                condition=models.Q(status="published"),
                name="findingsreport_published",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="findingsreport_period",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published")
                | models.Q(published_at__isnull=False, figures__isnull=False),
                name="findingsreport_published_frozen",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == ReportStatus.DRAFT

    @property
    def scope_label(self) -> str:
        if self.scope_kind == ScopeKind.TEAM and self.team_id:
            return f"Team {self.team.name}"
        if self.scope_kind == ScopeKind.SERVICE and self.service_id:
            return f"The {self.service.name} service"
        return "The whole authority"

    @property
    def period_label(self) -> str:
        return f"{self.period_start:%-d %B %Y} to {self.period_end:%-d %B %Y}"


class ReportEventKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    SENT_FOR_REVIEW = "sent_for_review", "Sent for review"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class ReportEvent(models.Model):
    """The history of a findings report: who did what, when."""

    report = models.ForeignKey(FindingsReport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=ReportEventKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.report_id})"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


OPEN_ACTION_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)


class ImprovementAction(models.Model):
    """A numbered recommendation of a findings report and, once the report is published,
    the improvement action that tracks it."""

    report = models.ForeignKey(FindingsReport, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField("recommendation")
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="improvement_actions")
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # Told the owner's line manager it is overdue (once: `due.improvement_due_jobs`).
    escalated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "number"]
        indexes = [
            # The overdue open actions the daily job chases, by due date.
            models.Index(
                fields=["due_on"],
                condition=models.Q(status__in=["not_started", "in_progress"]),
                name="improvementaction_open_due",
            ),
            models.Index(fields=["owner", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="improvementaction_number")
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number} of {self.report_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES


class ActionUpdate(models.Model):
    """A progress note on an improvement action, with its evidence (text and a link)."""

    action = models.ForeignKey(ImprovementAction, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ActionStatus.choices)
    note = models.TextField()
    evidence = models.TextField(blank=True)
    evidence_url = models.URLField("evidence link", max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Update of action {self.action_id}"


class GoodPracticeStatus(models.TextChoices):
    PUT_FORWARD = "put_forward", "Put forward"
    SHARED = "shared", "Shared"
    DECLINED = "declined", "Not shared"


class GoodPractice(models.Model):
    """Good practice recorded in an audit, put forward by its auditor and, once a manager of
    the case approves it, shared (anonymised) in the good-practice library."""

    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="good_practice_item")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    text = models.TextField()
    # The case's team when put forward: the library's scope (its service's staff).
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=GoodPracticeStatus.choices, default=GoodPracticeStatus.PUT_FORWARD
    )
    put_forward_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    put_forward_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-put_forward_at", "-pk"]
        indexes = [models.Index(fields=["status", "team"])]

    def __str__(self) -> str:
        return self.title
