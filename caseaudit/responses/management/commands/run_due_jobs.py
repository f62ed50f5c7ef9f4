"""Run today's reminders and escalations of QA responses, restorative actions and urgent
findings (the scheduler's `due_reminders` job). Safe to run any number of times a day:
nothing is sent twice."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from caseaudit.responses.services import long_date, run_due_jobs


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f'--date must look like 2026-12-31, not "{value}"') from error


class Command(BaseCommand):
    help = (
        "Send the QA response reminders and escalations, and chase the urgent findings not "
        "acknowledged, due today (or on --date)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, date=None, verbosity=1, **options):
        today = parse_date(date) if date else None
        report = run_due_jobs(today=today)
        when = long_date(report.today)
        if not report.working_day:
            self.stdout.write(f"{when} is not a working day: no reminders sent.")
            return
        for line in report.lines:
            self.stdout.write(f"  {line}")
        if report.counts:
            summary = ", ".join(
                f"{n} {kind.replace('_', ' ')}" for kind, n in report.counts.items()
            )
            self.stdout.write(f"{when}: sent {summary}.")
        else:
            self.stdout.write(f"{when}: nothing was due.")
        if report.errors:
            raise CommandError(f"{report.errors} reminder(s) failed: see the log.")
