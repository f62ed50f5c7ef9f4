import smtplib
from unittest import mock

import pytest

from caseaudit.notifications.services import notify


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`notify(...)` with its on-commit work (queueing the email task) run, as in production.

    The test settings use django-tasks' immediate backend, so the email task runs at once.
    """

    def _send(**kwargs):
        kwargs.setdefault("kind", "response_required")
        kwargs.setdefault("subject", "QA response due for case C100001")
        kwargs.setdefault("body", "Your QA response for case C100001 is due on 31 December 2026.")
        kwargs.setdefault("url", "/cases/1/")
        with django_capture_on_commit_callbacks(execute=True):
            return notify(**kwargs)

    return _send


def smtp_refusing():
    """While in effect, the mail server refuses every message (as `smtplib` would)."""
    return mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPException("421 Service not available"),
    )


@pytest.fixture
def smtp_down():
    with smtp_refusing() as patched:
        yield patched
