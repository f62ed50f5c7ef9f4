"""The emails: one notification's, or a person's daily digest. Plain text, the authority's name,
full links back."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from .attachments import attachment_content
from .models import EmailDigest, Notification


def email_subject(notification: Notification) -> str:
    subject = " ".join(notification.subject.split())
    return f"{settings.AUTHORITY_NAME} case audit: {subject}"


def email_link(notification: Notification) -> str:
    """The full link to open the notification (marks it read, then goes to the thing)."""
    return settings.SITE_URL + reverse("notification_open", args=[notification.pk])


def _message_id(name: str, key: str) -> str:
    # One Message-ID per email: should a send ever be repeated (by a person, after checking),
    # mail systems that de-duplicate by Message-ID show it once.
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{name}-{digest}@{domain}>"


def _common() -> dict:
    return {
        "inbox_link": settings.SITE_URL + reverse("notification_list"),
        "settings_link": settings.SITE_URL + reverse("notification_settings"),
        "authority_name": settings.AUTHORITY_NAME,
        "service_name": settings.SERVICE_NAME,
    }


def email_message(notification: Notification) -> EmailMessage:
    """Build (but do not send) the email; makes the attachment if there is one."""
    body = render_to_string(
        "notifications/email.txt",
        {"notification": notification, "link": email_link(notification)} | _common(),
    )
    message = EmailMessage(
        subject=email_subject(notification),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.user.email],
        headers={
            "Message-ID": _message_id(
                f"notification-{notification.pk}", notification.idempotency_key
            )
        },
    )
    if notification.attachment_kind:
        content = attachment_content(
            kind=notification.attachment_kind, object_id=notification.attachment_object_id
        )
        message.attach(
            notification.attachment_name or "attachment",
            content,
            notification.attachment_mimetype or "application/octet-stream",
        )
    return message


def digest_message(digest: EmailDigest, notifications: list[Notification]) -> EmailMessage:
    """The daily digest: one line and link per notification, oldest first (no attachments:
    those kinds go at once)."""
    if len(notifications) == 1:
        summary = " ".join(notifications[0].subject.split())
    else:
        summary = f"{len(notifications)} notifications"
    items = [(n, email_link(n)) for n in notifications]
    body = render_to_string("notifications/digest_email.txt", {"items": items} | _common())
    return EmailMessage(
        subject=f"{settings.AUTHORITY_NAME} case audit: daily summary: {summary}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.recipient.user.email],
        headers={"Message-ID": _message_id(f"digest-{digest.pk}", f"digest:{digest.pk}")},
    )
