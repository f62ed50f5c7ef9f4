import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from caseaudit.demo.authority import DEMO_PASSWORD, DEMO_ROLES, SCALES, demo_email
from caseaudit.demo.seed import seed_demo
from caseaudit.organisation.roles import Role


class Command(BaseCommand):
    help = (
        "Build a synthetic demo authority (fake names) with its audit history, this month's "
        "programme and QA responses. Does nothing if they are already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="county")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Only the organisation and its cases: no audits, programme or responses.",
        )

    def handle(self, *args, scale, seed, no_history, **options):
        started = time.monotonic()
        counts = seed_demo(scale=scale, seed=seed, history=not no_history, log=self.stdout.write)
        if not counts:
            self.stdout.write("The demo authority is already there: nothing changed.")
        else:
            summary = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
            self.stdout.write(
                f"Built the {scale} demo authority in {time.monotonic() - started:.1f}s: {summary}."
            )
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD}):")
        for role in DEMO_ROLES:
            self.stdout.write(f"  {role.label:<32} {demo_email(role)}")
        # The Lead Member is not part of the organisation: only a campaign's (caseaudit/demo/
        # campaigns.py), listed when the demo made one.
        lead_member = demo_email(Role.LEAD_MEMBER)
        if get_user_model().objects.filter(email=lead_member).exists():
            self.stdout.write(f"  {Role.LEAD_MEMBER.label:<32} {lead_member}")
