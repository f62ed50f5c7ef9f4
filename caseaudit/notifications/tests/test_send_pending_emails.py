"""`manage.py send_pending_emails`: the cron safety net."""

import datetime as dt
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from caseaudit.notifications.models import MAX_EMAIL_ATTEMPTS, EmailStatus, Notification
from caseaudit.notifications.services import notify

from .conftest import smtp_refusing


def pending(recipient, key="k1", age=dt.timedelta(minutes=10)):
    """A notification whose task never ran (a worker that was down), made `age` ago."""
    notification = notify(
        recipient=recipient,
        kind="response_required",
        subject="QA response due for case C1",
        body="Due on Thursday.",
        idempotency_key=key,
    )  # no on-commit callbacks run here, so no task
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - age)
    return notification


def run(*args):
    out = StringIO()
    call_command("send_pending_emails", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_sends_what_the_worker_missed_once(org):
    notification = pending(org.worker)
    assert "1 sent" in run()
    assert len(mail.outbox) == 1
    assert "No pending emails are due." in run()
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


def test_a_new_notification_is_left_to_its_own_task_for_a_while(org):
    pending(org.worker, age=dt.timedelta(seconds=30))
    assert "No pending emails are due." in run()
    assert mail.outbox == []
    assert "1 sent" in run("--all")


def test_a_failed_email_waits_for_its_retry_time(org, send):
    with smtp_refusing():
        notification = send(recipient=org.worker, idempotency_key="k1")
    assert "No pending emails are due." in run()
    Notification.objects.update(email_next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert "1 sent" in run()
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_attempts == 2


def test_failures_are_counted_not_raised(org):
    pending(org.worker, key="a")
    pending(org.ps1, key="b")
    with smtp_refusing():
        assert "2 failed" in run()
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {1}


def test_given_up_emails_can_be_given_a_fresh_set_of_attempts(org):
    notification = pending(org.worker)
    Notification.objects.update(email_status=EmailStatus.FAILED, email_attempts=MAX_EMAIL_ATTEMPTS)
    assert "No pending emails are due." in run("--all")
    out = run("--retry-failed")
    assert "1 failed email(s) given a fresh set of attempts." in out and "1 sent" in out
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_sent_and_not_needed_emails_are_left_alone(org):
    pending(org.worker, key="a")
    pending(org.ps1, key="b")
    Notification.objects.filter(idempotency_key="a").update(email_status=EmailStatus.SENT)
    Notification.objects.filter(idempotency_key="b").update(email_status=EmailStatus.NOT_NEEDED)
    assert "No pending emails are due." in run("--all")
    assert mail.outbox == []


def test_enqueue_hands_them_to_the_worker(org, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    notification = pending(org.worker)
    assert "1 enqueued" in run("--enqueue")
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [notification.pk]
    assert mail.outbox == []
