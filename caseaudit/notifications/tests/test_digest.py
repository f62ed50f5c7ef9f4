"""The daily digest: reminders, due-soon and overdue notices go in one email per person per
day; urgent findings and returned responses go at once; each person may choose otherwise.
The inbox is unchanged: every notification is there at once."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError

from caseaudit.core.working_days import is_working_day
from caseaudit.factories import CaseFactory
from caseaudit.notifications import tasks
from caseaudit.notifications.models import (
    Delivery,
    EmailDigest,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from caseaudit.notifications.services import notification_preferences_set
from caseaudit.notifications.tasks import digest_send_all
from caseaudit.responses import services as response_services
from caseaudit.responses.tests.conftest import (  # noqa: F401 (fixtures)
    at,
    complete_audit,
    response_for,
)

from .conftest import smtp_refusing

D = dt.date


def digest():
    return digest_send_all.call()


@pytest.fixture
def three_responses(org, response_for):  # noqa: F811
    """Three QA responses for the worker, each due on Thursday 31 December 2026."""
    cases = [org.case] + [
        CaseFactory(team=org.case.team, allocated_worker=org.worker) for _ in range(2)
    ]
    responses = [response_for(actions=1, at=at(2026, 12, 22), case=case) for case in cases]
    assert {r.due_on for r in responses} == {D(2026, 12, 31)}
    mail.outbox.clear()
    Notification.objects.all().delete()
    return responses


def a_week_of_due_jobs(django_capture_on_commit_callbacks, start, days=10):
    """Each day: the due jobs, then the 07:30 digest; returns {day: [emails of that day]}."""
    emails = {}
    for n in range(days):
        day = start + dt.timedelta(days=n)
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response_services.run_due_jobs(today=day)
        digest_send_all.call()
        emails[day] = mail.outbox[before:]
    return emails


def test_a_week_of_reminders_is_one_email_per_person_per_day(
    org, three_responses, django_capture_on_commit_callbacks
):
    emails = a_week_of_due_jobs(django_capture_on_commit_callbacks, D(2026, 12, 29))
    for day, sent in emails.items():
        per_person = Counter(m.to[0] for m in sent)
        assert all(count == 1 for count in per_person.values()), (day, per_person)
    # Wednesday 30 December: three "due tomorrow" reminders, one email listing all three.
    (wednesday,) = emails[D(2026, 12, 30)]
    assert wednesday.to == [org.worker.email]
    assert "daily summary: 3 notifications" in wednesday.subject
    for response in three_responses:
        assert response.case.reference in wednesday.body
    # Monday 4 January: overdue: one email to the worker, one to the Team Manager.
    assert sorted(m.to[0] for m in emails[D(2027, 1, 4)]) == sorted(
        [org.worker.email, org.tm.email]
    )
    # No email on the bank holiday or the weekend; nothing twice.
    assert all(not emails[d] for d in (D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)))
    reminders = Notification.objects.filter(recipient=org.worker).count()
    worker_emails = sum(m.to == [org.worker.email] for sent in emails.values() for m in sent)
    assert reminders >= 9 and worker_emails < reminders
    assert worker_emails == sum(1 for d, sent in emails.items() if is_working_day(d) and sent)
    # Everything is in the inbox, and every one of its emails recorded as sent in a digest.
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
    assert not Notification.objects.filter(digest__isnull=True).exists()


def test_the_digest_sends_nothing_to_people_with_nothing_new(org, send):
    send(recipient=org.worker, kind=NotificationKind.RESPONSE_DUE_TODAY, idempotency_key="a")
    assert mail.outbox == []
    assert digest() == {"sent": 1, "failed": 0, "skipped": 0}
    assert [m.to for m in mail.outbox] == [[org.worker.email]]
    assert digest() == {"sent": 0, "failed": 0, "skipped": 0}
    assert len(mail.outbox) == 1
    assert EmailDigest.objects.count() == 1


def test_a_notification_waiting_for_the_digest_is_in_the_inbox_at_once(org, send, login):
    send(
        recipient=org.worker,
        kind=NotificationKind.ACTION_OVERDUE,
        subject="Restorative action overdue: case C1",
        idempotency_key="a",
    )
    assert mail.outbox == []
    assert (
        "Restorative action overdue: case C1"
        in login(org.worker).get("/notifications/").content.decode()
    )
    assert Notification.objects.get().email_status == EmailStatus.DIGEST


def test_urgent_findings_and_returned_responses_go_at_once(org, send):
    NotificationPreference.objects.create(
        staff=org.tm, kind=NotificationKind.URGENT_FINDING, delivery=Delivery.DIGEST
    )  # not choosable: ignored
    send(recipient=org.tm, kind=NotificationKind.URGENT_FINDING, idempotency_key="u")
    send(recipient=org.worker, kind=NotificationKind.RESPONSE_RETURNED, idempotency_key="r")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.tm.email, org.worker.email])
    assert digest()["sent"] == 0


def test_a_person_who_chose_immediate_gets_reminders_at_once(
    org, three_responses, django_capture_on_commit_callbacks
):
    notification_preferences_set(
        staff=org.worker, choices={NotificationKind.RESPONSE_DUE_TOMORROW: Delivery.IMMEDIATE}
    )
    emails = a_week_of_due_jobs(django_capture_on_commit_callbacks, D(2026, 12, 30), days=1)
    sent = emails[D(2026, 12, 30)]
    assert [m.to for m in sent] == [[org.worker.email]] * 3
    assert all("due tomorrow" in m.subject and "daily summary" not in m.subject for m in sent)


def test_a_person_may_choose_the_digest_for_an_immediate_kind(org, send):
    notification_preferences_set(
        staff=org.ps1, choices={NotificationKind.RESPONSE_SUBMITTED: Delivery.DIGEST}
    )
    send(recipient=org.ps1, kind=NotificationKind.RESPONSE_SUBMITTED, idempotency_key="s")
    send(recipient=org.tm, kind=NotificationKind.RESPONSE_SUBMITTED, idempotency_key="t")
    assert [m.to for m in mail.outbox] == [[org.tm.email]]
    digest()
    assert [m.to for m in mail.outbox] == [[org.tm.email], [org.ps1.email]]


def test_a_digest_the_mail_server_refused_is_sent_once_later(org, send):
    send(recipient=org.worker, kind=NotificationKind.RESPONSE_DUE_TODAY, idempotency_key="a")
    with smtp_refusing():
        assert digest()["failed"] == 1
    assert EmailDigest.objects.get().email_status == EmailStatus.PENDING
    EmailDigest.objects.update(email_next_attempt_at=None)
    assert digest()["sent"] == 1
    assert digest()["sent"] == 0
    assert len(mail.outbox) == 1


def test_a_database_failure_after_a_digest_is_sent_never_sends_it_twice(org, send, monkeypatch):
    send(recipient=org.worker, kind=NotificationKind.RESPONSE_DUE_TODAY, idempotency_key="a")

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks, "email_mark_sent", locked)
    assert digest()["failed"] == 1
    monkeypatch.undo()
    assert digest() == {"sent": 0, "failed": 0, "skipped": 0}
    call_command("send_pending_emails", "--all", stdout=StringIO())
    assert len(mail.outbox) == 1
    assert EmailDigest.objects.get().email_status == EmailStatus.SENDING
