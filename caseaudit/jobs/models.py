"""The periodic jobs' records: who holds the scheduler's lease, and what each run did."""

from django.db import models


class JobLease(models.Model):
    """A named lease: the one process allowed to act (the scheduler) until `expires_at`.

    The holder renews it every few seconds; another process takes it over only once it has
    expired (`caseaudit.jobs.services.lease_acquire`), so exactly one scheduler enqueues jobs
    however many are started."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%H:%M:%S}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    OK = "ok", "Succeeded"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    """One run of a periodic job: made when the scheduler enqueues it (or `run_job` runs it),
    updated by the task when it starts and ends. One per job and scheduled time, so a time
    is never enqueued twice."""

    job = models.CharField(max_length=50)
    scheduled_for = models.DateTimeField()
    day = models.DateField(help_text="The day the job acts for (its local date, or --date).")
    enqueued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    result = models.TextField(blank=True)  # the job's report, or the error
    trigger = models.CharField(max_length=20, default="schedule")  # or "command"

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "scheduled_for"], name="jobrun_once_per_time")
        ]
        indexes = [models.Index(fields=["job", "-scheduled_for"], name="jobrun_latest_idx")]

    def __str__(self) -> str:
        return f"{self.job} at {self.scheduled_for:%Y-%m-%d %H:%M} ({self.status})"
