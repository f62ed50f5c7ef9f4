"""Derived figures kept for the practice-quality and findings reports.

`ScaleSummary` counts the scaled sections of completed audits by the month the audit was
completed (in the authority's time zone), the case's team and type, and the section: how many,
their total, how many at each point of the 0–10 scale (so the scaling bands, which are
configuration, are applied when the report is read) and how many had each Signs of Safety
column written. A report of a year reads a few thousand of these rows instead of aggregating
every section answer of the year, which is what made those pages slow.

The table is maintained by `services`: rebuilt in full (`manage.py refresh_report_summary`,
nightly, and after the demo is seeded), and kept current between rebuilds as audits are
completed and reopened. Anything that moves counts between teams or removes audits (a case
import changing a case's team or type, erasing a case) marks it stale instead; reports then
aggregate the live tables, exactly as before, until the next rebuild. `SummaryState` holds
when it was last built: no row means "not built", so the live path is used.

`AuditorSummary` is kept the same way (by the same calls, each table with its own state
row): the compliance report's "other audits" (completed audits that no programme allocation
asked for) by month, auditor, case type and tool, which at the national scale was a count of
a year's audits on every view of the report. So is `GradeSummary`: completed audits and their
overall scale (final grade) by month, team, case type and tool, for the pages' figures of the
audits. `AuthorityScaleSummary` is `ScaleSummary` without the team, for the reports of the
whole authority.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from caseaudit.audit_tools.models import Section, Tool
from caseaudit.organisation.models import Staff, Team

SCALE_POINTS = range(11)  # 0..10
TEXT_FIELDS = ("working_well", "worried_about", "needs_to_happen")
# Per point of the scale, how many sections had each column written ("ww7": sections scaled 7
# with "what is working well" written): the findings report finds from these which scales its
# best and worst excerpts can come from, and reads only those answers.
TEXT_PREFIXES = {"working_well": "ww", "worried_about": "wa", "needs_to_happen": "nh"}


class ScaleCounts(models.Model):
    """The counts of a group of scaled sections (the columns of `services.summary_counts`)."""

    n = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    s0 = models.IntegerField(default=0)
    s1 = models.IntegerField(default=0)
    s2 = models.IntegerField(default=0)
    s3 = models.IntegerField(default=0)
    s4 = models.IntegerField(default=0)
    s5 = models.IntegerField(default=0)
    s6 = models.IntegerField(default=0)
    s7 = models.IntegerField(default=0)
    s8 = models.IntegerField(default=0)
    s9 = models.IntegerField(default=0)
    s10 = models.IntegerField(default=0)
    working_well = models.IntegerField(default=0)
    worried_about = models.IntegerField(default=0)
    needs_to_happen = models.IntegerField(default=0)
    for _prefix in TEXT_PREFIXES.values():
        for _point in SCALE_POINTS:
            locals()[f"{_prefix}{_point}"] = models.IntegerField(default=0)
    del _prefix, _point

    class Meta:
        abstract = True


class ScaleSummary(ScaleCounts):
    month = models.DateField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    case_type = models.CharField(max_length=16)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "case_type", "section"], name="scalesummary_unique"
            )
        ]
        # A report reads a period's months: at the national scale a year is a fifth of the
        # table's 900,000 rows, which the rebuild writes in month order, so the index finds
        # them together instead of scanning the whole table.
        indexes = [models.Index(fields=["month"], name="scalesummary_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} team {self.team_id} {self.case_type} section {self.section_id}"


class AuthorityScaleSummary(ScaleCounts):
    """`ScaleSummary` added up over the teams: the same counts by month, case type and
    section. The reports of the whole authority (no team or service chosen) read these: at
    the national scale a year is some 186,000 team rows, summed in 80 ms on every such page,
    and a few thousand of these."""

    month = models.DateField()
    case_type = models.CharField(max_length=16)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "case_type", "section"], name="authorityscalesummary_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.case_type} section {self.section_id}"


class AuditorSummary(models.Model):
    """Completed audits that no allocation asked for ("other audits"), by the month they were
    completed in (the authority's time zone), their auditor, the case's type and the tool.
    Whose figures they are (the auditor's team and service) is read from the staff when the
    report is, as the live count does."""

    month = models.DateField()
    auditor = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    case_type = models.CharField(max_length=16)
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="+")
    other = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "auditor", "case_type", "tool"], name="auditorsummary_unique"
            )
        ]
        indexes = [models.Index(fields=["month"], name="auditorsummary_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} auditor {self.auditor_id} {self.case_type} tool {self.tool_id}"


class GradeSummary(models.Model):
    """Completed audits by the month they were completed in (the authority's time zone), the
    case's team and type, and the tool: how many, and how many at each point of the overall
    scale, which is the audit's final grade (a completed moderation that changes it moves its
    audit from the auditor's point to the moderated one: `workflows.moderation`). The report
    pages' figures of the audits (how many, their average overall scale, how many in each
    band) add up a year of these rows instead of a year of audits."""

    month = models.DateField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    case_type = models.CharField(max_length=16)
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="+")
    audits = models.IntegerField(default=0)
    for _point in SCALE_POINTS:
        locals()[f"o{_point}"] = models.IntegerField(default=0)
    del _point
    # Audits whose overall scale a completed moderation changed (the auditor's and the
    # moderated scale both given, and different): "grades changed by moderation".
    regraded = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "case_type", "tool"], name="gradesummary_unique"
            )
        ]
        indexes = [models.Index(fields=["month"], name="gradesummary_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} team {self.team_id} {self.case_type} tool {self.tool_id}"


# The overall scale's columns of `GradeSummary`: "o7" counts the audits graded 7.
GRADE_COLUMNS = tuple(f"o{point}" for point in SCALE_POINTS)


class SummaryState(models.Model):
    """One row per summary table, present once the table is complete. It is current while
    `grouping_version` is the case register's (`cases.models.CaseGrouping`): cases that
    moved between teams or case types, or were erased, since the table was counted make it
    stale without the case register knowing about reports."""

    name = models.CharField(max_length=32, primary_key=True)
    built_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    grouping_version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} built {self.built_at:%Y-%m-%d %H:%M}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ReportExport(models.Model):
    """A report file prepared in the background for the one user who asked for it (the
    findings PDF takes seconds to lay out; a year's spreadsheet at the national scale, half a
    minute). Only that user can see or download it; it is
    deleted `services.EXPORT_KEPT` after it was asked for. The download is access-logged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.CharField(max_length=16)
    file_format = models.CharField(max_length=4, default="pdf")  # files.FILE_FORMATS
    params = models.CharField(max_length=2000, blank=True)  # the report's filters, as a query
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.report} export {self.pk} ({self.status})"
