"""The worker holds no database transaction (on SQLite: the database's one write lock) while
it talks to the mail server."""

from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from caseaudit.notifications.models import EmailStatus, Notification
from caseaudit.notifications.tasks import email_deliver

SEEN = []


class WatchingBackend(EmailBackend):
    def send_messages(self, messages):
        SEEN.append(connection.in_atomic_block)
        return super().send_messages(messages)


def test_an_email_is_sent_outside_any_transaction(org, settings, transactional_db):
    settings.EMAIL_BACKEND = "caseaudit.jobs.tests.test_short_transactions.WatchingBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    SEEN.clear()
    notification = Notification.objects.create(
        recipient=org.worker,
        kind="test",
        subject="Hello",
        body="Body",
        url="/",
        idempotency_key="short-transaction-test",
        email_status=EmailStatus.PENDING,
    )
    assert email_deliver(notification_id=notification.pk) == "sent"
    assert SEEN == [False]
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 1 and notification.email_last_error == ""
    # A second call (a repeated task) sends nothing more.
    assert email_deliver(notification_id=notification.pk) == "already sent"
    assert Notification.objects.get(pk=notification.pk).email_attempts == 1
