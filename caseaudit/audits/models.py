"""Conducting an audit: answers, scales, narrative, family contact, actions, urgent findings.

An `Audit` keeps the tool version it was started on. Its answers are one `SectionAnswer` per
section (the three Signs of Safety columns and a 0-10 scale) and one `QuestionAnswer` per
question answered. `revision` is bumped by every write to the audit, so two people saving the
same draft cannot overwrite each other (see `services.audit_save`). `AuditEvent` rows are the
audit's history; `UrgentFinding` rows are raised when a scale falls in an urgent band or the
auditor marks a serious safeguarding issue, and stay open until a manager acknowledges them
(or the auditor withdraws one raised in error: `findings.py`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from caseaudit.audit_tools.models import Question, Section, ToolVersion
from caseaudit.cases.models import Case
from caseaudit.organisation.models import Staff

SCALE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


class AuditReason(models.TextChoices):
    PEER = "peer", "Peer audit"
    ANNUAL = "annual", "Annual audit"
    PERMISSIVE = "permissive", "Permissive audit"
    CLOSURE = "closure", "Closure audit"
    CARERS = "carers", "Carers' audit"
    TAC = "tac", "Team Around the Child audit"
    IRO = "iro", "IRO review audit"
    CP_CHAIR = "cp_chair", "Child Protection Chair audit"
    THEMATIC = "thematic", "Thematic audit"


class AuditStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETED = "completed", "Completed"
    # A draft its auditor set aside (started by mistake): kept, read-only, with the reason.
    DISCARDED = "discarded", "Discarded"


class ContactMade(models.TextChoices):
    YES = "yes", "Yes, contact was made"
    ATTEMPTED = "attempted", "Tried, but could not make contact"
    NOT_APPROPRIATE = "not_appropriate", "No, contact was not appropriate"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Telephone"
    VISIT = "visit", "Visit"
    VIDEO = "video", "Video call"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class Satisfaction(models.IntegerChoices):
    VERY_DISSATISFIED = 1, "Very dissatisfied"
    DISSATISFIED = 2, "Dissatisfied"
    NEUTRAL = 3, "Neither satisfied nor dissatisfied"
    SATISFIED = 4, "Satisfied"
    VERY_SATISFIED = 5, "Very satisfied"


class Audit(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="audits")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="audits")
    auditor = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="audits_conducted")
    reason = models.CharField(max_length=16, choices=AuditReason.choices)
    status = models.CharField(max_length=12, choices=AuditStatus.choices, default=AuditStatus.DRAFT)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    overall_scale = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=SCALE_VALIDATORS
    )
    summary = models.TextField(blank=True)
    voice_of_child = models.TextField("voice of the child", blank=True)
    good_practice = models.TextField(blank=True)
    serious_safeguarding = models.BooleanField("serious safeguarding issue", default=False)
    serious_safeguarding_detail = models.TextField(blank=True)

    # Contact with the family (procedure: "Family Satisfaction Survey").
    contact_made = models.CharField(max_length=16, choices=ContactMade.choices, blank=True)
    contact_not_appropriate_reason = models.TextField("why contact was not appropriate", blank=True)
    who_contacted = models.CharField(max_length=150, blank=True)
    contact_relationship = models.CharField(max_length=80, blank=True)
    contacted_on = models.DateField(null=True, blank=True)
    contact_method = models.CharField(max_length=8, choices=ContactMethod.choices, blank=True)
    key_worker_told_family = models.CharField(
        max_length=8, choices=YesNoUnknown.choices, blank=True
    )
    contact_details_checked = models.CharField(max_length=4, choices=YesNo.choices, blank=True)
    child_views = models.TextField("the child's views", blank=True)
    family_views = models.TextField("the family's views", blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        choices=Satisfaction.choices, null=True, blank=True
    )

    # Optimistic concurrency: every write increments it; a save must name the revision it read.
    revision = models.PositiveIntegerField(default=1)

    reopened_reason = models.TextField(blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)

    discarded_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discard_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["case", "status"]),
            models.Index(fields=["auditor", "status"]),
            # The cases a person has audited, read from the index alone: part of their case
            # scope (`cases.selectors._own_work_scope`), in every scoped query.
            models.Index(fields=["auditor", "case"], name="audit_auditor_case"),
            models.Index(fields=["status", "completed_at"]),
            # A tool's audits by case (closure audits pending: which open cases have one).
            models.Index(fields=["tool_version", "case"], name="audit_tool_case"),
            # The findings report's "good practice to share": best scaled first, then recent.
            models.Index(fields=["status", "-overall_scale", "-completed_at"]),
            # The reports' counts of a period's completed audits (by auditor, case, overall
            # scale, tool, contact) read this index alone on PostgreSQL, not the wide audit rows.
            models.Index(
                fields=["completed_at"],
                include=[
                    "id",
                    "case",
                    "auditor",
                    "overall_scale",
                    "tool_version",
                    "contact_made",
                    "satisfaction",
                ],
                condition=models.Q(status="completed"),
                name="audit_completed_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall_scale__isnull=True) | models.Q(overall_scale__lte=10),
                name="audit_overall_scale_0_10",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="audit_completed_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="discarded") | models.Q(discarded_at__isnull=False),
                name="audit_discarded_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool_version.tool.name} of {self.case.reference}"

    @property
    def is_draft(self) -> bool:
        return self.status == AuditStatus.DRAFT

    @property
    def is_completed(self) -> bool:
        return self.status == AuditStatus.COMPLETED

    @property
    def is_discarded(self) -> bool:
        return self.status == AuditStatus.DISCARDED


class SectionAnswer(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="section_answers")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    working_well = models.TextField("what is working well", blank=True)
    worried_about = models.TextField("what are we worried about", blank=True)
    needs_to_happen = models.TextField("what needs to happen", blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCALE_VALIDATORS)

    class Meta:
        indexes = [
            # The findings report's excerpts of a theme's sparse ends of the scale (few
            # answers scaled 0 or 10): found from those answers, not months of audits.
            models.Index(fields=["section", "scale"], name="sectionanswer_section_scale"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["audit", "section"], name="sectionanswer_unique"),
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__lte=10),
                name="sectionanswer_scale_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}: section {self.section_id}"


class QuestionAnswer(models.Model):
    """An answer: "yes"/"no"/"na" for yes/no/N-A questions, the choice for a choice question,
    an ISO date ("2026-03-01") for a date question, or free text."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="question_answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(blank=True)
    evidence = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audit", "question"], name="questionanswer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}: question {self.question_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class RestorativeAction(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_actions"
    )
    due_on = models.DateField(null=True, blank=True)
    # The section it answers (a section scaled in a band marked "actions required" needs one);
    # empty: an action for the audit as a whole.
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField("resolution note", blank=True)
    manager_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            # Open actions by due date: the responses report's actions due earlier this month
            # (the rest of its counts come from `responses.models.ActionSummary`) and the
            # daily chasing of overdue actions (`responses.due_jobs`). At the national scale
            # a sixth of the 2.7 million actions are open.
            models.Index(
                fields=["due_on"],
                condition=models.Q(status=ActionStatus.OPEN),
                name="restorativeaction_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class FindingStatus(models.TextChoices):
    """Where an urgent finding is: open until a manager acknowledges it or the auditor
    withdraws it as raised in error (`findings.py`)."""

    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    WITHDRAWN = "withdrawn", "Withdrawn"


def open_finding_q(prefix: str = "") -> models.Q:
    """A filter for open findings (neither acknowledged nor withdrawn); `prefix` is the path
    from another model ("urgent_findings__")."""
    return models.Q(
        **{f"{prefix}acknowledged_at__isnull": True, f"{prefix}withdrawn_at__isnull": True}
    )


class UrgentFindingQuerySet(models.QuerySet):
    def open(self):
        return self.filter(open_finding_q())


class UrgentFinding(models.Model):
    """A section or overall scale in an urgent band, or a serious safeguarding issue.

    `trigger` names what raised it ("section:<section id>", "overall" or "serious"): an audit
    holds at most one finding per trigger that is not withdrawn, however often it is saved.
    It stays open until a manager acknowledges it (`acknowledged_*`) or the auditor withdraws
    it as raised in error (`withdrawn_*`), never both. While open it is chased
    (`findings.findings_chase`): the `reminded_at`, `escalated_to_csm_at` and
    `escalated_to_ad_at` steps are each taken once.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="urgent_findings")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="urgent_findings")
    trigger = models.CharField(max_length=40)
    reason = models.TextField()
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action_taken = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)
    # Chasing an unacknowledged finding (`findings.CHASE_STEPS`): when each step was taken.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_to_csm_at = models.DateTimeField(null=True, blank=True)
    escalated_to_ad_at = models.DateTimeField(null=True, blank=True)

    objects = UrgentFindingQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [
            models.Index(fields=["case", "acknowledged_at"]),
            # The daily chase (`findings.findings_chase`): the open findings, oldest first.
            models.Index(
                fields=["raised_at"],
                condition=models.Q(acknowledged_at__isnull=True, withdrawn_at__isnull=True),
                name="urgentfinding_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "trigger"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="urgentfinding_once",
            ),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True)
                | models.Q(withdrawn_at__isnull=True),
                name="urgentfinding_acknowledged_or_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"Urgent finding on {self.case_id}: {self.reason[:60]}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.withdrawn_at is None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def status(self) -> str:
        if self.withdrawn_at is not None:
            return FindingStatus.WITHDRAWN
        if self.acknowledged_at is not None:
            return FindingStatus.ACKNOWLEDGED
        return FindingStatus.OPEN

    @property
    def section_id(self) -> int | None:
        """The section whose scale raised it (None for the overall scale or a serious issue)."""
        if self.trigger.startswith("section:"):
            return int(self.trigger.split(":", 1)[1])
        return None


class EventKind(models.TextChoices):
    STARTED = "started", "Started"
    SAVED = "saved", "Saved"
    COMPLETED = "completed", "Completed"
    REOPENED = "reopened", "Reopened"
    FINDING_RAISED = "finding_raised", "Urgent finding raised"
    FINDING_ACKNOWLEDGED = "finding_acknowledged", "Urgent finding acknowledged"
    DISCARDED = "discarded", "Discarded"
    FINDING_WITHDRAWN = "finding_withdrawn", "Urgent finding withdrawn"
    FINDING_REMINDED = "finding_reminded", "Urgent finding: reminder sent"
    FINDING_ESCALATED = "finding_escalated", "Urgent finding escalated"


class AuditEvent(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["audit", "at"])]

    def __str__(self) -> str:
        return f"{self.audit_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class BlindReading(models.Model):
    """A person who must not see this audit's scales: its moderator, until they compare.

    The moderation app (`caseaudit.moderation.services`, above this app) writes these rows and
    is their single source of truth: one row for each moderation that names a moderator and is
    not yet compared (proposed in a draft sample, or assigned), written when the sample is
    drawn or the moderator swapped, removed when the moderator compares the scales or the
    moderation goes (a draft sample drawn again). While the row exists, the audit page, its
    PDF and the API show that person none of the auditor's scales (section scales, bands, the
    overall scale, an urgent finding's scale): `selectors.scales_hidden_for`. This app only
    reads them (it cannot import the moderation app). docs/moderation.md, "Blind moderation".
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the index `scales_hidden_for` reads: (audit, staff).
            models.UniqueConstraint(fields=["audit", "staff"], name="blindreading_unique"),
        ]

    def __str__(self) -> str:
        return f"Audit {self.audit_id}: scales hidden from staff {self.staff_id}"
