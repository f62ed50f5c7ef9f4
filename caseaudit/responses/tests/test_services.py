import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from caseaudit.audits.models import ActionStatus
from caseaudit.audits.tests.conftest import answers_in_turn
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role
from caseaudit.responses import attachments, services
from caseaudit.responses.models import (
    ActionResponse,
    EventKind,
    QAResponse,
    ResponseEvent,
    ResponseStatus,
)
from caseaudit.responses.selectors import action_get, response_get
from caseaudit.responses.services import action_field
from caseaudit.workflows import audits as workflows

from .conftest import answer, answers_for, at


def refusal(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- Creation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "completed,due",
    [
        # The examples: Christmas, Boxing Day (substitute Monday) and New Year.
        (at(2026, 12, 22), dt.date(2026, 12, 31)),
        (at(2026, 12, 23), dt.date(2027, 1, 4)),
        # An ordinary week, and a completion late on a Friday evening in summer (BST).
        (at(2026, 11, 2), dt.date(2026, 11, 9)),
        (dt.datetime(2026, 7, 3, 22, 30, tzinfo=dt.UTC), dt.date(2026, 7, 10)),
    ],
)
def test_completing_an_audit_asks_the_worker_within_five_working_days(
    org, response_for, completed, due
):
    response = response_for(at=completed)
    assert response.due_on == due
    assert response.worker == org.worker
    assert response.supervisor == org.ps1
    assert response.status == ResponseStatus.AWAITING_WORKER
    assert response.created_at == completed
    event = ResponseEvent.objects.get(response=response)
    assert (event.kind, event.by) == (EventKind.CREATED, org.csm_north.user)


def test_a_late_evening_completion_counts_by_the_london_date(org, response_for):
    # 23:30 UTC on Sunday 5 July is 00:30 on Monday 6 July in London (BST).
    response = response_for(at=dt.datetime(2026, 7, 5, 23, 30, tzinfo=dt.UTC))
    assert response.completed_on == dt.date(2026, 7, 6)
    assert response.due_on == dt.date(2026, 7, 13)


def test_the_worker_and_their_supervisor_are_told_in_the_app_and_by_email(org, response_for):
    response = response_for(at=at(2026, 12, 22))
    notes = {n.recipient: n for n in Notification.objects.all()}
    assert set(notes) == {org.worker, org.ps1}
    assert notes[org.worker].kind == "response_required"
    assert notes[org.worker].url == f"/responses/{response.pk}/"
    assert "Thursday 31 December 2026" in notes[org.worker].subject
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.worker.email, org.ps1.email])
    # The subject names the case by its reference, never the child.
    assert all(org.case.display_name not in m.subject for m in mail.outbox)
    for message in mail.outbox:
        ((name, content, mimetype),) = message.attachments
        assert name == f"audit-{org.case.reference}-generic-2026-12-22.pdf"
        assert content == f"%PDF-1.7 audit {response.audit_id}".encode()
        assert mimetype == "application/pdf"
        assert "The audit is attached." in message.body


def test_the_attachment_is_the_audits_apps_pdf(org, real_pdf, response_for):
    response_for(at=at(2026, 12, 22))
    content = mail.outbox[0].attachments[0][1]
    # A whole PDF laid out by WeasyPrint, not the suite's stand-in.
    assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF")
    assert len(content) > 5000
    assert org.case.display_name.encode() not in content


def test_without_a_pdf_from_the_audits_app_the_emails_go_without(org, response_for, monkeypatch):
    monkeypatch.setattr(attachments, "_pdf_function", lambda: None)
    response_for()
    assert len(mail.outbox) == 2
    assert all(m.attachments == [] for m in mail.outbox)
    assert "attached" not in mail.outbox[0].body


def test_without_a_practice_supervisor_the_team_manager_is_told(org, response_for):
    org.worker.line_manager = None
    org.worker.save()
    response = response_for()
    assert response.supervisor is None
    assert {n.recipient for n in Notification.objects.all()} == {org.worker, org.tm}


def test_no_actions_prefills_the_acknowledgement_with_the_completion_date(org, response_for):
    response = response_for(actions=0, at=at(2026, 12, 22))
    assert response.acknowledgement == "QA (22/12/2026) received"
    assert "QA (22/12/2026) received" in Notification.objects.get(recipient=org.worker).body


def test_an_unallocated_case_asks_its_team_manager(org, response_for):
    case = CaseFactory(team=org.north_a, allocated_worker=None)
    response = response_for(case=case)
    assert response.worker == org.tm
    assert response.supervisor == org.csm_north  # the TM's line manager authorises


def test_a_worker_who_has_left_is_replaced_by_the_team_manager(org, response_for):
    org.worker.left_on = dt.date(2026, 1, 1)
    org.worker.save()
    response = response_for(actions=0)
    assert response.worker == org.tm


def test_reopening_and_completing_again_keeps_the_one_response(
    org, response_for, django_capture_on_commit_callbacks
):
    response = response_for()
    audit = response.audit
    workflows.audit_reopen(audit=audit, by=org.tm.user, reason="Scale to correct")
    with django_capture_on_commit_callbacks(execute=True):
        workflows.audit_complete(audit=audit, by=org.csm_north.user)
    assert QAResponse.objects.filter(audit=audit).count() == 1
    assert Notification.objects.filter(kind="response_required").count() == 1


def test_creating_twice_returns_the_first(org, response_for):
    response = response_for()
    assert services.response_create_for_audit(audit=response.audit) == response
    assert QAResponse.objects.count() == 1


# --- Submit -----------------------------------------------------------------------------


def test_the_worker_answers_each_action_and_the_supervisor_is_told(org, response_for, run):
    response = response_for(actions=2)
    mail.outbox.clear()
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response, done_on=dt.date(2026, 12, 24)),
        now=at(2026, 12, 24),
    )
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.submitted_by == org.worker.user
    assert response.first_submitted_at == at(2026, 12, 24)
    answers = list(ActionResponse.objects.filter(response=response))
    assert len(answers) == 2  # one per action
    assert {(a.done_on, a.evidence) for a in answers} == {
        (dt.date(2026, 12, 24), "Case note of 2 Nov 2026.")
    }
    assert [m.to for m in mail.outbox] == [[org.ps1.email]]
    event = ResponseEvent.objects.filter(kind=EventKind.SUBMITTED).get()
    assert event.by == org.worker.user
    assert [set(a) for a in event.detail["answers"]] == [
        {"number", "action", "what_done", "done_on", "evidence"}
    ] * 2
    assert event.detail["answers"][0]["done_on"] == "2026-12-24"


def test_every_action_must_be_answered(org, response_for):
    response = response_for(actions=2)
    first, second = response.audit.actions.all()
    with pytest.raises(ValidationError) as excinfo:
        services.response_submit(
            response=response,
            by=org.worker.user,
            action_answers={first.pk: answer("Done."), second.pk: answer("  ")},
        )
    errors = excinfo.value.message_dict
    assert errors == {action_field(second.pk, "what_done"): ["Enter what was done for action 2"]}
    response.refresh_from_db()
    assert response.status == ResponseStatus.AWAITING_WORKER
    assert not ActionResponse.objects.exists()


def test_every_answer_needs_the_date_it_was_done(org, response_for):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    with pytest.raises(ValidationError) as excinfo:
        services.response_submit(
            response=response, by=org.worker.user, action_answers={action.pk: answer(done_on="")}
        )
    assert excinfo.value.message_dict == {
        action_field(action.pk, "done_on"): ["Enter the date done for action 1"]
    }


def test_every_error_is_given_at_once(org, response_for):
    response = response_for(actions=2)
    first, second = response.audit.actions.all()
    with pytest.raises(ValidationError) as excinfo:
        services.response_submit(
            response=response,
            by=org.worker.user,
            action_answers={first.pk: {}, second.pk: answer(done_on="soon")},
        )
    assert set(excinfo.value.message_dict) == {
        action_field(first.pk, "what_done"),
        action_field(first.pk, "done_on"),
        action_field(second.pk, "done_on"),
    }


def test_a_date_done_that_is_not_a_date_is_refused(org, response_for):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    with pytest.raises(ValidationError) as excinfo:
        services.response_submit(
            response=response,
            by=org.worker.user,
            action_answers={action.pk: answer(done_on="31/02/2026")},
        )
    assert excinfo.value.message_dict == {
        action_field(action.pk, "done_on"): ["Date done for action 1 must be a real date"]
    }


def test_a_date_done_in_the_future_is_refused_naming_the_action_and_the_field(org, response_for):
    response = response_for(actions=2, at=at(2026, 12, 22))
    first, second = response.audit.actions.all()
    with pytest.raises(ValidationError) as excinfo:
        services.response_submit(
            response=response,
            by=org.worker.user,
            action_answers={
                first.pk: answer(done_on=dt.date(2026, 12, 23)),  # today: allowed
                second.pk: answer(done_on="2026-12-24"),  # tomorrow
            },
            now=at(2026, 12, 23, 16),
        )
    assert excinfo.value.message_dict == {
        action_field(second.pk, "done_on"): ["Date done for action 2 must be today or in the past"]
    }
    # Nothing was written: no answer, the actions still open.
    assert not ActionResponse.objects.exists()
    assert set(response.audit.actions.values_list("status", flat=True)) == {ActionStatus.OPEN}
    # "Today" is the London date: 00:30 on 24 December in London is still 23 December in UTC.
    services.response_submit(
        response=response,
        by=org.worker.user,
        action_answers={first.pk: answer(), second.pk: answer(done_on="24/12/2026")},
        now=dt.datetime(2026, 12, 24, 0, 30, tzinfo=dt.UTC),
    )
    assert ActionResponse.objects.get(action=second).done_on == dt.date(2026, 12, 24)


def test_submitting_resolves_each_action_from_its_answer(org, response_for, run):
    response = response_for(actions=2)
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response, "Chronology updated."),
        now=at(2026, 12, 24),
    )
    for action in response.audit.actions.all():
        assert action.status == ActionStatus.RESOLVED
        # The resolution is the answer's "what was done": written once, by the worker.
        assert action.resolution == f"Chronology updated. ({action.pk})"
        assert (action.resolved_by, action.resolved_at) == (org.worker.user, at(2026, 12, 24))
        assert action.manager_agreed_at is None  # until the response is authorised
    assert not ResponseEvent.objects.filter(kind=EventKind.ACTION_RESOLVED).exists()


def test_returning_opens_the_actions_and_keeps_the_answers(org, response_for, run):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers={action.pk: answer("First try.")},
    )
    run(services.response_return, response=response, by=org.ps1.user, reason="Say more.")
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN and action.resolved_at is None
    assert ActionResponse.objects.get().what_done == "First try."  # kept, for the form
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers={action.pk: answer("Second try.", evidence="")},
    )
    action.refresh_from_db()
    assert (action.status, action.resolution) == (ActionStatus.RESOLVED, "Second try.")
    assert ActionResponse.objects.count() == 1
    assert ActionResponse.objects.get().evidence == ""  # the evidence is optional


def test_authorising_agrees_the_actions_but_not_one_the_authoriser_owns(org, response_for, run):
    response = response_for(
        actions=[
            ("Update the chronology.", org.worker, dt.date(2027, 1, 15)),
            ("Record the supervision.", org.ps1, dt.date(2027, 1, 15)),
        ]
    )
    mine, supervisors = response.audit.actions.order_by("order", "id")
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    run(services.response_authorise, response=response, by=org.ps1.user, now=at(2026, 12, 30))
    mine.refresh_from_db()
    supervisors.refresh_from_db()
    assert (mine.manager_agreed_by, mine.manager_agreed_at) == (org.ps1.user, at(2026, 12, 30))
    assert supervisors.status == ActionStatus.RESOLVED
    assert supervisors.manager_agreed_at is None  # never agreed by its own owner
    event = ResponseEvent.objects.get(kind=EventKind.AUTHORISED)
    assert event.detail == {"actions_agreed": 1}
    with pytest.raises(ValidationError, match="never its own owner"):
        services.action_agree(action=supervisors, by=org.ps1.user)
    services.action_agree(action=supervisors, by=org.tm.user)
    supervisors.refresh_from_db()
    assert supervisors.manager_agreed_by == org.tm.user


def test_without_actions_the_acknowledgement_is_required(org, response_for):
    response = response_for(actions=0, at=at(2026, 12, 22))
    with pytest.raises(ValidationError) as excinfo:
        services.response_submit(response=response, by=org.worker.user, acknowledgement=" ")
    assert "QA (22/12/2026) received" in excinfo.value.message_dict["acknowledgement"][0]
    services.response_submit(
        response=response, by=org.worker.user, acknowledgement="QA (22/12/2026) received"
    )
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.acknowledgement == "QA (22/12/2026) received"


@pytest.mark.parametrize("who", ["ps1", "tm", "colleague", "csm_north"])
def test_only_the_worker_submits(org, response_for, who):
    response = response_for(actions=0)
    with pytest.raises(ValidationError) as excinfo:
        services.response_submit(
            response=response, by=getattr(org, who).user, acknowledgement="QA received"
        )
    assert "who was asked for this response" in refusal(excinfo)


def test_a_submitted_response_cannot_be_submitted_again(org, response_for):
    response = response_for(actions=0)
    services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")
    with pytest.raises(ValidationError, match="This response is submitted"):
        services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")


def test_answers_for_actions_of_another_audit_are_refused(org, response_for):
    response = response_for(actions=1)
    other = response_for(actions=1, case=org.colleague_case)
    with pytest.raises(ValidationError):
        services.response_submit(
            response=response,
            by=org.worker.user,
            action_answers={**answers_for(response), **answers_for(other)},
        )


# --- Return and authorise: the journey ------------------------------------------


def test_the_worker_responds_the_ps_returns_it_once_then_authorises_it(org, response_for, run):
    response = response_for(actions=1, at=at(2026, 12, 22))
    action = response.audit.actions.get()
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers={action.pk: answer("Updated it.", evidence="")},
        now=at(2026, 12, 23),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.response_return(response=response, by=org.ps1.user, reason="")
    assert excinfo.value.message_dict == {"reason": ["Enter why you are returning the response"]}
    mail.outbox.clear()
    run(
        services.response_return,
        response=response,
        by=org.ps1.user,
        reason="Say where the update can be seen.",
        now=at(2026, 12, 24),
    )
    response.refresh_from_db()
    assert response.status == ResponseStatus.RETURNED
    assert response.return_reason == "Say where the update can be seen."
    assert [m.to for m in mail.outbox] == [[org.worker.email]]
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers={
            action.pk: answer("Updated it.", done_on="2026-12-23", evidence="Case note.")
        },
        now=at(2026, 12, 29),
    )
    run(services.response_authorise, response=response, by=org.ps1.user, now=at(2026, 12, 30))
    response.refresh_from_db()
    assert response.status == ResponseStatus.AUTHORISED
    assert response.authorised_by == org.ps1.user
    assert response.first_submitted_at == at(2026, 12, 23)  # on time, though returned once
    assert response.was_on_time is True
    history = [
        (e.kind, e.by, e.at)
        for e in ResponseEvent.objects.filter(response=response).order_by("at", "id")
    ]
    assert history == [
        (EventKind.CREATED, org.csm_north.user, at(2026, 12, 22)),
        (EventKind.SUBMITTED, org.worker.user, at(2026, 12, 23)),
        (EventKind.RETURNED, org.ps1.user, at(2026, 12, 24)),
        (EventKind.SUBMITTED, org.worker.user, at(2026, 12, 29)),
        (EventKind.AUTHORISED, org.ps1.user, at(2026, 12, 30)),
    ]
    resubmitted = ResponseEvent.objects.filter(kind=EventKind.SUBMITTED).last()
    assert resubmitted.detail["resubmission"] is True
    assert resubmitted.detail["answers"][0]["done_on"] == "2026-12-23"
    assert resubmitted.detail["answers"][0]["evidence"] == "Case note."
    assert ActionResponse.objects.get().done_on == dt.date(2026, 12, 23)
    action.refresh_from_db()
    assert action.manager_agreed_by == org.ps1.user  # authorised: closed
    worker_kinds = set(
        Notification.objects.filter(recipient=org.worker).values_list("kind", flat=True)
    )
    assert worker_kinds == {"response_required", "response_returned", "response_authorised"}
    assert Notification.objects.filter(recipient=org.ps1, kind="response_submitted").count() == 2


@pytest.mark.parametrize(
    "who,allowed",
    [
        ("ps1", True),
        ("tm", True),
        ("ps2", False),
        ("colleague", False),
        ("tm_b", False),
        ("csm_north", False),
        ("worker", False),
    ],
)
def test_who_may_authorise(org, response_for, who, allowed):
    response = response_for(actions=0)
    services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")
    by = getattr(org, who).user
    if allowed:
        services.response_authorise(response=response, by=by)
        response.refresh_from_db()
        assert response.status == ResponseStatus.AUTHORISED
    else:
        with pytest.raises(ValidationError, match="Practice Supervisor or the case's Team"):
            services.response_authorise(response=response, by=by)


def test_only_a_submitted_response_is_authorised_or_returned(org, response_for):
    response = response_for(actions=0)
    with pytest.raises(ValidationError, match="only a submitted response can be authorised"):
        services.response_authorise(response=response, by=org.ps1.user)
    with pytest.raises(ValidationError, match="only a submitted response can be returned"):
        services.response_return(response=response, by=org.ps1.user, reason="No")


def test_a_stale_copy_cannot_authorise_twice(org, response_for):
    response = response_for(actions=0)
    services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")
    stale = QAResponse.objects.select_related("worker", "case").get(pk=response.pk)
    services.response_authorise(response=response, by=org.ps1.user)
    with pytest.raises(ValidationError, match="authorised"):
        services.response_return(response=stale, by=org.tm.user, reason="Too late")
    assert ResponseEvent.objects.filter(kind=EventKind.AUTHORISED).count() == 1


# --- Actions answered on their own after the response ------------------------------------


@pytest.fixture
def authorised_with_supervisors_action(org, response_for, run):
    """An authorised response whose one action its supervisor (ps1) owns: resolved by the
    worker's answer, not agreed (its owner authorised the response)."""
    response = response_for(actions=[("Record the supervision.", org.ps1, dt.date(2027, 1, 15))])
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response, "Recorded."),
    )
    run(services.response_authorise, response=response, by=org.ps1.user)
    return response


def test_while_with_the_worker_an_action_is_answered_only_in_the_response(org, response_for):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    with pytest.raises(ValidationError, match="Answer this action in the QA response"):
        services.action_resolve(action=action, by=org.worker.user, **answer())
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert not ActionResponse.objects.exists()


def test_agreeing_or_reopening_waits_for_the_authorisation(org, response_for, run):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    action.refresh_from_db()
    with pytest.raises(ValidationError, match="Authorise or return the QA response first"):
        services.action_agree(action=action, by=org.ps1.user)
    with pytest.raises(ValidationError, match="Authorise or return the QA response first"):
        services.action_reopen(action=action, by=org.ps1.user, reason="No")
    action.refresh_from_db()
    assert action.manager_agreed_at is None and action.status == ActionStatus.RESOLVED


def test_a_reopened_action_is_answered_again_by_its_owner_and_agreed(
    org, authorised_with_supervisors_action, run
):
    response = authorised_with_supervisors_action
    action = response.audit.actions.get()
    with pytest.raises(ValidationError) as excinfo:
        services.action_reopen(action=action, by=org.tm.user, reason="")
    assert "reason" in excinfo.value.message_dict
    run(services.action_reopen, action=action, by=org.tm.user, reason="Not on the record yet.")
    action.refresh_from_db()
    assert (action.status, action.resolved_at) == (ActionStatus.OPEN, None)
    assert Notification.objects.filter(recipient=org.ps1, kind="action_reopened").exists()
    assert ResponseEvent.objects.get(kind=EventKind.ACTION_REOPENED).detail["reason"] == (
        "Not on the record yet."
    )
    assert ActionResponse.objects.get().what_done.startswith("Recorded.")  # kept, to change
    # Only its owner answers it, with the same rules as the response's answers.
    with pytest.raises(ValidationError, match="Only the action's owner"):
        services.action_resolve(action=action, by=org.worker.user, **answer())
    with pytest.raises(ValidationError) as excinfo:
        services.action_resolve(
            action=action,
            by=org.ps1.user,
            what_done="",
            done_on=dt.date(2026, 12, 24),
            now=at(2026, 12, 23),
        )
    assert excinfo.value.message_dict == {
        "what_done": ["Enter what was done for action 1"],
        "done_on": ["Date done for action 1 must be today or in the past"],
    }
    run(
        services.action_resolve,
        action=action,
        by=org.ps1.user,
        what_done="Supervision recorded on the case.",
        done_on="2026-12-23",
        evidence="Supervision record of 23 December.",
        now=at(2026, 12, 23),
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.RESOLVED
    assert action.resolution == "Supervision recorded on the case."
    answer_row = ActionResponse.objects.get()  # still the one answer, replaced
    assert (answer_row.what_done, answer_row.done_on, answer_row.evidence) == (
        "Supervision recorded on the case.",
        dt.date(2026, 12, 23),
        "Supervision record of 23 December.",
    )
    event = ResponseEvent.objects.get(kind=EventKind.ACTION_RESOLVED)
    assert (event.by, event.detail["done_on"]) == (org.ps1.user, "2026-12-23")
    with pytest.raises(ValidationError, match="never its own owner"):
        services.action_agree(action=action, by=org.ps1.user)
    run(services.action_agree, action=action, by=org.tm.user)
    action.refresh_from_db()
    assert action.manager_agreed_by == org.tm.user
    with pytest.raises(ValidationError, match="already agreed"):
        services.action_agree(action=action, by=org.tm.user)


def test_a_new_team_manager_can_act_in_the_place_of_a_supervisor_who_left(org, response_for):
    response = response_for(actions=0)
    services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")
    org.ps1.left_on = dt.date(2026, 1, 1)
    org.ps1.save()
    new_tm = StaffFactory(role=Role.TEAM_MANAGER, team=org.north_a)
    with pytest.raises(ValidationError):
        services.response_authorise(response=response, by=org.ps1.user)
    services.response_authorise(response=response, by=new_tm.user)


# Who sees a response's case, of the personas asked in turn (`ROUNDS`; not the outsider,
# tm_b or the colleague).
RESPONSE_READERS = {"tm", "worker", "ps1", "director"}


def test_response_get_answers_each_person_by_their_own_scope_in_turn(org, response_for):
    """The query is compiled once per case scope (caseaudit/core/prepared.py) and kept on the
    connection: each person still gets their own scope's answer."""
    response = response_for()
    answers_in_turn(response_get, org, pk=response.pk, expected=response, visible=RESPONSE_READERS)


def test_action_get_answers_each_person_by_their_own_scope_in_turn(org, response_for):
    """Prepared as `response_get`: each person still gets their own scope's answer."""
    action = response_for(actions=1).audit.actions.get()
    answers_in_turn(action_get, org, pk=action.pk, expected=action, visible=RESPONSE_READERS)
    assert action_get(user=org.tm.user, pk=action.pk).audit.qa_response.worker == org.worker
