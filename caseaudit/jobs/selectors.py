"""Reads of the periodic jobs (system administrators only)."""

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from caseaudit.core.typing import Actor

from .models import JobLease, JobRun, RunStatus
from .policy import jobs_allowed
from .schedule import JOBS, Job
from .services import SCHEDULER_LEASE


@dataclass
class JobRow:
    job: Job
    last: JobRun | None
    last_failed: JobRun | None
    next_time: dt.datetime | None


def job_overview(*, user: Actor, now: dt.datetime | None = None) -> list[JobRow]:
    """Every job with its last run, its last failure and its next time: two indexed queries a
    job, however many runs are recorded."""
    if not jobs_allowed(user):
        raise Http404("Not found")
    now = now or timezone.now()
    rows = []
    for name, job in JOBS.items():
        runs = JobRun.objects.filter(job=name).order_by("-scheduled_for", "-pk")
        rows.append(
            JobRow(
                job=job,
                last=runs.first(),
                last_failed=runs.filter(status=RunStatus.FAILED).first(),
                next_time=job.next_time(now),
            )
        )
    return rows


def job_recent_failures(*, user: Actor, limit: int = 20) -> list[JobRun]:
    if not jobs_allowed(user):
        raise Http404("Not found")
    return list(JobRun.objects.filter(status=RunStatus.FAILED)[:limit])


def scheduler_lease(*, user: Actor) -> JobLease | None:
    if not jobs_allowed(user):
        raise Http404("Not found")
    return JobLease.objects.filter(name=SCHEDULER_LEASE).first()
