"""`manage.py run_scheduler`: put the periodic jobs (caseaudit/jobs/schedule.py) in the task
queue at their times. Start it beside the web server and the task worker (`make run` does).

Exactly one scheduler acts however many are started: each takes or renews a lease in the
database (`JobLease` "scheduler") every `--interval` seconds, valid for three intervals; a
second one waits and takes over when the first stops renewing (stopped, crashed, cut off).
While it holds the lease it enqueues each job's due times (`services.schedule_tick`); a time
is recorded once (`JobRun`), so it is never enqueued twice.
"""

import logging
import os
import signal
import socket

from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections
from django.utils.crypto import get_random_string

from caseaudit.jobs import services

logger = logging.getLogger("caseaudit.jobs.scheduler")


class Scheduler:
    def __init__(self, *, interval: float, holder: str, out):
        self.interval = interval
        self.holder = holder
        self.out = out
        self.active = False

    def tick(self) -> None:
        close_old_connections()
        try:
            held = services.lease_acquire(
                name=services.SCHEDULER_LEASE, holder=self.holder, seconds=int(self.interval * 3)
            )
            if held != self.active:
                self.active = held
                self.out(
                    f"Scheduler {self.holder}: "
                    + ("active, queueing the jobs." if held else "standing by (another is active).")
                )
            if held:
                for run in services.schedule_tick():
                    self.out(f"Queued {run.job} for {run.scheduled_for:%Y-%m-%d %H:%M %Z}.")
        except OperationalError as exc:  # the database away for a moment: try next tick
            logger.warning("Scheduler tick failed, trying again: %s", exc)
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Enqueue the periodic jobs at their times (exactly one active, by a database lease)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=float(os.environ.get("SCHEDULER_INTERVAL", "30")),
            help="Seconds between lease renewals and checks for due jobs (default 30).",
        )

    def handle(self, *args, interval, **options):
        holder = f"{socket.gethostname()}:{os.getpid()}:{get_random_string(6)}"
        scheduler = Scheduler(interval=interval, holder=holder, out=self.stdout.write)
        blocking = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1})
        blocking.add_job(scheduler.tick, "interval", seconds=interval, id="tick")
        self.stdout.write(f"Scheduler {holder} starting (every {interval:g}s).")
        scheduler.tick()
        signal.signal(signal.SIGTERM, lambda signum, frame: blocking.shutdown(wait=False))
        try:
            blocking.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if scheduler.active:
                services.lease_release(name=services.SCHEDULER_LEASE, holder=holder)
            self.stdout.write(f"Scheduler {holder} stopped.")
