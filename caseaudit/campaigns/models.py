"""Thematic audits and Safeguarding Assurance Days (docs/campaigns.md).

A `Campaign` is a set of extra audits outside the monthly programme: its name, purpose, dates,
the tool, the criteria its sample of cases is drawn by (with a seed, so the same cases and
seed draw the same sample) and the auditors invited. While a draft it is previewed and
changed (`revision` guards against two people editing it at once); confirming it fixes the
sample as `CampaignCase` rows, each given to one invited auditor with the words that explain
why, and writes one `cases.CaseAssignment` per case: what puts the case in that auditor's case
scope while the campaign runs (a Lead Member sees nothing else).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from caseaudit.audit_tools.models import Tool
from caseaudit.cases.models import Case, CaseAssignment
from caseaudit.organisation.models import ServiceArea, Staff, Team


class Purpose(models.TextChoices):
    """Why the campaign is run (the procedure's words)."""

    THEMES = "themes", "To identify themes of activity"
    STAFF = "staff", "To review the work of a specific member of staff"
    LEARNING = "learning", "As a learning opportunity"
    ASSURANCE_DAY = "assurance_day", "Safeguarding Assurance Day"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"
    CLOSED = "closed", "Closed early"


class Campaign(models.Model):
    name = models.CharField(max_length=120)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    description = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )

    # Whose cases it may draw from: its creator's scope when it was set up (a Team Manager's
    # team, a CSM's service; neither: every case in the authority).
    scope_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_service = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The criteria of the sample (empty: any).
    team_ids = models.JSONField(default=list, blank=True)
    case_types = models.JSONField(default=list, blank=True)
    worker = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    open_months_min = models.PositiveSmallIntegerField(null=True, blank=True)
    open_months_max = models.PositiveSmallIntegerField(null=True, blank=True)
    last_scale_bands = models.JSONField(default=list, blank=True)
    sample_size = models.PositiveSmallIntegerField()
    seed = models.PositiveIntegerField()

    auditors = models.ManyToManyField(Staff, through="CampaignAuditor", related_name="+")

    # Every change to a draft increments it; a change or the confirmation names the revision
    # it read (compare-and-set).
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The sample's words as confirmed ("Drawn from 40 open cases that ...").
    sample_explanation = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [
            # The campaign list of a team's or service's managers.
            models.Index(fields=["scope_team", "starts_on"], name="campaign_team_starts"),
            models.Index(fields=["scope_service", "starts_on"], name="campaign_service_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(sample_size__gte=1), name="campaign_sample_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == CampaignStatus.DRAFT

    def phase(self, today: dt.date | None = None) -> str:
        """Where it stands: "draft", "upcoming", "running", "ended" or "closed"."""
        if self.status == CampaignStatus.DRAFT:
            return "draft"
        if self.status == CampaignStatus.CLOSED:
            return "closed"
        today = today or timezone.localdate()
        if today < self.starts_on:
            return "upcoming"
        return "running" if today <= self.ends_on else "ended"

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase()]

    @property
    def is_live(self) -> bool:
        return self.phase() == "running"


PHASE_LABELS = {
    "draft": "Draft",
    "upcoming": "Not started",
    "running": "Running",
    "ended": "Ended",
    "closed": "Closed early",
}


class CampaignAuditor(models.Model):
    """A member of staff invited to audit the campaign's cases."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="campaign_invitations")
    invited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["staff__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "staff"], name="campaignauditor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.staff_id}"


class CampaignCase(models.Model):
    """A case of the confirmed sample: its place in the draw, its auditor and why."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    auditor = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    reason = models.TextField()
    assignment = models.OneToOneField(
        CaseAssignment, on_delete=models.PROTECT, related_name="campaign_case"
    )

    class Meta:
        ordering = ["campaign", "position"]
        indexes = [
            # The campaigns of an auditor's cases (their list and the case scope's campaigns).
            models.Index(fields=["auditor", "campaign"], name="campaigncase_auditor"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "case"], name="campaigncase_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.case_id}"


class CampaignEventKind(models.TextChoices):
    CREATED = "created", "Set up"
    CHANGED = "changed", "Changed"
    CONFIRMED = "confirmed", "Confirmed"
    CLOSED = "closed", "Closed early"
    AUDIT_STARTED = "audit_started", "Audit started"


class CampaignEvent(models.Model):
    """The campaign's history: who set it up, changed, confirmed or closed it, and who started
    which of its audits (`detail` holds the particulars)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=CampaignEventKind.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["campaign", "at"], name="campaignevent_campaign_at")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
