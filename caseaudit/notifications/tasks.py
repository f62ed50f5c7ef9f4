"""Background tasks of notifications (django-tasks): each email sent at most once.

How an email goes out (a notification's, or a person's daily digest):

1. Claim: one UPDATE, committed on its own, moves the row from PENDING to SENDING with a fresh
   claim token and the time (a compare-and-set: of two workers, one wins).
2. Send: the message is built and handed to the mail server.
3. Record: SENT, guarded by the claim token. If the server refused the message, the row goes
   back to PENDING (or FAILED after `MAX_EMAIL_ATTEMPTS`) with the next attempt's time.

If the database fails at step 3, or the worker dies during step 2, the row stays SENDING. Nothing
sends it again by itself: `send_pending_emails` (and `digest_send_all`) pick only PENDING rows,
and turn a row SENDING for longer than `STALE_CLAIM` into UNCERTAIN ("delivery uncertain"),
shown on the recipient's notifications page and in the admin, where a person who has checked it
did not arrive can send it again (`services.email_resend`). At most once, never silently twice:
an urgent finding mailed twice is worse than one that a person is told may not have arrived
(it is always in the inbox).

django-tasks 0.12 has no automatic retry: after a refused send the task enqueues itself again
with `run_after` (1 minute, 5 minutes, 30 minutes, 2 hours). Backends that cannot defer (the
immediate backend used in tests) get no scheduled retry; `manage.py send_pending_emails` (cron)
sends whatever is due.
"""

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .emails import digest_message, email_message
from .models import MAX_EMAIL_ATTEMPTS, EmailDigest, EmailStatus, Notification

logger = logging.getLogger(__name__)

# Seconds to wait before the 2nd, 3rd, 4th and 5th attempts.
RETRY_DELAYS = (60, 300, 1800, 7200)
# A retry that arrives this early is still run (clocks of different machines differ).
CLOCK_TOLERANCE = dt.timedelta(seconds=30)
# A claim older than this belongs to a worker that died or lost its database: the email's
# delivery is then uncertain. Far longer than building a PDF and EMAIL_TIMEOUT.
STALE_CLAIM = dt.timedelta(minutes=15)


class EmailNotSent(Exception):
    """An attempt to send an email failed (the cause is chained)."""


def email_mark_sent(*, model, pk: int, claim: str) -> int:
    """Record that the claimed email was sent (its digest's notifications with it)."""
    now = timezone.now()
    with transaction.atomic():
        done = model.objects.filter(pk=pk, email_claim=claim).update(
            email_status=EmailStatus.SENT,
            email_sent_at=now,
            email_next_attempt_at=None,
            email_last_error="",
        )
        if done and model is EmailDigest:
            Notification.objects.filter(digest_id=pk).update(
                email_status=EmailStatus.SENT, email_sent_at=now
            )
    return done


def _release(*, model, row, claim: str, error: Exception, now) -> None:
    """The mail server did not take it: back to PENDING with a retry time, or FAILED."""
    row.email_last_error = f"{type(error).__name__}: {error}"[:2000]
    if row.email_attempts >= MAX_EMAIL_ATTEMPTS:
        row.email_status = EmailStatus.FAILED
        row.email_next_attempt_at = None
    else:
        row.email_status = EmailStatus.PENDING
        delay = RETRY_DELAYS[min(row.email_attempts, len(RETRY_DELAYS)) - 1]
        row.email_next_attempt_at = now + dt.timedelta(seconds=delay)
    with transaction.atomic():
        model.objects.filter(pk=row.pk, email_claim=claim).update(
            email_status=row.email_status,
            email_last_error=row.email_last_error,
            email_next_attempt_at=row.email_next_attempt_at,
            email_claim="",
            email_claimed_at=None,
        )
        if model is EmailDigest and row.email_status == EmailStatus.FAILED:
            Notification.objects.filter(digest_id=row.pk).update(email_status=EmailStatus.FAILED)


def _deliver(*, model, pk: int, build, force: bool) -> str:
    now = timezone.now()
    row = model.objects.select_related("recipient__user").filter(pk=pk).first()
    if row is None:
        return "missing"
    if row.email_status != EmailStatus.PENDING:
        return f"already {row.email_status}"
    if row.email_attempts >= MAX_EMAIL_ATTEMPTS:
        return "no attempts left"
    due = row.email_next_attempt_at
    if not force and due is not None and due > now + CLOCK_TOLERANCE:
        return "not due"
    # 1. Claim, committed before the mail server hears of it.
    claim = uuid.uuid4().hex
    with transaction.atomic():
        claimed = model.objects.filter(
            pk=pk, email_status=EmailStatus.PENDING, email_attempts=row.email_attempts
        ).update(
            email_status=EmailStatus.SENDING,
            email_claim=claim,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + 1,
        )
    if not claimed:
        return "claimed elsewhere"
    row.email_attempts += 1
    # 2. Send.
    try:
        message = build(row)
        message.send(fail_silently=False)
    except Exception as exc:
        _release(model=model, row=row, claim=claim, error=exc, now=now)
        logger.warning(
            "Email of %s %s failed (attempt %s of %s): %s",
            model._meta.model_name,
            pk,
            row.email_attempts,
            MAX_EMAIL_ATTEMPTS,
            row.email_last_error,
        )
        if row.email_status == EmailStatus.PENDING:
            retry_schedule(model=model, row=row)
        raise EmailNotSent(
            f"Email of {model._meta.model_name} {pk} failed "
            f"(attempt {row.email_attempts} of {MAX_EMAIL_ATTEMPTS})"
        ) from exc
    # 3. Record. From here the email is out: should this fail, the row stays SENDING and is
    # never sent again automatically.
    try:
        email_mark_sent(model=model, pk=pk, claim=claim)
    except Exception:
        logger.exception(
            "Email of %s %s was sent but not recorded: its delivery will show as uncertain",
            model._meta.model_name,
            pk,
        )
        raise
    return "sent"


def email_deliver(*, notification_id: int, force: bool = False) -> str:
    """Send one notification's email unless it has been sent or claimed; safe to call any
    number of times. Returns what happened ("sent", "already sent", ...). If the mail server
    refuses, the attempt is recorded (and a retry scheduled) and `EmailNotSent` is raised,
    chained to the cause. `force` ignores the retry schedule (not the attempt limit)."""
    return _deliver(model=Notification, pk=notification_id, build=email_message, force=force)


def _digest_build(digest: EmailDigest):
    notifications = list(Notification.objects.filter(digest=digest).order_by("created_at", "pk"))
    return digest_message(digest, notifications)


def digest_deliver(*, digest_id: int, force: bool = False) -> str:
    """Send one daily digest, exactly as `email_deliver` sends a notification."""
    return _deliver(model=EmailDigest, pk=digest_id, build=_digest_build, force=force)


def retry_schedule(*, model, row) -> bool:
    """Enqueue the email task again to run at the row's next attempt time."""
    send = digest_email_send if model is EmailDigest else notification_email_send
    backend = send.get_backend()
    if not backend.supports_defer or row.email_next_attempt_at is None:
        return False
    try:
        send.using(run_after=row.email_next_attempt_at).enqueue(row.pk)
    except Exception:
        logger.exception("Could not schedule a retry of %s %s", model._meta.model_name, row.pk)
        return False
    return True


def stale_claims_mark_uncertain(*, now=None) -> int:
    """Rows claimed longer than `STALE_CLAIM` ago: their delivery is uncertain (see above).
    Returns how many notifications and digests were marked."""
    cutoff = (now or timezone.now()) - STALE_CLAIM
    marked = 0
    with transaction.atomic():
        digests = list(
            EmailDigest.objects.filter(
                email_status=EmailStatus.SENDING, email_claimed_at__lt=cutoff
            ).values_list("pk", flat=True)
        )
        if digests:
            marked += EmailDigest.objects.filter(
                pk__in=digests, email_status=EmailStatus.SENDING
            ).update(email_status=EmailStatus.UNCERTAIN)
            Notification.objects.filter(digest_id__in=digests).update(
                email_status=EmailStatus.UNCERTAIN
            )
        marked += Notification.objects.filter(
            email_status=EmailStatus.SENDING, email_claimed_at__lt=cutoff
        ).update(email_status=EmailStatus.UNCERTAIN)
    if marked:
        logger.error(
            "%s email(s) were being sent when their worker or database failed: marked "
            "'delivery uncertain' for a person to check (not sent again)",
            marked,
        )
    return marked


def digests_collect() -> list[int]:
    """Gather each person's notifications waiting for the digest into one new digest per
    person (one short transaction each); returns the new digests' ids. A notification joins
    exactly one digest: two runs at once cannot both take it."""
    recipients = (
        Notification.objects.filter(email_status=EmailStatus.DIGEST, digest__isnull=True)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    made = []
    for recipient_id in list(recipients):
        with transaction.atomic():
            digest = EmailDigest.objects.create(recipient_id=recipient_id)
            taken = Notification.objects.filter(
                recipient_id=recipient_id, email_status=EmailStatus.DIGEST, digest__isnull=True
            ).update(digest=digest)
            if not taken:
                digest.delete()
                continue
        made.append(digest.pk)
    return made


@task()
def notification_email_send(notification_id: int) -> str:
    """Email one notification (at most once: a retried or repeated task never sends twice)."""
    return email_deliver(notification_id=notification_id)


@task()
def digest_email_send(digest_id: int) -> str:
    """Email one daily digest (a retry of a refused send)."""
    return digest_deliver(digest_id=digest_id)


@task()
def digest_send_all() -> dict:
    """The daily digest: each person with notifications waiting gets one email listing them
    (nothing for people with nothing new). Also sends digests whose earlier send was refused
    and is now due. Scheduled daily (07:30)."""
    digests_collect()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    due = EmailDigest.objects.filter(
        email_status=EmailStatus.PENDING, email_attempts__lt=MAX_EMAIL_ATTEMPTS
    ).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)):
        try:
            outcome = digest_deliver(digest_id=pk)
        except EmailNotSent:
            counts["failed"] += 1
            continue
        except Exception:
            logger.exception("Daily digest %s: sent, but not recorded", pk)
            counts["failed"] += 1
            continue
        counts["sent" if outcome == "sent" else "skipped"] += 1
    return counts
