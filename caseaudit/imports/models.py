"""The history of imports: who loaded which staff or case list, when, and what it changed.

Real imports are recorded (a dry run in the page changes nothing and leaves no trace). A refused
import is recorded too, with its first errors, so the history shows attempts that changed nothing.

A large file is imported by a background task (`tasks.import_run_task`): its run is recorded when
it is uploaded ("queued"), holds the uploaded file until the task has read it, and shows how far
the task has got (`phase`, `progress_done` of `progress_total`) on the run's page. A large dry run
is recorded the same way (`dry_run`), so its outcome can be shown when it is done.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportKind(models.TextChoices):
    STAFF = "staff", "Staff list"
    CASES = "cases", "Case list"


class ImportFormat(models.TextChoices):
    STAFF_CSV = "staff-csv", "Staff list (CSV template)"
    CSV = "csv", "Case list (CSV template)"
    ANNEX_A = "annex-a", "Ofsted Annex A"
    SSDA903 = "ssda903", "SSDA903"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "In progress"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Refused"


class ImportPhase(models.TextChoices):
    """The steps of a background import, in order."""

    READING = "reading", "Reading the file"
    CHECKING = "checking", "Checking every row"
    WRITING = "writing", "Saving the changes"
    FINISHED = "finished", "Finished"


# Each step's share of the progress bar (percent at its start and end). Saving is one
# transaction, so it cannot report within itself: the bar waits at 90% until it is done.
PHASE_SPANS = {
    ImportPhase.READING: (0, 45),
    ImportPhase.CHECKING: (45, 90),
    ImportPhase.WRITING: (90, 90),
}
# A run still in progress with no news for this long has probably stopped (its worker died).
STALLED_AFTER = dt.timedelta(minutes=10)


class ImportVia(models.TextChoices):
    WEB = "web", "Upload page"
    COMMAND = "command", "Command line"


# How many error and warning messages a run keeps (the command prints them all).
KEPT_MESSAGES = 200


class ImportRun(models.Model):
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    source_format = models.CharField(max_length=16, choices=ImportFormat.choices)
    file_name = models.CharField(max_length=255)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the command line.",
    )
    via = models.CharField(max_length=16, choices=ImportVia.choices, default=ImportVia.WEB)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(default=0, help_text="Records read from the file.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0, help_text="Staff marked as left (--full).")
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)

    # Background imports (see the module): the options chosen on the upload page, the file
    # until the task has read it (then emptied: it holds children's details), and progress.
    dry_run = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True)
    upload = models.BinaryField(null=True, blank=True, editable=False)
    episodes_upload = models.BinaryField(null=True, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True)
    phase = models.CharField(max_length=16, choices=ImportPhase.choices, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)

    # A staff list's service areas and teams that did not exist (`caseaudit.imports.new_places`):
    # created (a dry run: would be) when allowed, else refused as likely typos; and who
    # allowed them (the page's tick; empty with `new_places_allowed` for --allow-new-teams).
    file_sha256 = models.CharField(max_length=64, blank=True, help_text="The file's SHA-256.")
    new_service_areas = models.JSONField(default=list, blank=True)
    new_teams = models.JSONField(default=list, blank=True, help_text="[team, service area] pairs.")
    new_places_allowed = models.BooleanField(default=False)
    new_places_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text='Who ticked "Create these teams and service areas" for this file.',
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def succeeded(self) -> bool:
        return self.status == ImportStatus.SUCCEEDED

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def percent(self) -> int:
        """How far the run has got, 0-100, for the progress bar."""
        if not self.in_progress:
            return 100
        if self.status == ImportStatus.QUEUED or self.phase not in PHASE_SPANS:
            return 0
        start, end = PHASE_SPANS[self.phase]
        share = min(self.progress_done / self.progress_total, 1) if self.progress_total else 0
        return int(start + (end - start) * share)

    def is_stalled(self, now=None) -> bool:
        """In progress, but with no news for `STALLED_AFTER`: its worker has probably stopped
        (or, still queued, no worker is running)."""
        if not self.in_progress:
            return False
        last = self.progress_at or self.started_at
        return (now or timezone.now()) - last > STALLED_AFTER
