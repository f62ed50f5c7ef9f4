import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caseaudit.moderation import selectors, services


def parse_month(value: str) -> dt.date:
    try:
        if len(value) != 7:
            raise ValueError(value)
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError as error:
        raise CommandError(f'--month must look like 2026-11, not "{value}"') from error


class Command(BaseCommand):
    help = (
        "Draw the moderation sample of a month's completed audits (stored as a draft to review "
        "and confirm on the moderation pages, unless --dry-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM: the month sampled")
        parser.add_argument("--seed", type=int, help="reuse a seed to reproduce a sample")
        parser.add_argument(
            "--share", type=int, default=services.DEFAULT_SHARE, help="percent (default 10)"
        )
        parser.add_argument("--dry-run", action="store_true", help="store nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, month, seed, share, dry_run, **options):
        month = parse_month(month)
        seed = services.new_seed() if seed is None else seed
        try:
            if dry_run:
                picks = services.sample_preview(month=month, seed=seed, share=share)
            else:
                sample = services.sample_generate(month=month, seed=seed, share=share, by=None)
                picks = services.sample_picks(sample=sample)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        labels = selectors.pick_labels(picks=picks)
        rows = [
            {
                "audit": p.audit_id,
                "auditor": labels["staff"].get(p.auditor_id),
                "case": labels["cases"].get(p.case_id),
                "moderator": labels["staff"].get(p.moderator_id),
                "why": p.why,
            }
            for p in picks
        ]
        if options["json"]:
            self.stdout.write(
                json.dumps({"month": month.strftime("%Y-%m"), "seed": seed, "sample": rows})
            )
            return
        verb = "Would sample" if dry_run else "Sampled (draft)"
        self.stdout.write(f"{verb} {len(rows)} audits of {month:%B %Y} with seed {seed}.")
        for r in rows:
            self.stdout.write(
                f"  audit {r['audit']} (case {r['case']}, auditor {r['auditor']}): "
                f"moderator {r['moderator'] or 'none available'}. {r['why']}"
            )
