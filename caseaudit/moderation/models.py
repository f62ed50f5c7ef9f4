"""Moderation of completed audits, and calibration exercises.

Moderation (docs/moderation.md):
- `ModerationSample`: a month's sample of the audits completed in that month (reproducible from
  its seed and share), a draft until Performance Assurance confirms it.
- `Referral`: a manager asks for an audit to be moderated, with a reason; the next sample
  generated takes it in.
- `Moderation`: one audit, one moderator. The moderator scales every scaled section and the
  overall scale blind (`ModerationSection.scale`, `Moderation.overall_scale`), then reveals
  the comparison (the scales are then fixed), gives a rationale where they differ from the
  auditor by two points or more, and completes it. The auditor's scales are copied in at the
  reveal (`auditor_scale`, `auditor_overall_scale`), so the comparison stays what it was if
  the audit is later reopened. On completion the moderated overall scale becomes the audit's
  overall scale (its final grade); the auditor's stays here.
- `ModerationReply`: the learning conversation after completion (auditor and moderator).

Calibration (nothing about a real child: an exercise's exemplar is a written, anonymised
summary, with no case): `CalibrationExercise`, its panel's `CalibrationReference` scales and
each invited person's `CalibrationScore`s.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from caseaudit.audit_tools.models import Section, ToolVersion
from caseaudit.audits.models import Audit
from caseaudit.organisation.models import Staff

SCALE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


class SampleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"


class ModerationSample(models.Model):
    month = models.DateField(
        unique=True, help_text="The first day of the month whose completed audits are sampled."
    )
    seed = models.BigIntegerField()
    share = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent."
    )
    status = models.CharField(
        max_length=12, choices=SampleStatus.choices, default=SampleStatus.DRAFT
    )
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Moderation sample of {self.month:%B %Y}"

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def is_confirmed(self) -> bool:
        return self.status == SampleStatus.CONFIRMED


class Referral(models.Model):
    """A manager's request that an audit be moderated; taken into the next sample generated
    (`sample`), and kept when that draft is generated again."""

    # Erasing a case deletes its audits (dataprotection): their referral and moderation go too.
    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    referred_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["referred_at", "id"]

    def __str__(self) -> str:
        return f"Referral of audit {self.audit_id}"


class ModerationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed (sample not yet confirmed)"
    ASSIGNED = "assigned", "To moderate"
    REVEALED = "revealed", "Compared: rationale and completion"
    COMPLETED = "completed", "Completed"


OPEN_STATUSES = (ModerationStatus.ASSIGNED, ModerationStatus.REVEALED)


class Moderation(models.Model):
    sample = models.ForeignKey(
        ModerationSample, on_delete=models.CASCADE, related_name="moderations"
    )
    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="moderation")
    auditor = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="moderated_audits")
    moderator = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="moderations"
    )
    why = models.CharField(max_length=300)
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation"
    )
    status = models.CharField(
        max_length=12, choices=ModerationStatus.choices, default=ModerationStatus.PROPOSED
    )
    revision = models.PositiveIntegerField(default=1)
    overall_scale = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=SCALE_VALIDATORS
    )
    overall_rationale = models.TextField(blank=True)
    auditor_overall_scale = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sample__month", "id"]
        indexes = [
            # A moderator's list of moderations to do (`moderation_list`).
            models.Index(fields=["moderator", "status"], name="moderation_moderator"),
            # An auditor's moderated audits, and the agreement figures by auditor.
            models.Index(fields=["auditor", "status"], name="moderation_auditor"),
            # The agreement figures of a period: completed moderations by completion time.
            models.Index(
                fields=["completed_at"],
                condition=models.Q(status="completed"),
                name="moderation_completed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="moderation_completed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Moderation of audit {self.audit_id}"

    @property
    def is_completed(self) -> bool:
        return self.status == ModerationStatus.COMPLETED

    @property
    def is_revealed(self) -> bool:
        return self.status in (ModerationStatus.REVEALED, ModerationStatus.COMPLETED)

    @property
    def overall_changed(self) -> bool:
        return (
            self.is_completed
            and self.overall_scale is not None
            and self.overall_scale != self.auditor_overall_scale
        )


class ModerationSection(models.Model):
    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="sections")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    scale = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCALE_VALIDATORS)
    rationale = models.TextField(blank=True)
    auditor_scale = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["section__order", "section_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["moderation", "section"], name="moderationsection_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.moderation_id}: section {self.section_id}"

    @property
    def difference(self) -> int | None:
        """Auditor minus moderator (positive: the auditor was more generous)."""
        if self.scale is None or self.auditor_scale is None:
            return None
        return self.auditor_scale - self.scale

    @property
    def outcome(self) -> str:
        d = self.difference
        if d is None:
            return ""
        if abs(d) <= 1:
            return "agreed"
        return "moderated down" if d > 0 else "moderated up"


class ModerationEventKind(models.TextChoices):
    PROPOSED = "proposed", "Proposed in the sample"
    MODERATOR_CHANGED = "moderator_changed", "Moderator changed"
    ASSIGNED = "assigned", "Assigned (sample confirmed)"
    SAVED = "saved", "Saved"
    REVEALED = "revealed", "Comparison revealed"
    COMPLETED = "completed", "Completed"
    REPLIED = "replied", "Reply"


class ModerationEvent(models.Model):
    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ModerationEventKind.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["moderation", "at"])]

    def __str__(self) -> str:
        return f"{self.moderation_id} {self.kind}"


class ModerationReply(models.Model):
    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Reply on moderation {self.moderation_id}"


# --- Calibration ------------------------------------------------------------------------------


class ExerciseStatus(models.TextChoices):
    OPEN = "open", "Open for scoring"
    CLOSED = "closed", "Closed"


class CalibrationExercise(models.Model):
    """A calibration exercise on an exemplar: a written, anonymised case summary made for
    training (never a real child's record: no case), scored with a tool's published version by
    the invited staff, each blind to the others until it closes."""

    title = models.CharField(max_length=150)
    summary = models.TextField(help_text="The anonymised case summary the auditors read.")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=ExerciseStatus.choices, default=ExerciseStatus.OPEN
    )
    invited = models.ManyToManyField(Staff, related_name="calibration_invitations")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ExerciseStatus.OPEN


class CalibrationReference(models.Model):
    """A reference scale agreed by a panel for one section (no section: the overall scale)."""

    exercise = models.ForeignKey(
        CalibrationExercise, on_delete=models.CASCADE, related_name="references"
    )
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scale = models.PositiveSmallIntegerField(validators=SCALE_VALIDATORS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "section"], name="calibrationreference_unique"
            ),
            models.UniqueConstraint(
                fields=["exercise"],
                condition=models.Q(section__isnull=True),
                name="calibrationreference_one_overall",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id}: {self.section_id or 'overall'} = {self.scale}"


class CalibrationScore(models.Model):
    """One invited person's scale for one section of the exemplar (no section: overall). A
    person's scores are submitted once, together, and kept: their calibration over successive
    exercises."""

    exercise = models.ForeignKey(
        CalibrationExercise, on_delete=models.CASCADE, related_name="scores"
    )
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="calibration_scores")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scale = models.PositiveSmallIntegerField(validators=SCALE_VALIDATORS)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # A person's calibration over the exercises (`calibration_history`).
            models.Index(fields=["staff", "exercise"], name="calibration_staff"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "staff", "section"], name="calibrationscore_unique"
            ),
            models.UniqueConstraint(
                fields=["exercise", "staff"],
                condition=models.Q(section__isnull=True),
                name="calibrationscore_one_overall",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} {self.staff_id} {self.section_id}: {self.scale}"
