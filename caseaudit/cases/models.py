"""The case register: children and carer households whose records are audited."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.functions import Coalesce, Greatest, Now
from django.utils import timezone

# CaseType lives in core (the audit tools speak it too); re-exported here for the cases app.
from caseaudit.core.case_types import CaseType as CaseType
from caseaudit.organisation.models import Staff, Team


class SubjectType(models.TextChoices):
    CHILD = "child", "Child"
    FOSTER_CARER = "foster_carer", "Foster carer household"
    ADOPTER = "adopter", "Adopter household"


CHILD_CASE_TYPES = frozenset(
    {CaseType.CIN, CaseType.CP, CaseType.CLA, CaseType.CARE_LEAVER, CaseType.EARLY_HELP}
)
CARER_CASE_TYPES = frozenset({CaseType.FOSTERING, CaseType.ADOPTION})


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_on__isnull=True)

    def closed(self):
        return self.filter(closed_on__isnull=False)


def audit_clock_start() -> Greatest:
    """The date a case's 12-month audit clock runs from: its last audit, or its opening
    (carers: their first Panel), whichever is later (as `programme.due.next_due`). The lists
    of cases due or not audited are ordered by it, longest waiting first: an index of the
    open cases holds that order (`Case.Meta.indexes`), so a page of them reads 25 rows, not
    a sort of every open case."""
    start = Coalesce("first_panel_on", "opened_on", output_field=models.DateField())
    return Greatest(start, Coalesce("last_audited_on", start), output_field=models.DateField())


class Case(models.Model):
    reference = models.CharField(
        max_length=40, unique=True, help_text="The authority's own case identifier."
    )
    display_name = models.CharField(max_length=150)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    case_type = models.CharField(max_length=16, choices=CaseType.choices)
    date_of_birth = models.DateField(null=True, blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    allocated_worker = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    first_panel_on = models.DateField(
        "first presentation at Panel", null=True, blank=True, help_text="Carers only."
    )
    # The last audit held in a previous system, as imported; audits done here update it.
    last_audited_on = models.DateField(null=True, blank=True)
    contact_name = models.CharField("family contact", max_length=150, blank=True)
    contact_relationship = models.CharField(max_length=80, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_address = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        indexes = [
            models.Index(fields=["team", "closed_on"]),
            models.Index(fields=["allocated_worker", "closed_on"]),
            models.Index(fields=["case_type", "closed_on"]),
            models.Index(fields=["display_name"]),
            models.Index(
                audit_clock_start(),
                models.F("reference"),
                name="case_open_audit_clock",
                condition=models.Q(closed_on__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="case_closed_after_opened",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def is_carer(self) -> bool:
        return self.subject_type != SubjectType.CHILD

    @property
    def practice_supervisor(self) -> Staff | None:
        """The allocated worker's line manager: their Practice Supervisor (or manager)."""
        return self.allocated_worker.line_manager if self.allocated_worker else None


class CaseEventKind(models.TextChoices):
    CLOSED = "closed", "Closed"
    # Written by the case list imports (`caseaudit.imports.services`), naming the import run;
    # "updated" keeps each changed field's old and new value.
    IMPORTED = "imported", "Added by an import"
    UPDATED = "updated", "Changed by an import"
    # Written by `caseaudit.audits.discard` when an auditor discards a draft audit of the case.
    AUDIT_DISCARDED = "audit_discarded", "Draft audit discarded"


class CaseEvent(models.Model):
    """The case's history: who changed it, when and why (`detail` holds the particulars,
    e.g. the closure date, the reason and the closure audit). Written by `cases.services`
    (closure) and the case list imports (added, changed)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=CaseEventKind.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def changed_fields(self) -> list[str]:
        """For an "updated" entry, the names of the fields the import changed, alphabetically
        (PostgreSQL's jsonb does not keep the order keys were written in)."""
        names = []
        for attname in (self.detail or {}).get("changes", {}):
            try:
                names.append(str(Case._meta.get_field(attname).verbose_name))
            except FieldDoesNotExist:
                names.append(attname.replace("_", " "))
        return sorted(names)


class AssignmentSource(models.TextChoices):
    CAMPAIGN = "campaign", "Campaign"


class CaseAssignmentQuerySet(models.QuerySet):
    def live(self):
        """Those in force now: started, not yet ended (compared in the database, with its
        clock, so a case scope built once stays right from one day to the next)."""
        now = Now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)


class CaseAssignment(models.Model):
    """A case given to a member of staff to audit for a while, by a higher app (today a
    campaign: `caseaudit.campaigns.services` writes these rows, and nothing else does).

    While it is in force (`starts_at` <= now < `ends_at`) the case is in the person's case
    scope (`cases.selectors._own_work_scope`): it is how a Lead Member sees the one or two
    cases of a Safeguarding Assurance Day and nothing more. `tool_code` is the tool the audit
    is to use (audits.policy keeps a Lead Member to it). `source`/`source_id` name the record
    that made it (the campaign), for the history and for ending it early."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assignments")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="case_assignments")
    source = models.CharField(max_length=16, choices=AssignmentSource.choices)
    source_id = models.PositiveIntegerField()
    tool_code = models.CharField(max_length=40)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # The case scope's subquery: a person's assignments in force (by staff, then the
            # dates), read with the case id from the index alone.
            models.Index(
                fields=["staff", "ends_at", "starts_at", "case"], name="caseassignment_scope"
            ),
            models.Index(fields=["source", "source_id"], name="caseassignment_source"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "case", "staff"], name="caseassignment_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="caseassignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} to {self.staff_id} ({self.source} {self.source_id})"


class CaseGrouping(models.Model):
    """One row: how many times cases have moved between teams or case types, or been erased
    with their audits (`services.cases_regrouped` counts one up in the writer's transaction;
    no row yet means version 0).
    Figures kept per team elsewhere note the version they were counted at and are stale once
    it moves on (the reports' summaries: `reports.services.summary_is_built`), so the case
    register need not know who keeps them."""

    ROW = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ROW)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="casegrouping_one_row")
        ]

    def __str__(self) -> str:
        return f"case grouping version {self.version}"


def case_grouping_version() -> Coalesce:
    """The grouping version as a subquery (0 before the first regrouping), for a query that
    compares it with the version its figures were counted at."""
    return Coalesce(
        models.Subquery(CaseGrouping.objects.filter(pk=CaseGrouping.ROW).values("version")[:1]),
        0,
    )
