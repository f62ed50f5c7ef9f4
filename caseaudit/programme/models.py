"""The monthly programme: which member of staff audits which case, and why.

A `ProgrammeMonth` is generated as a draft (reproducibly, from its stored seed), reviewed,
then confirmed. Each `Allocation` is one expected audit; one with no case records a rule that
could not be met this month, with the reason, so expected counts stay honest.
"""

from django.conf import settings
from django.db import models

from caseaudit.cases.models import Case
from caseaudit.organisation.models import Staff, Team

# The programme's enumerations live in choices.py (the allocation engine uses them without
# Django's models); imported here for the callers that use this path.
from .choices import OPEN_STATUSES, AllocationStatus, MonthStatus, Rule


class ProgrammeMonth(models.Model):
    month = models.DateField(unique=True, help_text="The first day of the month.")
    seed = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=MonthStatus.choices, default=MonthStatus.DRAFT)
    generated_at = models.DateTimeField()
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
        return self.month.strftime("%B %Y")

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def is_confirmed(self) -> bool:
        return self.status == MonthStatus.CONFIRMED


class Allocation(models.Model):
    programme = models.ForeignKey(
        ProgrammeMonth, on_delete=models.CASCADE, related_name="allocations"
    )
    auditor = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="allocations")
    # The auditor's team when generated, to spot someone who has since moved team.
    auditor_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.CharField(max_length=20, choices=Rule.choices)
    # For ps-peer: the Practice Supervisor whose cases this audit looks at.
    peer = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="peer_allocations"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    tool_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(help_text="Why this case (or why no case could be chosen).")
    status = models.CharField(
        max_length=12, choices=AllocationStatus.choices, default=AllocationStatus.PLANNED
    )
    audit = models.OneToOneField(
        "audits.Audit", null=True, blank=True, on_delete=models.SET_NULL, related_name="allocation"
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_note = models.CharField(max_length=300, blank=True)
    # The last time someone chased the auditor (`services.allocation_chase`, at most once a day)
    # and who; `chase_count` how often in all.
    chased_at = models.DateTimeField(null=True, blank=True)
    chased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chase_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["programme", "rule", "auditor__name"]
        indexes = [
            models.Index(fields=["auditor", "programme"]),
            # The open allocations (most are completed): the cases a new month may not take
            # (`selectors.case_rows(free_for=...)`) and the ones carried over into a later month
            # (`selectors.allocations_carried_over`), by month and case.
            models.Index(
                fields=["programme", "case"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="allocation_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "case"],
                condition=models.Q(case__isnull=False)
                & ~models.Q(status=AllocationStatus.CANCELLED),
                name="allocation_case_once_a_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.auditor} → {self.case or 'unfilled'} ({self.rule})"

    @property
    def is_unfilled(self) -> bool:
        return self.case_id is None

    @property
    def is_open(self) -> bool:
        """Not yet done (nor cancelled): carried over until its audit is completed."""
        return self.status in OPEN_STATUSES


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class FollowUp(models.Model):
    """A follow-up audit of a case whose audit's overall scale fell in the lowest band: due
    some months later (`settings.FOLLOWUP_MONTHS`), allocated first by the monthly programme,
    and done when a later audit of the case is completed (`followups.py`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followups")
    audit = models.OneToOneField("audits.Audit", on_delete=models.CASCADE, related_name="followup")
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.SCHEDULED
    )
    created_at = models.DateTimeField()
    done_audit = models.ForeignKey(
        "audits.Audit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The day the case's managers were told it is due (FOLLOWUP_DUE), once.
    notified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            # The scheduled follow-ups by due date: the due page, the programme's case rows
            # and the daily notice.
            models.Index(
                fields=["case", "due_on"],
                condition=models.Q(status="scheduled"),
                name="followup_scheduled",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up of audit {self.audit_id} due {self.due_on}"
