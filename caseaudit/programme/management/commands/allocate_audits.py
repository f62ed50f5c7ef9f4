import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caseaudit.programme import services


def parse_month(value: str) -> dt.date:
    try:
        if len(value) != 7:
            raise ValueError(value)
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError as error:
        raise CommandError(f'--month must look like 2026-12, not "{value}"') from error


class Command(BaseCommand):
    help = (
        "Generate a month's peer audit programme (stored as a draft unless --dry-run; "
        "confirmed with --confirm)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--seed", type=int, help="reuse a seed to reproduce a programme")
        parser.add_argument("--dry-run", action="store_true", help="store nothing")
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="confirm the month's programme once generated, as the page's \"Confirm "
            'programme" does (auditors then see their audits): a whole month in one run',
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, month, seed, dry_run, confirm, **options):
        if dry_run and confirm:
            raise CommandError("--dry-run stores nothing, so there is nothing to --confirm")
        month = parse_month(month)
        seed = services.new_seed() if seed is None else seed
        result = services.allocation_preview(month=month, seed=seed)
        if not dry_run:
            generate = (
                services.programme_generate_and_confirm if confirm else services.programme_generate
            )
            try:
                generate(month=month, seed=seed)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        if options["json"]:
            self.stdout.write(to_json(result, confirmed=confirm))
            return
        verb = (
            "Would allocate"
            if dry_run
            else "Allocated (confirmed)"
            if confirm
            else "Allocated (draft)"
        )
        self.stdout.write(
            f"{verb} {len(result.allocations)} audits for {month:%B %Y} with seed {seed}; "
            f"{len(result.unfilled)} could not be filled."
        )
        for pick in result.unfilled:
            self.stdout.write(f"  unfilled: {pick.auditor.name} ({pick.rule}): {pick.reason}")


def to_json(result, *, confirmed: bool = False) -> str:
    return json.dumps(
        {
            "month": result.month.strftime("%Y-%m"),
            "seed": result.seed,
            "confirmed": confirmed,
            "allocations": [
                {
                    "auditor": p.auditor.staff_id,
                    "case": p.case.reference,
                    "tool": p.tool_code,
                    "rule": p.rule,
                    "reason": p.reason,
                }
                for p in result.allocations
            ],
            "unfilled": [
                {"auditor": p.auditor.staff_id, "rule": p.rule, "why": p.reason}
                for p in result.unfilled
            ],
        },
        indent=None,
    )
