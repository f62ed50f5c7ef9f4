"""Background tasks of accounts (django-tasks): the emails allauth sends (password reset, the
"no account with that address" reply) and the notice of an identity change.

They go out from the task worker so that a request does the same work whether or not the
address it was given belongs to an account (finding 14: a password reset used to answer
measurably slower for a known address, because it sent the email before answering).

The message is rendered in the request and handed to the task encrypted (the same Fernet keys
as the MFA secrets, caseaudit.accounts.mfa_secrets): a password-reset link is a credential, and
the task's arguments are stored in the database until the worker has run it.
"""

import json

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django_tasks import task

from .mfa_secrets import secret_decrypt, secret_encrypt


def email_serialise(message: EmailMessage) -> str:
    """An email as an encrypted string a task can carry (text, HTML alternative, headers)."""
    data = {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [
            [str(content), mimetype]
            for content, mimetype in getattr(message, "alternatives", []) or []
        ],
    }
    return secret_encrypt(json.dumps(data))


def email_deserialise(payload: str) -> EmailMultiAlternatives:
    data = json.loads(secret_decrypt(payload))
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def email_enqueue(*, message: EmailMessage) -> None:
    """Queue `message` for the task worker to send. (A caller inside a transaction whose email
    must wait for the commit queues it from `transaction.on_commit`, as
    `account_identity_change` does.)"""
    email_send.enqueue(email_serialise(message))


@task()
def email_send(payload: str) -> int:
    """Send one email handed over by `email_enqueue` (raises, and is recorded as failed, when
    the mail server refuses it)."""
    return email_deserialise(payload).send(fail_silently=False)
