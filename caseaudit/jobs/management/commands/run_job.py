"""`manage.py run_job NAME [--date YYYY-MM-DD] [--enqueue]`: run one periodic job now, here
(or in the task worker with --enqueue), recorded like a scheduled run. --date acts for
another day (a moved clock when testing). `manage.py run_job --list` lists the jobs."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from caseaudit.jobs import services
from caseaudit.jobs.models import RunStatus
from caseaudit.jobs.schedule import JOBS


class Command(BaseCommand):
    help = "Run one periodic job now (recorded on the jobs page)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The job (see --list).")
        parser.add_argument("--date", help="Act for this day, YYYY-MM-DD (default today).")
        parser.add_argument("--enqueue", action="store_true", help="Let the worker run it.")
        parser.add_argument("--list", action="store_true", dest="list_jobs")

    def handle(self, *args, name=None, date=None, enqueue=False, list_jobs=False, **options):
        if list_jobs or not name:
            for job in JOBS.values():
                self.stdout.write(f"{job.name:22} {job.schedule_text}: {job.description}")
            return
        job = JOBS.get(name)
        if job is None:
            raise CommandError(f"No job is called {name!r}: one of {', '.join(JOBS)}.")
        try:
            day = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f'--date must look like 2026-12-31, not "{date}"') from error
        if enqueue:
            services.run_enqueue(job=job, scheduled_for=timezone.now(), day=day, trigger="command")
            self.stdout.write(f"Queued {name} for {day.isoformat()}.")
            return
        # Recorded, then run at once here (the worker will find it no longer queued).
        run = services.run_record(job=job, day=day)
        run = services.run_execute(run_id=run.pk)
        self.stdout.write(run.result)
        if run.status == RunStatus.FAILED:
            raise CommandError(f"{name} failed.")
        self.stdout.write(self.style.SUCCESS(f"{name} ({day.isoformat()}): done."))
