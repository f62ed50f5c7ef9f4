"""The email of a notification: plain text, the authority's name, a full link back."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import import_string

from .models import Notification


def email_subject(notification: Notification) -> str:
    subject = " ".join(notification.subject.split())
    return f"{settings.AUTHORITY_NAME} case audit: {subject}"


def email_link(notification: Notification) -> str:
    """The full link to open the notification (marks it read, then goes to the thing)."""
    return settings.SITE_URL + reverse("notification_open", args=[notification.pk])


def email_message(notification: Notification) -> EmailMessage:
    """Build (but do not send) the email; makes the attachment if there is one."""
    body = render_to_string(
        "notifications/email.txt",
        {
            "notification": notification,
            "link": email_link(notification),
            "inbox_link": settings.SITE_URL + reverse("notification_list"),
            "authority_name": settings.AUTHORITY_NAME,
            "service_name": settings.SERVICE_NAME,
        },
    )
    # One Message-ID per notification: should a send ever be repeated, mail systems that
    # de-duplicate by Message-ID show it once.
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:20]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    message = EmailMessage(
        subject=email_subject(notification),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.user.email],
        headers={"Message-ID": f"<notification-{notification.pk}-{digest}@{domain}>"},
    )
    if notification.attachment_factory:
        factory = import_string(notification.attachment_factory)
        content = factory(**notification.attachment_args)
        message.attach(
            notification.attachment_name or "attachment",
            content,
            notification.attachment_mimetype or "application/octet-stream",
        )
    return message
