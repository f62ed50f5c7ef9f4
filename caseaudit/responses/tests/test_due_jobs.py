"""Chasing: reminders the working day before and on the due day, escalation to the Team Manager
once overdue, overdue actions, and `run_due_jobs` safe to run any number of times a day.

The audit is completed on Tuesday 22 December 2026, so the response is due on Thursday
31 December (25 and 28 December are bank holidays, 26 and 27 the weekend)."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from caseaudit.core.models import ClosureDay
from caseaudit.notifications.models import Notification
from caseaudit.notifications.tasks import digest_send_all
from caseaudit.responses import services
from caseaudit.responses.models import EventKind, ReminderKind, ResponseEvent

from .conftest import answer, at

D = dt.date


@pytest.fixture
def response(response_for):
    response = response_for(actions=1, at=at(2026, 12, 22))
    assert response.due_on == D(2026, 12, 31)
    mail.outbox.clear()
    Notification.objects.all().delete()
    return response


@pytest.fixture
def due_jobs(run):
    """`due_jobs(date)`: run the day's jobs, then the daily digest that emails reminders
    (caseaudit.notifications.tasks.digest_send_all)."""

    def _run(today):
        report = run(services.run_due_jobs, today=today)
        digest_send_all.call()
        return report

    return _run


def sent(**filters):
    return list(
        Notification.objects.filter(**filters).order_by("id").values_list("recipient", "kind")
    )


def test_nothing_is_sent_two_working_days_before(org, response, due_jobs):
    report = due_jobs(D(2026, 12, 29))
    assert report.working_day and not report.lines
    assert Notification.objects.count() == 0


def test_the_worker_is_reminded_the_working_day_before_and_on_the_due_day(org, response, due_jobs):
    report = due_jobs(D(2026, 12, 30))
    assert report.counts == {ReminderKind.DUE_TOMORROW: 1}
    due_jobs(D(2026, 12, 31))
    assert sent() == [
        (org.worker.pk, "response_due_tomorrow"),
        (org.worker.pk, "response_due_today"),
    ]
    assert [m.to for m in mail.outbox] == [[org.worker.email], [org.worker.email]]
    assert "due tomorrow" in mail.outbox[0].subject
    response.refresh_from_db()
    assert (response.last_reminder_kind, response.last_reminder_on) == (
        ReminderKind.DUE_TODAY,
        D(2026, 12, 31),
    )
    reminders = ResponseEvent.objects.filter(kind=EventKind.REMINDED)
    assert [e.detail["reminder"] for e in reminders] == ["due_tomorrow", "due_today"]
    assert all(e.by is None for e in reminders)


def test_the_day_before_skips_a_closure_day(org, response, due_jobs):
    ClosureDay.objects.create(date=D(2026, 12, 30), reason="Office move")
    assert not due_jobs(D(2026, 12, 30)).working_day
    due_jobs(D(2026, 12, 29))  # now the working day before the due date
    assert sent() == [(org.worker.pk, "response_due_tomorrow")]


def test_nothing_is_sent_on_a_bank_holiday_or_a_weekend(org, response, due_jobs):
    for day in (D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)):
        report = due_jobs(day)
        assert not report.working_day
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_an_overdue_response_is_escalated_to_the_team_manager_once(org, response, due_jobs):
    report = due_jobs(D(2027, 1, 4))  # the first working day after the due date
    assert report.counts == {"escalated": 1, ReminderKind.OVERDUE: 1}
    assert sent() == [(org.tm.pk, "response_overdue"), (org.worker.pk, "response_overdue")]
    to_tm = Notification.objects.get(recipient=org.tm)
    assert to_tm.url == "/responses/team/"
    assert org.worker.name in to_tm.body
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.tm.email, org.worker.email])
    response.refresh_from_db()
    assert response.escalated_at is not None
    escalation = ResponseEvent.objects.get(kind=EventKind.ESCALATED)
    assert escalation.detail["to"] == [org.tm.name]
    # Overdue for longer: never escalated again.
    for day in (D(2027, 1, 5), D(2027, 1, 6), D(2027, 1, 8)):
        assert due_jobs(day).lines == []
    assert Notification.objects.filter(recipient=org.tm).count() == 1


def test_a_team_without_a_team_manager_escalates_to_the_service_manager(org, response, due_jobs):
    org.tm.left_on = D(2026, 12, 1)
    org.tm.save()
    due_jobs(D(2027, 1, 4))
    assert (org.csm_north.pk, "response_overdue") in sent()


def test_the_worker_is_reminded_every_five_working_days_while_overdue(org, response, due_jobs):
    due_jobs(D(2027, 1, 4))
    for day in range(5, 9):
        due_jobs(D(2027, 1, day))
    assert Notification.objects.filter(recipient=org.worker).count() == 1
    due_jobs(D(2027, 1, 11))  # five working days after the first overdue reminder
    assert sent(recipient=org.worker)[-1] == (org.worker.pk, "response_still_overdue")
    assert "still overdue (6 working days)" in Notification.objects.order_by("id").last().body


def test_an_escalation_missed_by_a_days_cron_happens_the_next_time(org, response, due_jobs):
    due_jobs(D(2027, 1, 6))
    assert (org.tm.pk, "response_overdue") in sent()


def test_running_twice_a_day_sends_nothing_twice(org, response_for, response, due_jobs):
    response_for(actions=0, case=org.colleague_case, at=at(2026, 12, 23))  # due 4 January
    mail.outbox.clear()
    Notification.objects.all().delete()
    for day in (D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 4), D(2027, 1, 11), D(2027, 1, 18)):
        first = due_jobs(day)
        notifications, emails = Notification.objects.count(), len(mail.outbox)
        events = ResponseEvent.objects.count()
        second = due_jobs(day)
        assert first.lines and second.lines == []
        assert (Notification.objects.count(), len(mail.outbox)) == (notifications, emails)
        assert ResponseEvent.objects.count() == events
    # By then: both reminded before and on their due days, both escalated once, reminders.
    assert Notification.objects.filter(kind="response_overdue", recipient=org.tm).count() == 2


def test_submitted_and_authorised_responses_are_not_chased(org, response, due_jobs):
    action = response.audit.actions.get()
    services.response_submit(
        response=response,
        by=org.worker.user,
        action_answers={action.pk: answer()},
    )
    for day in (D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 4)):
        assert due_jobs(day).lines == []


def test_a_returned_response_past_its_due_date_is_overdue(org, response, due_jobs):
    action = response.audit.actions.get()
    services.response_submit(
        response=response, by=org.worker.user, action_answers={action.pk: answer()}
    )
    services.response_return(response=response, by=org.ps1.user, reason="Say more.")
    due_jobs(D(2027, 1, 4))
    assert (org.tm.pk, "response_overdue") in sent()


# --- Actions ------------------------------------------------------------------------------


def test_the_owner_of_an_overdue_action_is_reminded_once_a_week(org, response, due_jobs):
    action = response.audit.actions.get()  # due Friday 15 January 2027
    action.owner = org.colleague  # not the response's worker, to tell the reminders apart
    action.save()
    assert due_jobs(D(2027, 1, 15)).counts["action_overdue"] == 0  # due today: not overdue
    due_jobs(D(2027, 1, 18))
    assert sent(kind="action_overdue") == [(org.colleague.pk, "action_overdue")]
    note = Notification.objects.get(kind="action_overdue")
    assert note.url == f"/responses/{response.pk}/#actions"
    assert "1 working day overdue" in note.body
    for day in range(19, 23):
        due_jobs(D(2027, 1, day))
    assert len(sent(kind="action_overdue")) == 1
    due_jobs(D(2027, 1, 25))  # the next overdue week
    assert len(sent(kind="action_overdue")) == 2
    assert "6 working days overdue" in (
        Notification.objects.filter(kind="action_overdue").order_by("id").last().body
    )


def test_an_action_answered_in_the_submitted_response_is_not_chased(org, response, due_jobs):
    action = response.audit.actions.get()
    services.response_submit(
        response=response, by=org.worker.user, action_answers={action.pk: answer()}
    )
    due_jobs(D(2027, 1, 18))
    assert sent(kind="action_overdue") == []


def test_an_action_of_a_returned_response_is_open_again_and_chased(org, response, due_jobs):
    action = response.audit.actions.get()
    services.response_submit(
        response=response, by=org.worker.user, action_answers={action.pk: answer()}
    )
    services.response_return(response=response, by=org.ps1.user, reason="Say more.")
    due_jobs(D(2027, 1, 18))
    assert sent(kind="action_overdue") == [(org.worker.pk, "action_overdue")]


# --- The command ----------------------------------------------------------------------------


def test_the_command_prints_what_it_did(org, response, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_due_jobs", "--date", "2026-12-30", stdout=out)
    text = out.getvalue()
    assert f"Reminded {org.worker.name}" in text
    assert "Wednesday 30 December 2026: sent 1 due tomorrow." in text
    out = StringIO()
    call_command("run_due_jobs", "--date", "2026-12-30", stdout=out)
    assert "nothing was due" in out.getvalue()
    out = StringIO()
    call_command("run_due_jobs", "--date", "2027-01-01", stdout=out)
    assert "not a working day" in out.getvalue()


def test_the_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="2026-12-31"):
        call_command("run_due_jobs", "--date", "31/12/2026")


def test_the_task_runs_the_days_jobs(org, response, django_capture_on_commit_callbacks):
    from caseaudit.responses.tasks import due_jobs_run

    with django_capture_on_commit_callbacks(execute=True):
        result = due_jobs_run.enqueue("2026-12-30").return_value
    digest_send_all.call()  # reminders are emailed in the daily digest
    assert result == {"date": "2026-12-30", "sent": {"due_tomorrow": 1}, "errors": 0}
    assert [m.to for m in mail.outbox] == [[org.worker.email]]
