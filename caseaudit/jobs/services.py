"""Writes of the periodic jobs: the scheduler's lease, enqueueing a run and recording it.

Each is one short transaction: the worker and the web server share the database (on SQLite,
its single write lock), so nothing here holds one while a job's body runs.
"""

import datetime as dt
import logging
import traceback

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .models import JobLease, JobRun, RunStatus
from .schedule import JOBS, Job, JobFailed

logger = logging.getLogger(__name__)

SCHEDULER_LEASE = "scheduler"
# How far back a (re)started scheduler catches up on times it missed, e.g. while the lease
# changed hands; older times are skipped, not run late.
CATCH_UP = dt.timedelta(hours=1)


def lease_acquire(*, name: str, holder: str, seconds: int, now: dt.datetime | None = None) -> bool:
    """Take or renew the lease `name` for `holder` until `seconds` from now. True when this
    holder has it: it held it already, or nobody did, or the last holder's has expired."""
    now = now or timezone.now()
    expires = now + dt.timedelta(seconds=seconds)
    with transaction.atomic():
        if JobLease.objects.filter(name=name, holder=holder, expires_at__gt=now).update(
            expires_at=expires
        ):
            return True
        if JobLease.objects.filter(name=name, expires_at__lte=now).update(
            holder=holder, acquired_at=now, expires_at=expires
        ):
            logger.info("%s took the %s lease", holder, name)
            return True
    try:
        with transaction.atomic():
            JobLease.objects.create(name=name, holder=holder, acquired_at=now, expires_at=expires)
    except IntegrityError:
        return False  # someone else holds it
    logger.info("%s took the %s lease", holder, name)
    return True


def lease_release(*, name: str, holder: str) -> None:
    """Give the lease up at once (a scheduler that stops), so another takes over now."""
    with transaction.atomic():
        JobLease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now())


def run_enqueue(
    *, job: Job, scheduled_for: dt.datetime, day: dt.date | None = None, trigger: str = "schedule"
) -> JobRun | None:
    """Record a run of `job` for `scheduled_for` and enqueue its task for the worker. None if
    that time was already enqueued (never twice)."""
    from .tasks import job_run

    day = day or timezone.localdate(scheduled_for)
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name,
                scheduled_for=scheduled_for,
                day=day,
                enqueued_at=timezone.now(),
                trigger=trigger,
            )
            transaction.on_commit(lambda: job_run.enqueue(run.pk))
    except IntegrityError:
        return None
    logger.info("Enqueued job %s for %s", job.name, scheduled_for.isoformat())
    return run


def run_record(*, job: Job, day: dt.date) -> JobRun:
    """Record a run started by hand (`run_job`), to be run at once by the caller."""
    now = timezone.now()
    with transaction.atomic():
        return JobRun.objects.create(
            job=job.name, scheduled_for=now, day=day, enqueued_at=now, trigger="command"
        )


def schedule_tick(
    *, now: dt.datetime | None = None, jobs: dict[str, Job] | None = None
) -> list[JobRun]:
    """Enqueue every job's times that are due by `now` and not yet enqueued: those after its
    last scheduled run (and within `CATCH_UP`). The scheduler calls this every few seconds
    while it holds the lease; calling it twice enqueues nothing twice."""
    now = now or timezone.now()
    jobs = JOBS if jobs is None else jobs
    last = dict(
        JobRun.objects.filter(trigger="schedule", job__in=list(jobs))
        .values_list("job")
        .annotate(Max("scheduled_for"))
    )
    runs = []
    for job in jobs.values():
        after = max(filter(None, [last.get(job.name), now - CATCH_UP]))
        for moment in job.fire_times(after, now):
            run = run_enqueue(job=job, scheduled_for=moment)
            if run is not None:
                runs.append(run)
    return runs


def run_execute(*, run_id: int) -> JobRun | None:
    """Run a recorded run's job body (in the worker's task, or `run_job`), recording its start,
    end, status and report. A run that is not queued (run already) is left alone. A failure
    is logged at ERROR and recorded; it does not raise."""
    with transaction.atomic():
        started = timezone.now()
        if not JobRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=started
        ):
            return None
    run = JobRun.objects.get(pk=run_id)
    job = JOBS.get(run.job)
    try:
        if job is None:
            raise JobFailed(f"No job is called {run.job!r} (removed from the schedule?)")
        result, status = job.body(day=run.day) or "", RunStatus.OK
    except Exception as exc:
        status = RunStatus.FAILED
        result = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
        logger.error("Job %s (run %s for %s) failed: %s", run.job, run.pk, run.day, exc)
    with transaction.atomic():
        JobRun.objects.filter(pk=run_id).update(
            status=status, finished_at=timezone.now(), result=result[:20000]
        )
    run.refresh_from_db()
    return run


def runs_purge(*, days: int) -> int:
    """Delete the records of finished runs older than `days`."""
    with transaction.atomic():
        return JobRun.objects.filter(
            scheduled_for__lt=timezone.now() - dt.timedelta(days=days),
            status__in=[RunStatus.OK, RunStatus.FAILED],
        ).delete()[0]
