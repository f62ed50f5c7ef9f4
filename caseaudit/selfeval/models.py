"""The self-evaluation pack: what the authority knows about the quality and impact of its
social work practice, how it knows it, and what it is doing to improve it (the three
questions of an Ofsted self-evaluation), for a period and a scope (the authority, or one
service).

A `SelfEvaluationPack` holds its figures as a JSON snapshot (`figures.pack_figures`, computed
when the draft is started and again on "refresh figures", never when a page is shown) and the
authors' narrative for each part. Draft -> in review (a named senior manager) -> approved, or
returned with a comment -> published: a fixed version that never changes. `PackEvent` is its
history: who did what, when.
"""

from django.conf import settings
from django.db import models

from caseaudit.organisation.models import ServiceArea, Staff


class PackScope(models.TextChoices):
    AUTHORITY = "authority", "The whole authority"
    SERVICE = "service", "A service"


class PackStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


# The three parts, in order: (key, heading). The narrative field of part `key` is
# `narrative_<key>`.
PARTS = (
    ("know", "What we know about the quality and impact of our practice"),
    ("how", "How we know it"),
    ("doing", "What we are doing to improve"),
)


class SelfEvaluationPack(models.Model):
    title = models.CharField(max_length=200)
    scope_kind = models.CharField(max_length=12, choices=PackScope.choices)
    service = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=12, choices=PackStatus.choices, default=PackStatus.DRAFT)
    # The authors' words for each part (pre-filled with a generated draft to rewrite).
    narrative_know = models.TextField(blank=True)
    narrative_how = models.TextField(blank=True)
    narrative_doing = models.TextField(blank=True)
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Every edit of the draft increments it; a save names the revision it read.
    revision = models.PositiveIntegerField(default=1)
    # The figures (`figures.pack_figures` plus the comparison and generated drafts), and when
    # and by whom they were last computed.
    figures = models.JSONField()
    figures_at = models.DateTimeField()
    figures_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
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
    # The last pack of the same scope published before this one (set on publishing).
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-pk"]
        indexes = [
            # The latest published pack of a scope (`selectors.previous_pack_of`).
            models.Index(
                fields=["scope_kind", "service", "-published_at"],
                condition=models.Q(status="published"),
                name="selfevalpack_published",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="selfevalpack_period",
            ),
            models.CheckConstraint(
                condition=models.Q(scope_kind="authority", service__isnull=True)
                | models.Q(scope_kind="service", service__isnull=False),
                name="selfevalpack_scope",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="selfevalpack_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PackStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == PackStatus.DRAFT

    @property
    def scope_label(self) -> str:
        if self.scope_kind == PackScope.SERVICE and self.service is not None:
            return f"The {self.service.name} service"
        return "The whole authority"

    @property
    def period_label(self) -> str:
        return f"{self.period_start:%-d %B %Y} to {self.period_end:%-d %B %Y}"

    def narrative(self, part: str) -> str:
        return str(getattr(self, f"narrative_{part}"))


class PackEventKind(models.TextChoices):
    CREATED = "created", "Started"
    EDITED = "edited", "Narrative edited"
    REFRESHED = "refreshed", "Figures refreshed"
    SENT_FOR_REVIEW = "sent_for_review", "Sent for review"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class PackEvent(models.Model):
    """The history of a self-evaluation pack: who did what, when."""

    pack = models.ForeignKey(SelfEvaluationPack, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=PackEventKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.pack_id})"
