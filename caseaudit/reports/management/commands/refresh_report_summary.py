"""`manage.py refresh_report_summary`: recount the report summaries from the audits (the
practice-quality scale summary and the compliance report's auditor summary), and delete the
report files prepared in the background that are past their day.

Run it nightly (cron, beside `run_due_jobs`). Completing and reopening audits keep the summary
current between runs; a case import that moves cases between teams, or erasing a case, marks it
stale, and until it is rebuilt the reports read the audits themselves (slower, never wrong).
"""

from django.core.management.base import BaseCommand

from caseaudit.reports.models import AuditorSummary, SummaryState
from caseaudit.reports.services import SCALE, export_purge, summary_rebuild


class Command(BaseCommand):
    help = "Recount the report summaries and delete old report files (run nightly)."

    def handle(self, *args, **options):
        rows = summary_rebuild()
        state = SummaryState.objects.get(name=SCALE)
        self.stdout.write(f"Scale summary rebuilt: {rows} rows in {state.seconds:.1f}s.")
        self.stdout.write(f"Auditor summary rebuilt: {AuditorSummary.objects.count()} rows.")
        self.stdout.write(f"Report files past their day deleted: {export_purge()}.")
