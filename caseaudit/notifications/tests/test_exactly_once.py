"""An email goes out at most once, even when the database fails after the mail server took it:
the claim (SENDING) is committed before the send; a row left SENDING is never sent again by
the machine, and after a while shows as "delivery uncertain" for a person to check."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus

from caseaudit.notifications import tasks
from caseaudit.notifications.models import EmailStatus, Notification, NotificationKind
from caseaudit.notifications.services import notify
from caseaudit.notifications.tasks import STALE_CLAIM, email_deliver, notification_email_send

from .conftest import smtp_refusing


def later(delta):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + delta)


def sweep(*args) -> str:
    out = StringIO()
    call_command("send_pending_emails", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def record_fails(monkeypatch):
    """The database fails (`database is locked`) just after the mail server took the message."""

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks, "email_mark_sent", locked)


def test_a_database_failure_after_the_send_never_sends_it_twice(org, send, record_fails):
    notification = send(
        recipient=org.tm, kind=NotificationKind.URGENT_FINDING, idempotency_key="urgent:1"
    )
    assert len(mail.outbox) == 1  # the mail server took it; recording it failed
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENDING
    assert notification.email_claim and notification.email_claimed_at is not None

    # The task again, the sweep now, the sweep with --all and much later: nothing more.
    assert notification_email_send.enqueue(notification.pk).return_value == "already sending"
    assert "No pending emails are due." in sweep()
    assert "No pending emails are due." in sweep("--all")
    with later(STALE_CLAIM + dt.timedelta(minutes=1)):
        out = sweep("--all")
    assert "1 email(s) marked 'delivery uncertain'" in out
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.UNCERTAIN
    with later(dt.timedelta(days=1)):
        sweep("--all", "--retry-failed")
    assert len(mail.outbox) == 1


def test_the_task_that_hit_the_failure_is_recorded_as_failed(org, send, monkeypatch):
    notification = send(recipient=org.tm, kind="urgent_finding", idempotency_key="k", email=False)
    Notification.objects.filter(pk=notification.pk).update(email_status=EmailStatus.PENDING)
    monkeypatch.setattr(
        tasks, "email_mark_sent", mock.Mock(side_effect=OperationalError("database is locked"))
    )
    result = notification_email_send.enqueue(notification.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is OperationalError
    assert len(mail.outbox) == 1
    assert email_deliver(notification_id=notification.pk, force=True) == "already sending"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_mail_server_is_asked(org):
    notification = notify(
        recipient=org.worker, kind="urgent_finding", subject="s", body="b", idempotency_key="k"
    )  # sent at once by its task; made pending again to watch a send
    mail.outbox.clear()
    Notification.objects.filter(pk=notification.pk).update(email_status=EmailStatus.PENDING)
    seen = []

    def observe(self, messages):
        # No transaction is open (the claim is committed), and it is the claim that is seen.
        seen.append((connection.in_atomic_block, Notification.objects.get().email_status))
        return len(messages)

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", observe):
        assert email_deliver(notification_id=notification.pk) == "sent"
    assert seen == [(False, EmailStatus.SENDING)]
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


def test_a_refused_send_is_released_for_a_retry(org, send):
    with smtp_refusing():
        notification = send(recipient=org.worker, idempotency_key="k")
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert (notification.email_claim, notification.email_claimed_at) == ("", None)
    Notification.objects.update(email_next_attempt_at=timezone.now())
    assert "1 sent" in sweep()
    assert len(mail.outbox) == 1


def test_a_person_can_have_an_uncertain_email_sent_again_after_checking(org, send):
    notification = send(recipient=org.tm, kind="urgent_finding", idempotency_key="k")
    Notification.objects.filter(pk=notification.pk).update(email_status=EmailStatus.UNCERTAIN)
    mail.outbox.clear()
    out = sweep("--resend", str(notification.pk))
    assert "1 email(s) to be sent again." in out and "1 sent" in out
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


def test_two_workers_claim_one_email_once(org, send):
    """A stale read (both saw PENDING): the compare-and-set lets only one send."""
    notification = send(recipient=org.worker, idempotency_key="k", email=False)
    Notification.objects.filter(pk=notification.pk).update(email_status=EmailStatus.PENDING)
    real_filter = Notification.objects.filter
    first = {}

    def deliver_inside_the_other():
        first["outcome"] = email_deliver(notification_id=notification.pk)

    # The second worker reads the row, then the first claims and sends before it claims.
    with mock.patch.object(
        tasks.transaction,
        "atomic",
        side_effect=_once_before(deliver_inside_the_other, tasks.transaction.atomic),
    ):
        outcome = email_deliver(notification_id=notification.pk)
    assert first["outcome"] == "sent"
    assert outcome == "claimed elsewhere"
    assert len(mail.outbox) == 1
    assert real_filter(pk=notification.pk).get().email_attempts == 1


def _once_before(action, atomic):
    done = []

    def wrapper(*args, **kwargs):
        if not done:
            done.append(True)
            action()
        return atomic(*args, **kwargs)

    return wrapper
