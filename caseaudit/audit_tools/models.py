"""Audit tools: versioned templates of sections and questions, themes and scaling bands.

A tool has numbered versions. One version at a time may be a draft (being edited by an
administrator); publishing it makes it the version new audits use. Audits keep a foreign
key to the version they were started on, so a published version is never edited again.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Theme(models.Model):
    """A purpose of the procedure (section 1) that sections of any tool map to."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ScalingBand(models.Model):
    """A band of the 0-10 scale with its guidance, e.g. 0-2 "Inadequate"."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    min_score = models.PositiveSmallIntegerField()
    max_score = models.PositiveSmallIntegerField()
    guidance = models.TextField()
    urgent = models.BooleanField(
        default=False, help_text="A scale in this band raises an urgent finding."
    )
    actions_required = models.BooleanField(
        default=False,
        help_text="A section scaled in this band needs at least one restorative action "
        "before the audit can be completed.",
    )

    class Meta:
        ordering = ["min_score"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_score__lte=models.F("max_score"), max_score__lte=10),
                name="band_range_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.min_score}–{self.max_score})"


class Tool(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    applies_to = models.JSONField(default=list, help_text="Case types the tool is for.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class ToolVersion(models.Model):
    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    notes = models.TextField(blank=True, help_text="What changed in this version.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["tool__name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "number"], name="toolversion_unique_number"),
            models.UniqueConstraint(
                fields=["tool"],
                condition=models.Q(status="draft"),
                name="toolversion_one_draft",
            ),
            models.UniqueConstraint(
                fields=["tool"],
                condition=models.Q(status="published"),
                name="toolversion_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool.name} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Section(models.Model):
    version = models.ForeignKey(ToolVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=150)
    guidance = models.TextField(blank=True)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="sections")
    scaled = models.BooleanField(default=True, help_text="Scaled 0–10.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="section_unique_key")
        ]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    YES_NO_NA = "yes_no_na", "Yes / no / not applicable, with evidence"
    TEXT = "text", "Free text"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=80)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    choices = models.JSONField(default=list, blank=True)
    help = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(
        default=False, help_text="The audit cannot be completed until this question is answered."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="question_unique_key")
        ]

    def __str__(self) -> str:
        return self.text


class ToolChangeAction(models.TextChoices):
    DRAFT_CREATED = "draft_created", "Draft created"
    DRAFT_DISCARDED = "draft_discarded", "Draft discarded"
    SECTION_ADDED = "section_added", "Section added"
    SECTION_UPDATED = "section_updated", "Section changed"
    SECTION_DELETED = "section_deleted", "Section deleted"
    SECTION_MOVED = "section_moved", "Section moved"
    QUESTION_ADDED = "question_added", "Question added"
    QUESTION_UPDATED = "question_updated", "Question changed"
    QUESTION_DELETED = "question_deleted", "Question deleted"
    QUESTION_MOVED = "question_moved", "Question moved"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"
    IMPORTED = "imported", "Imported as a draft"
    BANDS_UPDATED = "bands_updated", "Scaling bands changed"
    COMPLETION_RULES = "completion_rules", "Completion rules added"


class ToolChange(models.Model):
    """Who changed what: one row per change to a tool version (or to the scaling bands,
    where `version` is empty). Written by every service in `services.py`, never edited."""

    version = models.ForeignKey(
        ToolVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=ToolChangeAction.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["version", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def summary(self) -> str:
        """One line for the history table, from `detail`."""
        d = self.detail or {}
        parts = []
        if d.get("section"):
            parts.append(f"section “{d['section']}”")
        if d.get("question"):
            parts.append(f"question “{d['question']}”")
        if d.get("from_number"):
            parts.append(f"copied from version {d['from_number']}")
        if d.get("direction"):
            parts.append(f"moved {d['direction']}")
        if d.get("fields"):
            parts.append("changed: " + ", ".join(d["fields"]))
        if d.get("source"):
            parts.append(f"from {d['source']}")
        if d.get("notes"):
            parts.append(f"notes: {d['notes']}")
        if d.get("number") and self.action == ToolChangeAction.DRAFT_DISCARDED:
            parts.append(f"{d.get('tool', '')} version {d['number']}".strip())
        if d.get("replaced_by"):
            parts.append(f"replaced by version {d['replaced_by']}")
        if d.get("required_questions"):
            count = len(d["required_questions"])
            parts.append(f"{count} question{'s' if count != 1 else ''} must now be answered")
        return "; ".join(parts)
