"""Delete the cases whose retention period has ended, with everything held about them.

    python manage.py apply_retention [--dry-run] [--today YYYY-MM-DD] [--years N]

A case is due when it closed at least `RETENTION_YEARS_AFTER_CLOSURE` years ago (the
`/retention/` page lists the same cases). Each is deleted by
`dataprotection.services.case_erase` in its own transaction, so one that fails leaves the
others done; the access log keeps its entries and gains one "deleted" entry per case.
`--dry-run` lists what would be deleted and deletes nothing. Run it from cron (daily or
monthly) once the authority has agreed the period.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from caseaudit.cases.models import Case
from caseaudit.dataprotection.selectors import retention_cutoff, retention_due_qs
from caseaudit.dataprotection.services import case_erase


class Command(BaseCommand):
    help = "Delete closed cases past the retention period, with everything held about them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the cases that would be deleted."
        )
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD).")
        parser.add_argument(
            "--years",
            type=int,
            help="Years kept after closure (default: the RETENTION_YEARS_AFTER_CLOSURE setting).",
        )

    def handle(self, *args, dry_run=False, today=None, years=None, **options):
        try:
            today = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--today must be a date (YYYY-MM-DD), not {today!r}") from error
        years = settings.RETENTION_YEARS_AFTER_CLOSURE if years is None else years
        if years < 1:
            raise CommandError("The retention period must be at least one year.")
        cutoff = retention_cutoff(today=today, years=years)
        due = list(retention_due_qs(today=today, years=years).values_list("pk", "reference"))
        verb = "Would delete" if dry_run else "Deleting"
        self.stdout.write(
            f"{len(due)} case(s) closed on or before {cutoff:%-d %B %Y} "
            f"({years} years before {today:%-d %B %Y}) are past the retention period."
        )
        reason = (
            f"Retention policy: closed on or before {cutoff.isoformat()}, kept {years} years "
            "(manage.py apply_retention)"
        )
        deleted = failed = 0
        for pk, reference in due:
            self.stdout.write(f"{verb} case {reference} (id {pk})")
            if dry_run:
                continue
            case = Case.objects.filter(pk=pk).first()
            if case is None:
                continue  # deleted meanwhile
            try:
                counts = case_erase(case=case, by=None, reason=reason)
            except ValidationError as error:
                failed += 1
                self.stderr.write(f"  not deleted: {' '.join(error.messages)}")
                continue
            deleted += 1
            rows = sum(counts.values())
            self.stdout.write(f"  deleted {rows} record(s)")
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run: nothing deleted ({len(due)} due)."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} case(s)."))
            if failed:
                raise CommandError(f"{failed} case(s) could not be deleted.")
