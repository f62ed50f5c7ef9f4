"""Writes of notifications: `notify` (create once, email once) and marking them read."""

import logging
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

from caseaudit.organisation.models import Staff

from .models import EmailStatus, Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    """A file made when the email is sent, so it need not be stored.

    `factory` is the dotted path of a module-level callable; `factory(**args)` returns the
    file's bytes (for example an audit's PDF rendered from `{"audit_id": 12}`). `args` must be
    JSON-serialisable.
    """

    name: str
    factory: str
    args: dict = field(default_factory=dict)
    mimetype: str = "application/pdf"


def is_internal_path(url: str) -> bool:
    """A path on this site ("/cases/12/"), never another host or scheme."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def notify(
    *,
    recipient: Staff,
    kind: str,
    subject: str,
    body: str,
    url: str = "",
    idempotency_key: str,
    email: bool = True,
    attachment: Attachment | None = None,
) -> Notification:
    """Tell a member of staff something: in their inbox and, unless `email=False`, by email.

    Safe to repeat: a second call with the same `idempotency_key` returns the first notification
    and sends nothing more, so build the key from what the notification is about
    (`f"response_due:{response.pk}:{due_on}"`). The email is sent by a background task once
    the surrounding transaction commits; a failed send is retried and never undoes the caller's
    work. `subject` is also the email's subject: identify a case by its reference, never by a
    child's name.
    """
    if url and not is_internal_path(url):
        raise ValueError(f"Notification url must be an internal path, not {url!r}.")
    if not idempotency_key:
        raise ValueError("An idempotency_key is required.")
    if attachment is not None and not callable(import_string(attachment.factory)):
        raise ValueError(f"Attachment factory {attachment.factory!r} is not callable.")
    send_email = email and bool(recipient.user.email)
    defaults = {
        "recipient": recipient,
        "kind": kind,
        "subject": " ".join(subject.split())[:200],
        "body": body,
        "url": url,
        "email_status": EmailStatus.PENDING if send_email else EmailStatus.NOT_NEEDED,
    }
    if attachment is not None:
        defaults |= {
            "attachment_name": attachment.name,
            "attachment_mimetype": attachment.mimetype,
            "attachment_factory": attachment.factory,
            "attachment_args": attachment.args,
        }
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            idempotency_key=idempotency_key, defaults=defaults
        )
        if created and notification.email_status == EmailStatus.PENDING:
            transaction.on_commit(partial(email_enqueue, notification.pk), robust=True)
    if not created and notification.recipient_id != recipient.pk:
        logger.warning(
            "Notification key %r was already used for another recipient", idempotency_key
        )
    return notification


def email_enqueue(notification_id: int) -> None:
    """Queue the task that emails a notification. If queueing fails, the notification stays
    pending and `manage.py send_pending_emails` sends it."""
    from .tasks import notification_email_send

    notification_email_send.enqueue(notification_id)


def notification_mark_read(*, notification: Notification) -> None:
    """Mark one notification read (again is harmless: the first time is kept)."""
    if notification.read_at is not None:
        return
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    notification.read_at = now


def notification_mark_all_read(*, recipient: Staff) -> int:
    """Mark every unread notification of one member of staff read; returns how many."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
