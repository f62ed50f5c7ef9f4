"""Faults, as tests: the database connection killed while an audit is completed,
the task worker killed while it sends an email, the mail server down, the same form submitted
twice, and two sessions saving one audit.

The connection test runs against the live test server (a real WSGI request cycle, with
Django's end-of-request check that drops a broken connection) through `requests`, posting the
check page's "Complete audit" form exactly as the page renders it. On PostgreSQL the server's
own database backend is really terminated (`pg_terminate_backend` from a second connection)
between the last write of the completion and its COMMIT; on SQLite, which has no server to
kill, the same point raises `OperationalError` as a lost connection does.
"""

import contextlib
import datetime as dt
import re
import smtplib
import threading
import time
from html import unescape
from io import StringIO
from unittest import mock

import pytest
import requests
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test import Client
from django.utils import timezone

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import AuditEvent, AuditStatus, EventKind, UrgentFinding
from caseaudit.factories import CaseFactory
from caseaudit.notifications.models import EmailStatus, Notification
from caseaudit.notifications.services import notify
from caseaudit.programme.models import Allocation, ProgrammeMonth
from caseaudit.qa.htmlforms import csrf_token, form_fields
from caseaudit.responses.models import EventKind as ResponseEventKind
from caseaudit.responses.models import QAResponse, ResponseStatus

from .conftest import audit_completed as complete_audit
from .conftest import audit_data, audit_started

PASSWORD = "correct-horse-battery"  # the factories' password


# --- Helpers ------------------------------------------------------------------------------


def http_sign_in(base_url: str, staff) -> requests.Session:
    """A `requests` session signed in through the real sign-in form."""
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=10)
    response = session.post(
        f"{base_url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "login": staff.user.email,
            "password": PASSWORD,
        },
        timeout=10,
    )
    assert response.url == f"{base_url}/", response.url
    return session


def post_form(session, base_url: str, path: str, *, extra=(), page_path=None):
    """GET the page, then POST its form (the one posting to `path`) as rendered, plus
    `extra` fields (a button's name and value)."""
    page = session.get(base_url + (page_path or path), timeout=10)
    assert page.status_code == 200, page.status_code
    data = form_fields(page.text, action=path) + list(extra)
    return session.post(base_url + path, data=data, timeout=30, allow_redirects=False)


def banners(html: str) -> list[str]:
    """The messages a page shows (its notification banners' headings), as text."""
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
        for text in re.findall(
            r'class="govuk-notification-banner__heading">(.*?)</p>', html, flags=re.S
        )
    ]


@contextlib.contextmanager
def receiver_connected(func):
    """Run `func(sender=None, audit=...)` as the last step of `audit_complete` (after the
    reports' summary step, so after the QA response and its notifications are written), for
    the block only."""
    from caseaudit.reports import services as report_services

    count_in = report_services.summary_add_audit

    def last_step(*, audit, **kwargs):
        count_in(audit=audit, **kwargs)
        func(sender=None, audit=audit)

    with mock.patch.object(report_services, "summary_add_audit", last_step):
        yield


def kill_this_connection() -> None:
    """Lose the current thread's database connection in the middle of its transaction."""
    if connection.vendor != "postgresql":
        raise OperationalError("server closed the connection unexpectedly")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):  # until the server has really ended it
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.05)
    finally:
        killer.close()


def audit_ready_to_complete(org):
    """A draft Generic Audit by the Team Manager of the worker's case, every required answer
    saved, nothing urgent in it."""
    audit = audit_started(case=org.case, auditor=org.tm)
    audit_services.audit_save(
        audit=audit,
        by=org.tm.user,
        data=audit_data(
            audit, actions=[("Update the chronology.", org.worker, dt.date(2027, 1, 15))]
        ),
        revision=audit.revision,
    )
    return audit


# --- (a) The database connection killed while an audit is completed ---------------------


@pytest.mark.django_db(transaction=True)
def test_connection_killed_while_completing_leaves_nothing_half_written(
    live_server, org, shipped_tools
):
    audit = audit_ready_to_complete(org)
    case_last_audited = org.case.last_audited_on
    base = live_server.url
    session = http_sign_in(base, org.tm)
    check = f"/audits/{audit.pk}/edit/check/"  # "Complete audit" is on the check page
    seen_inside = {}

    def die(sender, audit, **kwargs):
        # The response and its notifications are written; the COMMIT is still to come.
        seen_inside["responses"] = QAResponse.objects.filter(audit=audit).count()
        seen_inside["notifications"] = Notification.objects.count()
        kill_this_connection()

    with receiver_connected(die):
        response = post_form(session, base, check)
    assert response.status_code == 500
    assert seen_inside == {"responses": 1, "notifications": 2}  # there was something to lose

    # Nothing of the completion was kept.
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT and audit.completed_at is None
    assert not AuditEvent.objects.filter(audit=audit, kind=EventKind.COMPLETED).exists()
    assert not QAResponse.objects.exists()
    assert not Notification.objects.exists()
    assert not UrgentFinding.objects.exists()
    assert mail.outbox == []
    org.case.refresh_from_db()
    assert org.case.last_audited_on == case_last_audited

    # The next requests work (the broken connection was dropped and a new one made), and the
    # auditor can complete the audit: once.
    page = session.get(f"{base}/audits/{audit.pk}/", timeout=10)
    assert page.status_code == 200 and "Draft" in page.text
    response = post_form(session, base, check)
    assert response.status_code == 302 and response.headers["Location"] == f"/audits/{audit.pk}/"
    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert QAResponse.objects.filter(audit=audit).count() == 1
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.worker.email, org.ps1.email])


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_complete_completes_once(live_server, org, shipped_tools):
    """Two identical posts of "Complete audit" at the same moment (a double click):
    PostgreSQL's row locks decide; exactly one completes the audit and the other is told it
    was already completed."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent requests need a database server (run on PostgreSQL)")
    audit = audit_ready_to_complete(org)
    base, check = live_server.url, f"/audits/{audit.pk}/edit/check/"
    session = http_sign_in(base, org.tm)
    page = session.get(base + check, timeout=10)
    data = form_fields(page.text, action=check)  # the revision the auditor checked
    assert [name for name, _value in data] == ["csrfmiddlewaretoken", "revision"]
    start = threading.Barrier(2)
    results = []

    def click():
        # The same signed-in browser; each click's own jar, so that the page each one is
        # sent to shows that click's own message.
        clicker = requests.Session()
        clicker.cookies.update(session.cookies)
        start.wait()
        response = clicker.post(base + check, data=data, timeout=30, allow_redirects=False)
        shown = clicker.get(base + response.headers.get("Location", check), timeout=10)
        results.append((response, banners(shown.text)))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Both are sent on (the audit page, or the check page which sends a completed audit on
    # to it); exactly one says it completed the audit.
    assert [r.status_code for r, _ in results] == [302, 302]
    completed = [shown for r, shown in results if "Audit completed." in shown]
    assert len(completed) == 1, results
    winner = next(r for r, shown in results if "Audit completed." in shown)
    assert winner.headers["Location"] == f"/audits/{audit.pk}/"
    refused = next(shown for r, shown in results if "Audit completed." not in shown)
    # Which message depends on timing: the second click either lost the completion race or
    # found the audit already completed by the first; both change nothing.
    assert any(
        "already completed" in message or "This audit is completed, so it is read-only" in message
        for message in refused
    ), refused
    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert AuditEvent.objects.filter(audit=audit, kind=EventKind.COMPLETED).count() == 1
    assert QAResponse.objects.filter(audit=audit).count() == 1
    assert Notification.objects.count() == 2


# --- (b) The task worker killed while it sends an email ---------------------------------

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class WorkerKilled(BaseException):
    """The worker process dies (SIGKILL, a crash of the machine): nothing after this runs, no
    handler sees it, and the database rolls back its open transaction."""


class DyingEmailBackend(BaseEmailBackend):
    """The worker is killed while talking to the mail server, before the message is accepted."""

    def send_messages(self, messages):
        raise WorkerKilled


class DyingAfterSendBackend(LocmemBackend):
    """The mail server accepts the message, then the worker is killed before it records that."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise WorkerKilled


class MailServerDown(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


class MailServerFailing(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def later(minutes: int):
    """The clock `minutes` from now."""
    moment = timezone.now() + dt.timedelta(minutes=minutes)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def worker_run() -> None:
    """A `db_worker --batch` run in this process: every ready task, then stop."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"qa-{time.monotonic_ns()}",
        excluded_queue_names=[],
    ).run()


def worker_dies_while_running_one() -> None:
    """What `db_worker` does with one task, up to the moment its process is killed: the task
    is claimed (committed), then the process dies inside the task."""
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    with exclusive_transaction():
        claimed = DBTaskResult.objects.ready().get_locked()
        claimed.claim("qa-killed-worker")
    with pytest.raises(WorkerKilled):
        claimed.task.call(*claimed.task_result.args, **claimed.task_result.kwargs)


def notification_made(org) -> Notification:
    return notify(
        recipient=org.worker,
        kind="response_required",
        subject="QA response due: case CASE-1",
        body="Please complete your QA response.",
        url="/responses/",
        idempotency_key="qa-fault-email",
        email=True,
    )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_while_sending_is_never_sent_twice_and_shows_as_uncertain(org, settings):
    """The worker dies while talking to the mail server: nobody can know whether the server
    took the message. The claim (SENDING) was committed before the send, so nothing sends it
    again by itself (at most once); after the stale limit it shows as "delivery uncertain",
    and a person who has checked it did not arrive sends it again (`--resend`)."""
    from django_tasks_db.models import DBTaskResult

    from caseaudit.notifications.tasks import STALE_CLAIM

    settings.TASKS = DATABASE_TASKS
    notification = notification_made(org)  # committed: its email task is queued
    assert DBTaskResult.objects.count() == 1

    settings.EMAIL_BACKEND = f"{__name__}.DyingEmailBackend"
    worker_dies_while_running_one()
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENDING
    assert notification.email_attempts == 1  # the claim was committed before the send
    assert mail.outbox == []

    # Restart, the worker and cron both ways, later: the email is not sent by the machine.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    worker_run()
    with later(minutes=6):
        call_command("send_pending_emails", "--enqueue", "--all")
        call_command("send_pending_emails")
    worker_run()
    assert mail.outbox == []
    stale = int(STALE_CLAIM.total_seconds() // 60) + 1
    with later(minutes=stale):
        call_command("send_pending_emails", stdout=StringIO())
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.UNCERTAIN
    assert mail.outbox == []

    # A person checks, and has it sent again: once.
    call_command("send_pending_emails", "--resend", str(notification.pk), stdout=StringIO())
    call_command("send_pending_emails", "--all", stdout=StringIO())
    worker_run()
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_worker_killed_after_the_mail_server_took_the_email_does_not_repeat_it(org, settings):
    """The mail server accepted the message and the worker died before recording it: the
    email is not sent again (an urgent finding mailed twice was the bug); its delivery shows
    as uncertain once the claim is stale."""
    from caseaudit.notifications.tasks import STALE_CLAIM

    settings.TASKS = DATABASE_TASKS
    notification = notification_made(org)
    settings.EMAIL_BACKEND = f"{__name__}.DyingAfterSendBackend"
    worker_dies_while_running_one()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    stale = int(STALE_CLAIM.total_seconds() // 60) + 1
    for minutes in (6, stale, stale + 60):
        with later(minutes=minutes):
            call_command("send_pending_emails", "--all", stdout=StringIO())
    worker_run()
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.UNCERTAIN


# --- (c) The mail server down ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_the_audit_completes_and_emails_go_later(org, shipped_tools, settings):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    audit = complete_audit(case=org.case, auditor=org.tm)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert QAResponse.objects.filter(audit=audit).count() == 1
    emails = Notification.objects.filter(email_status=EmailStatus.PENDING)
    assert emails.count() == 2
    for notification in emails.all():
        assert notification.email_attempts == 1
        assert notification.email_last_error.startswith("ConnectionRefusedError")
        assert notification.email_next_attempt_at > timezone.now()
    assert mail.outbox == []

    # Cron before the retry is due: nothing tried. A minute later, still down: attempt 2.
    call_command("send_pending_emails")
    assert set(emails.values_list("email_attempts", flat=True)) == {1}
    settings.EMAIL_BACKEND = f"{__name__}.MailServerFailing"
    with later(minutes=2):
        call_command("send_pending_emails")
    assert set(emails.values_list("email_attempts", flat=True)) == {2}
    assert all(
        e.startswith("SMTPServerDisconnected")
        for e in emails.values_list("email_last_error", flat=True)
    )

    # The server is back: the next run sends each email once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with later(minutes=10):
        call_command("send_pending_emails")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.worker.email, org.ps1.email])
    assert not emails.exists()
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {3}
    with later(minutes=60):
        call_command("send_pending_emails", "--all")
    assert len(mail.outbox) == 2


# --- (d) The same form submitted twice ------------------------------------------------


def test_completion_form_posted_twice_completes_once(
    client, org, shipped_tools, django_capture_on_commit_callbacks
):
    audit = audit_ready_to_complete(org)
    check = f"/audits/{audit.pk}/edit/check/"  # "Complete audit" is on the check page
    client.force_login(org.tm.user)
    page = client.get(check)
    data = {}
    for name, value in form_fields(page.content.decode(), action=check):
        data.setdefault(name, []).append(value)
    assert set(data) == {"csrfmiddlewaretoken", "revision"}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(check, data)
    assert first.status_code == 302 and first.url == f"/audits/{audit.pk}/"
    assert banners(client.get(first.url).content.decode()) == ["Audit completed."]
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(check, data)  # the same body again: a resubmit or the Back button

    # The completed audit is read-only: the second post is sent to the audit page, told so.
    assert second.status_code == 302 and second.url == f"/audits/{audit.pk}/"
    assert banners(client.get(second.url).content.decode()) == [
        "This audit is completed, so it is read-only."
    ]
    assert AuditEvent.objects.filter(audit=audit, kind=EventKind.COMPLETED).count() == 1
    assert QAResponse.objects.filter(audit=audit).count() == 1
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_response_submitted_twice_is_submitted_once(
    client, org, shipped_tools, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit = complete_audit(case=org.case, auditor=org.tm)
    response = QAResponse.objects.get(audit=audit)
    action = audit.actions.get()
    path = f"/responses/{response.pk}/"
    client.force_login(org.worker.user)
    page = client.get(path)
    data = dict(form_fields(page.content.decode(), action=path))
    data[f"a{action.pk}-what_done"] = "The chronology is up to date."
    data[f"a{action.pk}-done_on"] = timezone.localdate().isoformat()
    notifications = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(path, data)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(path, data)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "cannot be submitted again" in second.content.decode()
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.events.filter(kind=ResponseEventKind.SUBMITTED).count() == 1
    assert Notification.objects.count() == notifications + 1  # the supervisor, told once


def test_programme_generated_and_confirmed_twice_gives_one_programme(client, org, shipped_tools):
    for worker in (org.worker, org.colleague, org.worker_b):
        CaseFactory.create_batch(2, team=worker.team, allocated_worker=worker)
    label = timezone.localdate().strftime("%Y-%m")
    client.force_login(org.performance.user)

    first = client.post("/programme/generate/", {"month": label, "seed": "42"})
    made = sorted(Allocation.objects.values_list("auditor_id", "case_id", "rule"))
    second = client.post("/programme/generate/", {"month": label, "seed": "42"})
    assert first.status_code == second.status_code == 302
    assert ProgrammeMonth.objects.count() == 1
    assert made and sorted(Allocation.objects.values_list("auditor_id", "case_id", "rule")) == made

    client.post(f"/programme/{label}/confirm/")
    confirmed_at = ProgrammeMonth.objects.get().confirmed_at
    again = client.post(f"/programme/{label}/confirm/", follow=True)
    assert "already confirmed" in again.content.decode()
    assert ProgrammeMonth.objects.get().confirmed_at == confirmed_at
    # Generating the confirmed month again is refused and changes nothing.
    refused = client.post("/programme/generate/", {"month": label, "seed": "7"}, follow=True)
    assert "is confirmed and cannot be regenerated" in refused.content.decode()
    assert sorted(Allocation.objects.values_list("auditor_id", "case_id", "rule")) == made


# --- (e) Two sessions editing one audit -------------------------------------------------


def test_two_sessions_saving_one_revision_the_second_gets_the_conflict(org, shipped_tools):
    audit = audit_started(case=org.case, auditor=org.tm)
    first_section = audit.tool_version.sections.order_by("order", "id").first()
    working_well = f"s{first_section.pk}-working_well"
    worried_about = f"s{first_section.pk}-worried_about"
    # Both windows on the first section's page ("Save and come back later").
    edit = f"/audits/{audit.pk}/edit/section-1/"
    window_a, window_b = Client(), Client()  # two browsers, each signed in
    window_a.force_login(org.tm.user)
    window_b.force_login(org.tm.user)

    def form(window, **values):
        page = window.get(edit)
        data = dict(form_fields(page.content.decode(), action=edit))
        assert working_well in data and worried_about in data  # the section's own page
        data.update(values, intent="later")
        return data

    data_a = form(window_a, **{working_well: "Written in window A."})
    data_b = form(window_b, **{working_well: "Written in window B.", worried_about: "B's notes."})
    assert data_a["revision"] == data_b["revision"]

    assert window_a.post(edit, data_a).status_code == 302
    conflict = window_b.post(edit, data_b)
    page = conflict.content.decode()
    assert conflict.status_code == 200
    assert "Your changes were not saved" in page
    assert "Written in window B." in page and "B&#x27;s notes." in page  # handed back, not lost
    audit.refresh_from_db()
    answer = audit.section_answers.get(section=first_section)
    assert answer.working_well == "Written in window A." and answer.worried_about == ""

    # Window B reloads (seeing A's text), adds its notes again and saves: both are kept.
    data_b = form(window_b, **{worried_about: "B's notes."})
    assert data_b[working_well] == "Written in window A."
    assert window_b.post(edit, data_b).status_code == 302
    answer = audit.section_answers.get(section=first_section)
    assert answer.working_well == "Written in window A."
    assert answer.worried_about == "B's notes."

    # Anyone else (the case's own supervisor, who may read the audit) cannot edit it at all.
    other = Client()
    other.force_login(org.ps1.user)
    assert other.get(f"/audits/{audit.pk}/").status_code == 200
    assert other.get(f"/audits/{audit.pk}/edit/").status_code == 404
    assert other.get(edit).status_code == 404
    assert other.post(edit, data_b).status_code == 404
