"""Safety net for cron: send every notification email that is still due.

The worker normally sends each email moments after the notification is made, and retries a
failed send itself. This command catches whatever that missed (a worker that was down, a
queueing failure, a backend that cannot schedule retries). Safe to run at any time: an email
that has been sent is never sent again.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from caseaudit.notifications.models import MAX_EMAIL_ATTEMPTS, EmailStatus, Notification
from caseaudit.notifications.tasks import EmailNotSent, email_deliver, notification_email_send

# A new notification's own task has this long to send it before this command steps in.
GRACE = dt.timedelta(minutes=5)


class Command(BaseCommand):
    help = "Send (or enqueue) notification emails that are pending and due."

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
        parser.add_argument("--limit", type=int, default=1000, help="At most this many.")

    def handle(self, *, enqueue, everything, retry_failed, limit, verbosity, **options):
        now = timezone.now()
        if retry_failed:
            revived = Notification.objects.filter(email_status=EmailStatus.FAILED).update(
                email_status=EmailStatus.PENDING, email_attempts=0, email_next_attempt_at=None
            )
            self.stdout.write(f"{revived} failed email(s) given a fresh set of attempts.")
            everything = True
        due = Notification.objects.filter(
            email_status=EmailStatus.PENDING, email_attempts__lt=MAX_EMAIL_ATTEMPTS
        )
        if not everything:
            due = due.filter(
                Q(email_next_attempt_at__isnull=True, created_at__lte=now - GRACE)
                | Q(email_next_attempt_at__lte=now)
            )
        ids = list(due.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
        counts = {"sent": 0, "enqueued": 0, "failed": 0, "skipped": 0}
        for pk in ids:
            if enqueue:
                notification_email_send.enqueue(pk)
                counts["enqueued"] += 1
                continue
            try:
                outcome = email_deliver(notification_id=pk, force=everything)
            except EmailNotSent as exc:
                counts["failed"] += 1
                if verbosity > 1:
                    self.stderr.write(f"{exc}: {exc.__cause__}")
                continue
            counts["sent" if outcome == "sent" else "skipped"] += 1
        if not ids:
            self.stdout.write("No pending emails are due.")
        else:
            done = ", ".join(f"{count} {label}" for label, count in counts.items() if count)
            self.stdout.write(f"Pending emails: {done}.")
