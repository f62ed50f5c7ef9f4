"""Writes of notifications: `notify` (create once, email once), reading them, and each person's
choice of immediate or daily-digest email."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from caseaudit.accounts import local_cache
from caseaudit.core.typing import By
from caseaudit.organisation.models import Staff

from .attachments import attachment_kinds
from .models import (
    ALWAYS_IMMEDIATE,
    CHOOSABLE_KINDS,
    KIND_DELIVERY,
    AttachmentKind,
    Delivery,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)

__all__ = [
    "Attachment",
    "AttachmentKind",
    "NotificationKind",
    "delivery_for",
    "notify",
    "notification_preferences_set",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    """A file made when the email is sent, so it need not be stored.

    `kind` names the maker (`settings.NOTIFICATION_ATTACHMENT_MAKERS`), called with
    `object_id` (for example an audit's PDF: `AttachmentKind.AUDIT_PDF` and the audit's id).
    """

    name: str
    kind: str
    object_id: int
    mimetype: str = "application/pdf"


def is_internal_path(url: str) -> bool:
    """A path on this site ("/cases/12/"), never another host or scheme."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def delivery_for(*, recipient: Staff, kind: NotificationKind) -> str:
    """How this person gets this kind's emails: their choice, else the kind's default."""
    if kind in ALWAYS_IMMEDIATE:
        return Delivery.IMMEDIATE
    chosen = (
        NotificationPreference.objects.filter(staff=recipient, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or KIND_DELIVERY[kind]


def notify(
    *,
    recipient: Staff,
    kind: NotificationKind | str,
    subject: str,
    body: str,
    url: str = "",
    idempotency_key: str,
    email: bool = True,
    attachment: Attachment | None = None,
) -> Notification:
    """Tell a member of staff something: in their inbox at once and, unless `email=False`, by
    email: at once, or in their next daily digest (`delivery_for`).

    Safe to repeat: a second call with the same `idempotency_key` returns the first notification
    and sends nothing more, so build the key from what the notification is about
    (`f"response_due:{response.pk}:{due_on}"`). An immediate email is sent by a background task
    once the surrounding transaction commits; a failed send is retried and never undoes the
    caller's work. `subject` is also the email's subject: identify a case by its reference,
    never by a child's name.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}: add it to NotificationKind.")
    kind = NotificationKind(kind)
    if url and not is_internal_path(url):
        raise ValueError(f"Notification url must be an internal path, not {url!r}.")
    if not idempotency_key:
        raise ValueError("An idempotency_key is required.")
    if attachment is not None and attachment.kind not in attachment_kinds():
        raise ValueError(f"Unknown attachment kind {attachment.kind!r}.")
    if not (email and recipient.user.email):
        status = EmailStatus.NOT_NEEDED
    elif delivery_for(recipient=recipient, kind=kind) == Delivery.DIGEST:
        status = EmailStatus.DIGEST
    else:
        status = EmailStatus.PENDING
    defaults = {
        "recipient": recipient,
        "kind": kind,
        "subject": " ".join(subject.split())[:200],
        "body": body,
        "url": url,
        "email_status": status,
    }
    if attachment is not None:
        defaults |= {
            "attachment_name": attachment.name,
            "attachment_mimetype": attachment.mimetype,
            "attachment_kind": AttachmentKind(attachment.kind),
            "attachment_object_id": attachment.object_id,
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


def email_resend(*, notification_ids: Iterable[int], by: By) -> int:
    """Send again emails whose delivery is uncertain or that failed, once a person has checked
    they did not arrive: they become pending with a fresh set of attempts. Returns how many.
    `by`: who checked (None: the command line, `send_pending_emails --resend`)."""
    with transaction.atomic():
        count = Notification.objects.filter(
            pk__in=list(notification_ids),
            email_status__in=[EmailStatus.UNCERTAIN, EmailStatus.FAILED],
            digest__isnull=True,
        ).update(
            email_status=EmailStatus.PENDING,
            email_attempts=0,
            email_next_attempt_at=None,
            email_claim="",
            email_claimed_at=None,
        )
    who = by if by is not None else "send_pending_emails --resend"
    logger.info("%s re-sent %s notification email(s) after checking", who, count)
    return count


def notification_mark_read(*, notification: Notification) -> None:
    """Mark one notification read (again is harmless: the first time is kept)."""
    if notification.read_at is not None:
        return
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    notification.read_at = now
    _unread_changed(notification.recipient_id)


def notification_mark_all_read(*, recipient: Staff) -> int:
    """Mark every unread notification of one member of staff read; returns how many."""
    count = Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    _unread_changed(recipient.pk)
    return count


def _unread_changed(staff_id: int) -> None:
    """The count in the header is read afresh by this process's next page at once (other
    processes hear of it from the database: caseaudit/accounts/local_cache.py)."""
    transaction.on_commit(partial(local_cache.forget_unread, staff_id))


def notification_preferences_set(*, staff: Staff, choices: dict[str, str]) -> None:
    """Record a person's choice of delivery for each kind they may choose for. A choice equal
    to the kind's default is stored too (so a later change of default leaves it alone)."""
    for kind, delivery in choices.items():
        if kind not in CHOOSABLE_KINDS:
            raise ValidationError(f"“{kind}” notifications are always emailed at once.")
        if delivery not in Delivery.values:
            raise ValidationError(f"Choose how “{kind}” notifications are emailed.")
    with transaction.atomic():
        for kind, delivery in choices.items():
            NotificationPreference.objects.update_or_create(
                staff=staff, kind=kind, defaults={"delivery": delivery}
            )
