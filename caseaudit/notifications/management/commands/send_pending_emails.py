"""Safety net for cron: send every email that is still pending and due.

The worker normally sends each email moments after the notification is made, and retries a
refused send itself. This command catches whatever that missed (a worker that was down, a
queueing failure, a backend that cannot schedule retries), for notifications and daily
digests alike. It only picks emails that are PENDING (never one a worker has claimed): an email
that was sent, or may have been, is never sent again. A claim older than the stale limit is
marked "delivery uncertain" for a person to check (see `caseaudit.notifications.tasks`).
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from caseaudit.notifications.models import (
    MAX_EMAIL_ATTEMPTS,
    EmailDigest,
    EmailStatus,
    Notification,
)
from caseaudit.notifications.services import email_resend
from caseaudit.notifications.tasks import (
    EmailNotSent,
    digest_deliver,
    digest_email_send,
    email_deliver,
    notification_email_send,
    stale_claims_mark_uncertain,
)

# A new notification's own task has this long to send it before this command steps in.
GRACE = dt.timedelta(minutes=5)


def _notification(pk: int, force: bool) -> str:
    return email_deliver(notification_id=pk, force=force)


def _digest(pk: int, force: bool) -> str:
    return digest_deliver(digest_id=pk, force=force)


class Command(BaseCommand):
    help = "Send (or enqueue) notification and digest emails that are pending and due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue a task per email for the worker instead of sending here.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Ignore the retry schedule and the grace period: try every pending email now.",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help=f"Give emails that failed {MAX_EMAIL_ATTEMPTS} times a fresh set of attempts.",
        )
        parser.add_argument(
            "--resend",
            nargs="+",
            type=int,
            metavar="ID",
            default=[],
            help="Notifications whose delivery is uncertain (or failed) to send again, once a "
            "person has checked they did not arrive (the mail server's log).",
        )
        parser.add_argument("--limit", type=int, default=1000, help="At most this many.")

    def handle(self, *, enqueue, everything, retry_failed, resend, limit, verbosity, **options):
        now = timezone.now()
        if resend:
            count = email_resend(notification_ids=resend, by=None)
            self.stdout.write(f"{count} email(s) to be sent again.")
            everything = True
        uncertain = stale_claims_mark_uncertain(now=now)
        if uncertain:
            self.stdout.write(
                f"{uncertain} email(s) marked 'delivery uncertain' (a worker or the database "
                "failed while sending): not sent again; check them in the admin."
            )
        if retry_failed:
            revived = 0
            for model in (Notification, EmailDigest):
                revived += model.objects.filter(email_status=EmailStatus.FAILED).update(
                    email_status=EmailStatus.PENDING,
                    email_attempts=0,
                    email_next_attempt_at=None,
                )
            Notification.objects.filter(
                digest__email_status=EmailStatus.PENDING, email_status=EmailStatus.FAILED
            ).update(email_status=EmailStatus.DIGEST)
            self.stdout.write(f"{revived} failed email(s) given a fresh set of attempts.")
            everything = True
        jobs = []
        for model, deliver, send in (
            (Notification, _notification, notification_email_send),
            (EmailDigest, _digest, digest_email_send),
        ):
            due = model.objects.filter(
                email_status=EmailStatus.PENDING, email_attempts__lt=MAX_EMAIL_ATTEMPTS
            )
            if not everything:
                due = due.filter(
                    Q(email_next_attempt_at__isnull=True, created_at__lte=now - GRACE)
                    | Q(email_next_attempt_at__lte=now)
                )
            ids = due.order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
            jobs += [(pk, deliver, send) for pk in ids]
        counts = {"sent": 0, "enqueued": 0, "failed": 0, "skipped": 0}
        for pk, deliver, send in jobs[:limit]:
            if enqueue:
                send.enqueue(pk)
                counts["enqueued"] += 1
                continue
            try:
                outcome = deliver(pk, force=everything)
            except EmailNotSent as exc:
                counts["failed"] += 1
                if verbosity > 1:
                    self.stderr.write(f"{exc}: {exc.__cause__}")
                continue
            counts["sent" if outcome == "sent" else "skipped"] += 1
        if not jobs:
            self.stdout.write("No pending emails are due.")
        else:
            done = ", ".join(f"{count} {label}" for label, count in counts.items() if count)
            self.stdout.write(f"Pending emails: {done}.")
