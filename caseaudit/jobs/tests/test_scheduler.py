"""The periodic jobs: schedules with a moved clock, the scheduler's lease, the recorded runs,
`run_job` and `run_worker`."""

import datetime as dt
import logging
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import OperationalError

from caseaudit.jobs import services
from caseaudit.jobs.models import JobRun, RunStatus
from caseaudit.jobs.schedule import JOBS, Job, describe_cron

LONDON = ZoneInfo("Europe/London")
REMINDERS = {"due_reminders": JOBS["due_reminders"]}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def test_the_reminders_fire_at_seven_on_working_days_only():
    job = JOBS["due_reminders"]
    # Thursday 3 to Monday 7 December 2026: Thursday, Friday and Monday at 07:00, no weekend.
    times = job.fire_times(at(2026, 12, 3, 0, 0), at(2026, 12, 7, 23, 59))
    assert times == [at(2026, 12, 3, 7, 0), at(2026, 12, 4, 7, 0), at(2026, 12, 7, 7, 0)]
    # Local time across the change to summer time: still 07:00 in London.
    assert job.fire_times(at(2027, 3, 29, 6, 0), at(2027, 3, 29, 8, 0)) == [at(2027, 3, 29, 7)]


def test_the_scheduler_enqueues_the_reminders_at_seven_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as enqueued:
        assert services.schedule_tick(now=at(2026, 12, 4, 6, 59, 30), jobs=REMINDERS) == []
        first = services.schedule_tick(now=at(2026, 12, 4, 7, 0, 10), jobs=REMINDERS)
        again = services.schedule_tick(now=at(2026, 12, 4, 7, 0, 40), jobs=REMINDERS)
        later = services.schedule_tick(now=at(2026, 12, 4, 18, 0), jobs=REMINDERS)
    assert [(r.job, r.scheduled_for, r.day) for r in first] == [
        ("due_reminders", at(2026, 12, 4, 7, 0), dt.date(2026, 12, 4))
    ]
    assert again == [] and later == []
    assert len(enqueued) == 1  # one task for the worker
    assert JobRun.objects.get().status == RunStatus.QUEUED


def test_the_scheduler_enqueues_nothing_at_the_weekend(db):
    assert services.schedule_tick(now=at(2026, 12, 5, 7, 0, 10), jobs=REMINDERS) == []
    assert services.schedule_tick(now=at(2026, 12, 6, 7, 0, 10), jobs=REMINDERS) == []


def test_a_scheduler_that_was_down_catches_up_an_hour_not_more(db):
    # Started at 07:30: the 07:00 run (half an hour ago) is caught up.
    runs = services.schedule_tick(now=at(2026, 12, 4, 7, 30), jobs=REMINDERS)
    assert [r.scheduled_for for r in runs] == [at(2026, 12, 4, 7, 0)]
    # Down from Friday until Monday 09:00: Monday's 07:00 is two hours old, skipped.
    assert services.schedule_tick(now=at(2026, 12, 7, 9, 0), jobs=REMINDERS) == []


def test_one_scheduler_of_two_holds_the_lease_and_the_other_takes_over(db):
    name, now = services.SCHEDULER_LEASE, at(2026, 12, 4, 7, 0)
    assert services.lease_acquire(name=name, holder="a", seconds=90, now=now)
    assert not services.lease_acquire(name=name, holder="b", seconds=90, now=now)
    # a renews it; b still waits.
    later = now + dt.timedelta(seconds=30)
    assert services.lease_acquire(name=name, holder="a", seconds=90, now=later)
    assert not services.lease_acquire(name=name, holder="b", seconds=90, now=later)
    # a stops renewing: once it has expired b takes over, and a has lost it.
    expired = later + dt.timedelta(seconds=91)
    assert services.lease_acquire(name=name, holder="b", seconds=90, now=expired)
    assert not services.lease_acquire(name=name, holder="a", seconds=90, now=expired)
    # b stops cleanly (releases): a takes over at once.
    services.lease_release(name=name, holder="b")
    assert services.lease_acquire(name=name, holder="a", seconds=90)


def test_a_run_is_recorded_by_its_task(db):
    job = Job("demo", "0 7 * * *", "A test job.", lambda *, day: f"Done for {day}.")
    with mock.patch.dict(JOBS, {"demo": job}):
        run = services.run_record(job=job, day=dt.date(2026, 12, 4))
        run = services.run_execute(run_id=run.pk)
        assert run.status == RunStatus.OK
        assert run.result == "Done for 2026-12-04."
        assert run.started_at and run.finished_at
        # Run again (a repeated task): left alone.
        assert services.run_execute(run_id=run.pk) is None


def test_a_failed_job_is_recorded_and_logged_at_error(db, caplog):
    def broken(*, day):
        raise RuntimeError("the mail server is down")

    job = Job("broken", "0 7 * * *", "A failing job.", broken)
    with mock.patch.dict(JOBS, {"broken": job}), caplog.at_level(logging.ERROR):
        run = services.run_record(job=job, day=dt.date(2026, 12, 4))
        run = services.run_execute(run_id=run.pk)
    assert run.status == RunStatus.FAILED
    assert "RuntimeError: the mail server is down" in run.result
    assert [r.levelname for r in caplog.records if "broken" in r.getMessage()] == ["ERROR"]


def test_run_job_runs_the_reminders_for_a_moved_date(db):
    out = mock.MagicMock()
    call_command("run_job", "due_reminders", date="2026-12-05", stdout=out)
    run = JobRun.objects.get()
    assert (run.job, run.day, run.status, run.trigger) == (
        "due_reminders",
        dt.date(2026, 12, 5),
        RunStatus.OK,
        "command",
    )
    assert "not a working day" in run.result


def test_schedules_read_in_words():
    assert describe_cron("0 7 * * mon-fri") == "07:00, Monday to Friday"
    assert describe_cron("*/5 * * * *") == "Every 5 minutes"
    assert describe_cron("30 1 * * *") == "01:30, every day"
    for job in JOBS.values():  # every declared schedule parses
        assert job.next_time(at(2026, 12, 4, 12, 0)) is not None, job.name


def test_run_worker_restarts_the_worker_after_a_database_error():
    from caseaudit.jobs.management.commands import run_worker

    calls = []

    def handle(self, *args, **options):
        calls.append(options["reload"])
        if len(calls) < 3:
            raise OperationalError("database is locked")

    with (
        mock.patch.object(run_worker.DbWorkerCommand, "handle", handle),
        mock.patch.object(run_worker.time, "sleep") as slept,
    ):
        run_worker.Command().handle(reload=True)
    assert calls == [False, False, False]  # three starts, never with the reloader
    assert [c.args[0] for c in slept.call_args_list] == [1.0, 2.0]
