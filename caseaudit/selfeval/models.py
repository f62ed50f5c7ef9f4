"""The self-evaluation pack: what the authority knows about the quality and impact of its
social work practice, how it knows it, and what it is doing to improve it (the three
questions of an Ofsted self-evaluation), for a period and a scope (the authority, or one
service).

A `SelfEvaluationPack` holds its figures as a JSON snapshot (`figures.pack_figures`, counted
in the background when the draft is started and again on "refresh figures", never when a page
is shown: `figures_status` says whether a count is pending) and the authors' narrative for
each part. Draft -> in review (a named senior manager) -> approved, or
returned with a comment -> published: a fixed version that never changes. `PackEvent` is its
history: who did what, when.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from caseaudit.organisation.models import ServiceArea, Staff


class PackScope(models.TextChoices):
    AUTHORITY = "authority", "The whole authority"
    SERVICE = "service", "A service"


class PackStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


# A count asked for this long ago and still not stored is taken to be lost (its worker
# stopped): the figures may be asked for again (the lost count, if it ever ends, then stores
# nothing: it no longer answers the latest request).
FIGURES_STALE = dt.timedelta(minutes=30)


class FiguresStatus(models.TextChoices):
    """Where the pack's figures stand: a count asked for and not stored yet (`pending`: the
    figures shown, if any, are the last ones counted), stored (`ready`), or the last count
    failed (`failed`: its short error is kept; the last figures counted, if any, stay)."""

    PENDING = "pending", "Being counted"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be counted"


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
    # The figures (`figures.pack_figures` plus the comparison and generated drafts), when they
    # were last counted and who asked for that count ({} and no time until the first count).
    figures = models.JSONField(default=dict)
    figures_at = models.DateTimeField(null=True, blank=True)
    figures_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    # The count in the background (`services.pack_count_figures`): its state, when and by whom
    # the latest count was asked (a count stores its figures only if it answers the latest
    # request: compare-and-set on `figures_asked_at`), and the short error of a failed one.
    figures_status = models.CharField(
        max_length=8, choices=FiguresStatus.choices, default=FiguresStatus.READY
    )
    figures_asked_at = models.DateTimeField(null=True, blank=True)
    figures_asked_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    figures_error = models.CharField(max_length=200, blank=True)
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
            models.CheckConstraint(
                condition=~models.Q(figures_status="ready") | models.Q(figures_at__isnull=False),
                name="selfevalpack_ready_figures_have_time",
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
    def figures_pending(self) -> bool:
        """A count of the figures is asked for and not stored yet."""
        return self.figures_status == FiguresStatus.PENDING

    def figures_may_be_asked(self, now: dt.datetime | None = None) -> bool:
        """Whether a count of the figures may be asked for: none is pending, or the pending
        one was asked more than FIGURES_STALE ago (`services.pack_refresh`)."""
        if not self.figures_pending:
            return True
        asked = self.figures_asked_at
        return asked is None or asked < (now or timezone.now()) - FIGURES_STALE

    @property
    def figures_failed(self) -> bool:
        return self.figures_status == FiguresStatus.FAILED

    @property
    def has_figures(self) -> bool:
        """Figures have been counted at least once (they may be being counted again)."""
        return self.figures_at is not None

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
    REFRESHED = "refreshed", "Figures refresh asked for"
    COUNTED = "counted", "Figures counted"
    COUNT_FAILED = "count_failed", "Figures could not be counted"
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
