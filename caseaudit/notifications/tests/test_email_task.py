"""The email task: idempotent, retried on failure, never sends the same email twice."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from caseaudit.notifications.models import MAX_EMAIL_ATTEMPTS, EmailStatus, Notification
from caseaudit.notifications.tasks import (
    RETRY_DELAYS,
    EmailNotSent,
    email_deliver,
    notification_email_send,
)

from .conftest import smtp_refusing


def make_due():
    Notification.objects.update(email_next_attempt_at=timezone.now())


def test_running_the_task_again_sends_nothing_more(org, send):
    notification = send(recipient=org.worker, idempotency_key="k1")
    assert len(mail.outbox) == 1
    result = notification_email_send.enqueue(notification.pk)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "already sent"
    assert email_deliver(notification_id=notification.pk, force=True) == "already sent"
    assert len(mail.outbox) == 1


def test_a_missing_notification_is_not_an_error(db):
    assert notification_email_send.enqueue(999_999).return_value == "missing"


def test_an_smtp_failure_is_recorded_and_does_not_reach_the_caller(org, send, smtp_down):
    notification = send(recipient=org.worker, idempotency_key="k1")  # does not raise
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert notification.email_attempts == 1
    assert "SMTPException" in notification.email_last_error
    assert "421" in notification.email_last_error
    assert notification.email_sent_at is None
    wait = notification.email_next_attempt_at - timezone.now()
    assert (
        dt.timedelta(seconds=RETRY_DELAYS[0] - 10) < wait <= dt.timedelta(seconds=RETRY_DELAYS[0])
    )
    assert smtp_down.call_count == 1
    assert mail.outbox == []


def test_the_failed_task_reports_its_error(org, send, smtp_down):
    notification = send(recipient=org.worker, idempotency_key="k1")
    # Not yet due for its retry: a stray run of the task leaves it alone.
    assert notification_email_send.enqueue(notification.pk).return_value == "not due"
    make_due()
    result = notification_email_send.enqueue(notification.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is EmailNotSent
    assert "SMTPException" in result.errors[0].traceback
    notification.refresh_from_db()
    assert notification.email_attempts == 2


def test_a_later_attempt_sends_it_exactly_once(org, send):
    with smtp_refusing():
        notification = send(recipient=org.worker, idempotency_key="k1")
    assert mail.outbox == []
    make_due()
    assert notification_email_send.enqueue(notification.pk).return_value == "sent"
    assert notification_email_send.enqueue(notification.pk).return_value == "already sent"
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 2
    assert notification.email_last_error == ""
    assert notification.email_next_attempt_at is None


def test_the_retries_back_off_then_give_up(org, send, smtp_down):
    notification = send(recipient=org.worker, idempotency_key="k1")
    waits = []
    for _ in range(MAX_EMAIL_ATTEMPTS - 1):
        notification.refresh_from_db()
        if notification.email_next_attempt_at:
            waits.append(round((notification.email_next_attempt_at - timezone.now()).seconds, -1))
        make_due()
        with pytest.raises(EmailNotSent):
            email_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert waits == [60, 300, 1800, 7200]
    assert notification.email_status == EmailStatus.FAILED
    assert notification.email_attempts == MAX_EMAIL_ATTEMPTS
    assert notification.email_next_attempt_at is None
    assert email_deliver(notification_id=notification.pk, force=True) == "already failed"
    assert smtp_down.call_count == MAX_EMAIL_ATTEMPTS


def test_a_failure_schedules_a_retry_on_the_database_backend(org, send, settings):
    """django-tasks has no automatic retry: the task enqueues itself with run_after."""
    with smtp_refusing():
        notification = send(recipient=org.worker, idempotency_key="k1")
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        make_due()
        with pytest.raises(EmailNotSent):
            notification_email_send.call(notification.pk)
    notification.refresh_from_db()
    retry = DBTaskResult.objects.get()
    assert retry.task_path == "caseaudit.notifications.tasks.notification_email_send"
    assert retry.args_kwargs == {"args": [notification.pk], "kwargs": {}}
    assert retry.run_after == notification.email_next_attempt_at
    assert notification.email_attempts == 2


def test_the_database_worker_sends_a_queued_email_once(org, send, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    notification = send(recipient=org.worker, idempotency_key="k1")
    notification_email_send.enqueue(notification.pk)  # a duplicate task
    assert DBTaskResult.objects.count() == 2
    assert mail.outbox == []
    # The worker closes "old" connections between tasks: not the test's own connection.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert len(mail.outbox) == 1
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
