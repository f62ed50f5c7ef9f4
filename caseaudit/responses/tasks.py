"""Background tasks of the responses app (django-tasks)."""

import datetime as dt

from django_tasks import task

from .services import run_due_jobs


@task()
def due_jobs_run(date: str | None = None) -> dict:
    """`run_due_jobs` for a day ("2026-12-31"; default today), for the worker's schedule.
    Safe to run any number of times: nothing is sent twice. Returns the counts by kind."""
    report = run_due_jobs(today=dt.date.fromisoformat(date) if date else None)
    return {"date": report.today.isoformat(), "sent": dict(report.counts), "errors": report.errors}
