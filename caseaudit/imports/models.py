"""The history of imports: who loaded which staff or case list, when, and what it changed.

Only real imports are recorded (a dry run changes nothing and leaves no trace). A refused import is
recorded too, with its first errors, so the history shows attempts that changed nothing.
"""

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
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Refused"


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

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def succeeded(self) -> bool:
        return self.status == ImportStatus.SUCCEEDED
