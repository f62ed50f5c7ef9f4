"""Background tasks of notifications (django-tasks).

django-tasks 0.12 has no automatic retry: a task that raises is recorded as FAILED and stays so.
So the email task schedules its own retry: after a failed attempt it enqueues itself again with
`run_after` (1 minute, 5 minutes, 30 minutes, 2 hours), up to `MAX_EMAIL_ATTEMPTS` attempts, then
marks the email "failed". Backends that cannot defer (the immediate backend used in tests) get
no scheduled retry; `manage.py send_pending_emails` (cron) sends whatever is due.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .emails import email_message
from .models import MAX_EMAIL_ATTEMPTS, EmailStatus, Notification

logger = logging.getLogger(__name__)

# Seconds to wait before the 2nd, 3rd, 4th and 5th attempts.
RETRY_DELAYS = (60, 300, 1800, 7200)
# A retry that arrives this early is still run (clocks of different machines differ).
CLOCK_TOLERANCE = dt.timedelta(seconds=30)


class EmailNotSent(Exception):
    """An attempt to send a notification's email failed (the cause is chained)."""


def email_deliver(*, notification_id: int, force: bool = False) -> str:
    """Send one notification's email unless it has been sent; safe to call any number of times.

    The row is locked (`select_for_update`) while sending, so two workers never both send it.
    Returns what happened ("sent", "already sent", ...). On failure the attempt is recorded
    (and a retry scheduled) and `EmailNotSent` is raised, chained to the cause.
    `force` ignores the retry schedule (not the attempt limit).
    """
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient__user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "missing"
        if notification.email_status != EmailStatus.PENDING:
            return f"already {notification.email_status}"
        if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
            return "no attempts left"
        due = notification.email_next_attempt_at
        if not force and due is not None and due > now + CLOCK_TOLERANCE:
            return "not due"
        notification.email_attempts += 1
        try:
            with transaction.atomic():  # a savepoint: a database error here spoils nothing
                message = email_message(notification)
            message.send(fail_silently=False)
        except Exception as exc:
            cause = exc
            notification.email_last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
                notification.email_status = EmailStatus.FAILED
                notification.email_next_attempt_at = None
            else:
                delay = RETRY_DELAYS[min(notification.email_attempts, len(RETRY_DELAYS)) - 1]
                notification.email_next_attempt_at = now + dt.timedelta(seconds=delay)
        else:
            cause = None
            notification.email_status = EmailStatus.SENT
            notification.email_sent_at = timezone.now()
            notification.email_next_attempt_at = None
            notification.email_last_error = ""
        notification.save(
            update_fields=[
                "email_status",
                "email_sent_at",
                "email_attempts",
                "email_last_error",
                "email_next_attempt_at",
            ]
        )
    if cause is None:
        return "sent"
    # The attempt is committed; now schedule the next one and report the failure.
    logger.warning(
        "Email of notification %s failed (attempt %s of %s): %s",
        notification.pk,
        notification.email_attempts,
        MAX_EMAIL_ATTEMPTS,
        notification.email_last_error,
    )
    if notification.email_status == EmailStatus.PENDING:
        retry_schedule(notification)
    raise EmailNotSent(
        f"Email of notification {notification.pk} failed "
        f"(attempt {notification.email_attempts} of {MAX_EMAIL_ATTEMPTS})"
    ) from cause


def retry_schedule(notification: Notification) -> bool:
    """Enqueue the email task again to run at the notification's next attempt time."""
    backend = notification_email_send.get_backend()
    if not backend.supports_defer or notification.email_next_attempt_at is None:
        return False
    try:
        notification_email_send.using(run_after=notification.email_next_attempt_at).enqueue(
            notification.pk
        )
    except Exception:
        logger.exception("Could not schedule a retry of notification %s", notification.pk)
        return False
    return True


@task()
def notification_email_send(notification_id: int) -> str:
    """Email one notification (idempotent: a retried or repeated task never sends twice)."""
    return email_deliver(notification_id=notification_id)
