"""The periodic jobs, declared in code with their schedules (cron syntax, local time).

    @job("name", "MIN HOUR DOM MON DOW", "What it does")
    def name(*, day: datetime.date) -> str: ...   # returns its report; raises on failure

`manage.py run_scheduler` (exactly one runs: a lease in the database) enqueues each job at its
times as a django-tasks task (`caseaudit.jobs.tasks.job_run`) that the task worker runs;
`manage.py run_job NAME [--date YYYY-MM-DD]` runs one now. Each run is recorded (`JobRun`) and
listed at /jobs/. The bodies wrap the management commands that cron used to run: their logic
stays where it was. Days of the week are names (mon-fri): APScheduler numbers Monday 0, cron 1.
"""

import datetime as dt
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management import call_command

from caseaudit.imports.services import imports_fail_stale
from caseaudit.improvement.due import improvement_due_jobs
from caseaudit.moderation.services import sample_draw_monthly
from caseaudit.notifications.tasks import digest_send_all
from caseaudit.reports.services import export_purge, summary_catch_up

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    """A job ran but reports a failure (its message is the report)."""


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    description: str
    body: Callable[..., str]

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=ZoneInfo(settings.TIME_ZONE))

    def fire_times(self, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        """The scheduled times strictly after `after` and up to `until` (inclusive)."""
        trigger, times = self.trigger(), []
        moment = trigger.get_next_fire_time(None, after + dt.timedelta(microseconds=1))
        while moment is not None and moment <= until:
            times.append(moment)
            moment = trigger.get_next_fire_time(moment, moment + dt.timedelta(microseconds=1))
        return times

    def next_time(self, now: dt.datetime) -> dt.datetime | None:
        return self.trigger().get_next_fire_time(None, now)

    @property
    def schedule_text(self) -> str:
        return describe_cron(self.cron)


JOBS: dict[str, Job] = {}


def job(name: str, cron: str, description: str):
    def register(body):
        JOBS[name] = Job(name=name, cron=cron, description=description, body=body)
        return body

    return register


_DAYS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def describe_cron(cron: str) -> str:
    """A crontab line in words, for the schedules used here ("07:00, Monday to Friday")."""
    minute, hour, dom, month, dow = cron.split()
    if minute.startswith("*/") and hour == "*":
        when = f"Every {minute[2:]} minutes"
    elif minute == "*" and hour == "*":
        when = "Every minute"
    elif minute.isdigit() and hour.isdigit():
        when = f"{int(hour):02d}:{int(minute):02d}"
    elif minute.isdigit() and hour == "*":
        when = f"Every hour at {int(minute)} minutes past"
    else:
        return f"cron {cron}"
    if dom != "*" or month != "*":
        return f"{when} (cron {cron})"
    if dow == "*":
        return f"{when}, every day" if when[0].isdigit() else when
    if "-" in dow and "," not in dow:
        first, last = dow.split("-")
        days = f"{_DAYS.get(first, first)} to {_DAYS.get(last, last)}"
    else:
        days = ", ".join(_DAYS.get(d, d) for d in dow.split(","))
    return f"{when}, {days}"


def _command(name: str, *args, **options) -> str:
    """Run a management command, returning what it printed (its errors raise)."""
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=out, **options)
    return out.getvalue().strip()


# --- The jobs --------------------------------------------------------------------------------


@job(
    "due_reminders",
    "0 7 * * mon-fri",
    "Reminders and escalations of QA responses and restorative actions due, and the chasing "
    "of urgent findings nobody has acknowledged: a reminder after 1 working day, the CSM after "
    "2, the Assistant Director after 5 (run_due_jobs). Bank holidays and closure days are "
    "skipped by the job itself.",
)
def due_reminders(*, day: dt.date) -> str:
    done = _command("run_due_jobs", date=day.isoformat())
    # Overdue improvement actions and follow-up audits due (caseaudit/improvement/due.py).
    return f"{done}\n{improvement_due_jobs(today=day)}"


@job(
    "pending_emails",
    "*/5 * * * *",
    "Safety net for notification emails: enqueues every pending email that is due "
    "(send_pending_emails --enqueue).",
)
def pending_emails(*, day: dt.date) -> str:
    return _command("send_pending_emails", enqueue=True)


@job(
    "report_summary_catch_up",
    "*/5 * * * *",
    "Rebuilds the report summaries when cases have moved between teams or case types, or been "
    "erased, since they were counted (a case import, an erasure); until then the reports read "
    "the audits themselves. One query when they are current.",
)
def report_summary_catch_up(*, day: dt.date) -> str:
    return summary_catch_up()


@job(
    "report_summary",
    "30 1 * * *",
    "Recounts the practice-quality summary and deletes report files past their day "
    "(refresh_report_summary).",
)
def report_summary(*, day: dt.date) -> str:
    return _command("refresh_report_summary")


@job(
    "background_files",
    "45 1 * * *",
    "Deletes prepared report files past their day, finished background task records older "
    "than 14 days and job run records older than 90 days.",
)
def background_files(*, day: dt.date) -> str:

    from .services import runs_purge

    files = export_purge()
    tasks = _command("prune_db_task_results", min_age_days=14)
    return f"Report files deleted: {files}. {tasks} Job runs deleted: {runs_purge(days=90)}."


@job(
    "moderation_sample",
    "0 3 1 * *",
    "Draws last month's moderation sample as a draft for Performance Assurance to review and "
    "confirm (moderation_sample), unless it is drawn already.",
)
def moderation_sample(*, day: dt.date) -> str:
    return sample_draw_monthly(day=day)


@job(
    "retention_report",
    "0 2 * * *",
    "Lists the closed cases past the retention period (apply_retention --dry-run). It deletes "
    "nothing: erasing children's records is run by hand, once the period is agreed.",
)
def retention_report(*, day: dt.date) -> str:
    return _command("apply_retention", dry_run=True, today=day.isoformat())


@job(
    "stale_imports",
    "*/15 * * * *",
    "Marks background imports that stopped without finishing as failed.",
)
def stale_imports(*, day: dt.date) -> str:
    return f"Stale imports marked failed: {imports_fail_stale()}."


@job(
    "notification_digest",
    "30 7 * * *",
    "Sends each person their daily digest of notifications.",
)
def notification_digest(*, day: dt.date) -> str:
    # The digest task runs here, inside this job's own task, through django-tasks' .call().
    return f"Digest: {digest_send_all.call()}."
