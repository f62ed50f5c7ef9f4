"""The closure gate: a case closes only once its Closure Record is completed and every
restorative action on it is resolved and agreed; who may close it; the page; the due list."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits import services as audit_services
from caseaudit.audits.closure import closure_pending, closure_status
from caseaudit.audits.models import ActionStatus, Audit, AuditReason, RestorativeAction
from caseaudit.audits.tests.conftest import complete_data
from caseaudit.cases.models import Case, CaseEvent, CaseEventKind
from caseaudit.cases.policy import can_close
from caseaudit.dataprotection import services
from caseaudit.factories import CaseFactory
from caseaudit.workflows import audits as workflows

# --- Helpers ------------------------------------------------------------------------------


def started(case, auditor, tool_code="closure"):
    return audit_services.audit_start(
        case=case,
        auditor=auditor,
        tool_code=tool_code,
        reason=AuditReason.CLOSURE if tool_code == "closure" else AuditReason.PERMISSIVE,
    )


def completed(case, auditor, *, tool_code="closure", actions=1) -> Audit:
    """A completed audit of `case` with `actions` open restorative actions."""
    audit = started(case, auditor, tool_code)
    data = complete_data(audit)
    data["actions"] = [
        {
            "description": f"Action {i + 1} before closure.",
            "owner_id": case.allocated_worker_id,
            "due_on": dt.date(2027, 1, 15),
        }
        for i in range(actions)
    ]
    audit_services.audit_save(audit=audit, by=auditor.user, data=data, revision=audit.revision)
    workflows.audit_complete(audit=audit, by=auditor.user)
    return audit


def resolve(audit, *, agreed=True):
    now = timezone.now()
    RestorativeAction.objects.filter(audit=audit).update(
        status=ActionStatus.RESOLVED,
        resolved_at=now,
        resolution="Done.",
        manager_agreed_at=now if agreed else None,
    )


def close(case, by, *, closed_on=None, reason="The family no longer needs a service."):
    return services.case_close(
        case=case,
        by=by.user,
        closed_on=closed_on or timezone.localdate(),
        reason=reason,
    )


def refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def still_open(case):
    case.refresh_from_db()
    return case.closed_on is None and not CaseEvent.objects.filter(case=case).exists()


# --- The service: the gate ----------------------------------------------------------------


def test_closing_without_a_closure_audit_is_refused_with_the_reason(org):
    with pytest.raises(ValidationError) as caught:
        close(org.case, org.tm)
    assert caught.value.error_list[0].code == "not_ready"
    assert "No Closure Record (closure audit) has been completed" in refusal(caught.value)
    assert still_open(org.case)


def test_a_completed_generic_audit_is_not_a_closure_audit(org):
    resolve(completed(org.case, org.csm_north, tool_code="generic"))
    with pytest.raises(ValidationError, match="No Closure Record"):
        close(org.case, org.tm)
    assert still_open(org.case)


def test_closing_with_a_draft_closure_audit_is_refused(org):
    started(org.case, org.ps1)
    with pytest.raises(ValidationError) as caught:
        close(org.case, org.tm)
    assert "still a draft" in refusal(caught.value)
    assert still_open(org.case)


def test_a_completed_closure_audit_with_an_open_action_is_refused(org):
    completed(org.case, org.ps1, actions=1)
    with pytest.raises(ValidationError) as caught:
        close(org.case, org.tm)
    message = refusal(caught.value)
    assert "1 restorative action on this case is not resolved" in message
    assert "Closure Record" not in message  # that part is done
    assert still_open(org.case)


def test_an_action_resolved_but_not_agreed_by_a_manager_still_blocks(org):
    audit = completed(org.case, org.ps1, actions=2)
    resolve(audit, agreed=False)
    with pytest.raises(ValidationError, match="2 restorative actions on this case are not"):
        close(org.case, org.tm)
    assert still_open(org.case)


def test_an_open_action_from_another_completed_audit_blocks(org):
    resolve(completed(org.case, org.ps1))
    completed(org.case, org.csm_north, tool_code="generic", actions=1)  # its action is open
    with pytest.raises(ValidationError, match="1 restorative action"):
        close(org.case, org.tm)
    assert still_open(org.case)


def test_actions_of_a_draft_audit_do_not_block(org, org_case_ready):
    draft = started(org.case, org.csm_north, tool_code="generic")
    data = {
        "actions": [
            {
                "description": "Only a draft.",
                "owner_id": org.worker.pk,
                "due_on": dt.date(2027, 1, 1),
            }
        ]
    }
    audit_services.audit_save(audit=draft, by=org.csm_north.user, data=data, revision=1)
    assert RestorativeAction.objects.filter(audit=draft).exists()
    close(org.case, org.tm)
    org.case.refresh_from_db()
    assert org.case.closed_on == timezone.localdate()


@pytest.fixture
def org_case_ready(org):
    """The worker's case with a completed Closure Record (by their Practice Supervisor) whose
    action is resolved and agreed."""
    audit = completed(org.case, org.ps1, actions=1)
    resolve(audit)
    return audit


def test_all_resolved_closes_the_case_and_writes_the_history(org, org_case_ready):
    day = timezone.localdate()
    result = close(org.case, org.tm, closed_on=day, reason="  Step down to early help.  ")
    org.case.refresh_from_db()
    assert org.case.closed_on == day == result.closed_on
    event = CaseEvent.objects.get(case=org.case)
    assert (event.kind, event.by) == (CaseEventKind.CLOSED, org.tm.user)
    assert event.detail == {
        "closed_on": day.isoformat(),
        "reason": "Step down to early help.",
        "closure_audit": org_case_ready.pk,
    }
    assert abs(event.at - timezone.now()) < dt.timedelta(minutes=1)


def test_a_closure_audit_without_actions_is_enough(org):
    completed(org.case, org.ps1, actions=0)
    close(org.case, org.csm_north)
    org.case.refresh_from_db()
    assert org.case.closed_on is not None


def test_a_closed_case_cannot_close_again(org, org_case_ready):
    close(org.case, org.tm)
    with pytest.raises(ValidationError) as caught:
        close(org.case, org.tm)
    assert caught.value.code == "conflict"  # TransitionConflict
    assert CaseEvent.objects.filter(case=org.case).count() == 1


@pytest.mark.parametrize(
    ("closed_on", "reason", "field", "message"),
    [
        (None, "Why", "closed_on", "Enter the date the case closed"),
        (dt.timedelta(days=1), "Why", "closed_on", "cannot be in the future"),
        (dt.timedelta(days=-1), "Why", "closed_on", "on or after"),  # before the closure audit
        (dt.timedelta(0), "   ", "reason", "Enter why the case is closing"),
    ],
)
def test_date_and_reason_are_checked(org, org_case_ready, closed_on, reason, field, message):
    day = None if closed_on is None else timezone.localdate() + closed_on
    with pytest.raises(ValidationError) as caught:
        services.case_close(case=org.case, by=org.tm.user, closed_on=day, reason=reason)
    assert message in " ".join(caught.value.message_dict[field])
    assert still_open(org.case)


def test_the_closure_date_cannot_precede_the_opening(org, org_case_ready):
    Audit.objects.filter(pk=org_case_ready.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=3650)
    )
    with pytest.raises(ValidationError) as caught:
        close(org.case, org.tm, closed_on=org.case.opened_on - dt.timedelta(days=1))
    assert "on or after the day the case opened" in caught.value.message_dict["closed_on"][0]


# --- The service: who may close -----------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("tm", True),  # the case's Team Manager
        ("csm_north", True),  # the service's CSM
        ("director", True),
        ("worker", False),  # the case's own worker
        ("ps1", False),  # the worker's Practice Supervisor
        ("colleague", False),
        ("tm_b", False),  # a Team Manager of another team
        ("outsider", False),
        ("performance", False),
    ],
)
def test_the_service_refuses_a_user_who_may_not_close(org, org_case_ready, persona, allowed):
    staff = getattr(org, persona)
    assert can_close(staff.user, org.case) is allowed
    if allowed:
        close(org.case, staff)
        assert not still_open(org.case)
    else:
        with pytest.raises(ValidationError) as caught:
            close(org.case, staff)
        assert caught.value.code == "not_allowed"
        assert "Team Manager" in refusal(caught.value)
        assert still_open(org.case)


def test_a_manager_who_has_left_may_not_close(org, org_case_ready):
    org.tm.left_on = timezone.localdate()
    org.tm.save()
    with pytest.raises(ValidationError, match="Only the case's Team Manager"):
        close(org.case, org.tm)


# --- The selector -------------------------------------------------------------------------


def test_closure_status_names_the_latest_completed_closure_audit_and_open_actions(org):
    assert closure_status(case=org.case).problems == [
        "No Closure Record (closure audit) has been completed for this case."
    ]
    audit = completed(org.case, org.ps1, actions=2)
    status = closure_status(case=org.case)
    assert status.closure_audit == audit
    assert [a.description for a in status.open_actions] == [
        "Action 1 before closure.",
        "Action 2 before closure.",
    ]
    assert not status.ready
    resolve(audit)
    assert closure_status(case=org.case).ready


# --- The page -----------------------------------------------------------------------------


def url(case):
    return reverse("case_close", args=[case.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("worker", 403),  # sees the case, may not close it
        ("ps1", 403),
        ("colleague", 404),  # cannot see the case
        ("tm", 200),
        ("csm_north", 200),
        ("director", 200),
        ("performance", 403),
        ("tm_b", 404),
        ("outsider", 404),
    ],
)
def test_close_page_by_persona(org, login, persona, status):
    response = login(getattr(org, persona)).get(url(org.case))
    assert response.status_code == status
    if status == 404:
        assert org.case.reference not in response.content.decode()
    if status == 403:
        assert "Only the case&#x27;s Team Manager" in response.content.decode()


@pytest.mark.parametrize("persona", ["worker", "ps1", "performance"])
def test_those_who_may_not_close_cannot_post_either(org, login, org_case_ready, persona):
    response = login(getattr(org, persona)).post(
        url(org.case), {"closed_on": timezone.localdate().isoformat(), "reason": "No"}
    )
    assert response.status_code == 403
    assert still_open(org.case)


def test_anonymous_is_sent_to_sign_in(client, org):
    response = client.get(url(org.case))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_page_without_a_closure_audit_offers_to_start_one(org, login):
    client = login(org.tm)
    body = client.get(url(org.case)).content.decode()
    assert "This case cannot close yet" in body
    assert "No Closure Record (closure audit) has been completed" in body
    assert 'id="start-closure-audit"' in body
    assert 'name="closed_on"' not in body  # no form until the gate is open
    # The button starts a closure audit of the case.
    response = client.post(
        reverse("audit_start", args=[org.case.pk]), {"tool": "closure", "reason": "closure"}
    )
    audit = Audit.objects.get(case=org.case)
    assert response.status_code == 302
    assert (audit.tool_version.tool.code, audit.reason, audit.auditor) == (
        "closure",
        "closure",
        org.tm,
    )
    body = client.get(url(org.case)).content.decode()
    assert "still a draft" in body
    assert reverse("audit_edit", args=[audit.pk]) in body  # continue your draft
    assert 'id="start-closure-audit"' not in body


def test_page_with_someone_elses_draft_links_to_it_and_offers_no_second_one(org, login):
    draft = started(org.case, org.ps1)
    body = login(org.tm).get(url(org.case)).content.decode()
    assert "still a draft" in body
    assert reverse("audit_detail", args=[draft.pk]) in body
    assert reverse("audit_edit", args=[draft.pk]) not in body  # not the TM's to edit
    assert 'id="start-closure-audit"' not in body


def test_page_lists_the_open_actions(org, login):
    completed(org.case, org.ps1, actions=2)
    audit = completed(org.case, org.csm_north, tool_code="generic", actions=1)
    resolve(audit, agreed=False)
    body = login(org.tm).get(url(org.case)).content.decode()
    assert "3 restorative actions on this case are not resolved" in body
    assert "Action 1 before closure." in body
    assert "Action 2 before closure." in body
    assert "Awaiting agreement" in body
    assert 'id="start-closure-audit"' not in body  # the Closure Record is done


def test_page_closes_a_ready_case(org, login, org_case_ready):
    client = login(org.tm)
    body = client.get(url(org.case)).content.decode()
    assert 'name="closed_on"' in body
    assert f'value="{timezone.localdate().isoformat()}"' in body  # today by default
    response = client.post(
        url(org.case),
        {"closed_on": timezone.localdate().isoformat(), "reason": "Outcomes achieved."},
    )
    assert response.status_code == 302
    assert response.url == reverse("case_detail", args=[org.case.pk])
    org.case.refresh_from_db()
    assert org.case.closed_on == timezone.localdate()
    assert CaseEvent.objects.get(case=org.case).by == org.tm.user
    page = client.get(response.url).content.decode()
    assert f"by {org.tm.name}: Outcomes achieved." in page
    assert 'id="close-case"' not in page  # closed: no button
    again = client.get(url(org.case)).content.decode()
    assert "This case was closed on" in again


def test_page_shows_the_form_errors(org, login, org_case_ready):
    response = login(org.tm).post(url(org.case), {"closed_on": "", "reason": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter the date the case closed" in body
    assert "Enter why the case is closing" in body
    assert still_open(org.case)


def test_posting_to_a_case_not_ready_changes_nothing(org, login):
    response = login(org.tm).post(
        url(org.case), {"closed_on": timezone.localdate().isoformat(), "reason": "Done"}
    )
    assert response.status_code == 200
    assert "cannot close yet" in response.content.decode()
    assert still_open(org.case)


def test_the_close_page_is_logged(org, login):
    login(org.tm).get(url(org.case))
    event = AccessEvent.objects.get(case_id=org.case.pk)
    assert (event.user, event.path) == (org.tm.user, url(org.case))


@pytest.mark.parametrize(("persona", "shown"), [("tm", True), ("worker", False), ("ps1", False)])
def test_case_page_offers_close_case_to_those_who_may(org, login, persona, shown):
    body = login(getattr(org, persona)).get(reverse("case_detail", args=[org.case.pk]))
    assert ('id="close-case"' in body.content.decode()) is shown


@pytest.mark.parametrize("actions", [1, 6])
def test_close_page_query_count_does_not_grow(org, login, django_assert_num_queries, actions):
    completed(org.case, org.ps1, actions=actions)
    completed(org.case, org.csm_north, tool_code="generic", actions=actions)
    client = login(org.tm)
    # Session, the user with their staff record, the case, the access log, the closure
    # audits, the open actions, the notification count.
    with django_assert_num_queries(7):
        response = client.get(url(org.case))
    assert response.status_code == 200
    assert response.content.decode().count("before closure.") == 2 * actions


# --- Closure audits pending (the programme's due page) -------------------------------------


@pytest.fixture
def pending(org):
    """Three of the worker's team's cases: a draft Closure Record, a completed one with an
    open action, and one ready to close (not pending)."""
    draft_case = CaseFactory(team=org.north_a, allocated_worker=org.worker)
    started(draft_case, org.ps1)
    open_case = CaseFactory(team=org.north_a, allocated_worker=org.worker)
    completed(open_case, org.ps1, actions=2)
    ready_case = CaseFactory(team=org.north_a, allocated_worker=org.worker)
    resolve(completed(ready_case, org.ps1))
    return draft_case, open_case, ready_case


def test_closure_pending_lists_drafts_and_unresolved_actions(org, pending):
    draft_case, open_case, ready_case = pending
    rows = {c.pk: c for c in closure_pending(user=org.tm.user)}
    assert set(rows) == {draft_case.pk, open_case.pk}
    assert rows[draft_case.pk].closure_audit_status == "draft"
    assert rows[open_case.pk].closure_audit_status == "completed"
    assert rows[open_case.pk].unresolved_actions == 2
    assert rows[draft_case.pk].unresolved_actions == 0


def test_closure_pending_leaves_out_closed_cases_and_is_scoped(org, pending):
    draft_case, open_case, _ = pending
    Case.objects.filter(pk=draft_case.pk).update(closed_on=timezone.localdate())
    assert [c.pk for c in closure_pending(user=org.tm.user)] == [open_case.pk]
    assert list(closure_pending(user=org.outsider.user)) == []
    assert list(closure_pending(user=org.tm_b.user)) == []
    assert list(closure_pending(user=org.tm.user, team_id=org.north_b.pk)) == []


def test_due_page_shows_closure_audits_pending(org, login, pending):
    draft_case, open_case, ready_case = pending
    body = login(org.tm).get(reverse("due_list")).content.decode()
    table = body[body.index('id="closure-pending"') :]
    assert "Closure audits pending" in body
    assert draft_case.reference in table
    assert open_case.reference in table
    assert ready_case.reference not in table
    assert "Draft since" in table
    body = login(org.outsider).get(reverse("due_list")).content.decode()
    assert draft_case.reference not in body
    assert "No closure audits are pending" in body


def test_due_page_query_count_does_not_grow_with_pending_closures(org, login, pending):
    client = login(org.tm)
    before = _due_queries(client)
    for _ in range(3):
        case = CaseFactory(team=org.north_a, allocated_worker=org.colleague)
        completed(case, org.ps2, actions=2)
    assert closure_pending(user=org.tm.user).count() == 5
    assert _due_queries(client) == before


def _due_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("due_list")).status_code == 200
    return len(queries.captured_queries)


def test_the_gate_opens_through_the_qa_response_workflow(org, django_capture_on_commit_callbacks):
    """The actions are resolved as the app resolves them: the worker's QA response answers
    each (resolving it) and a manager authorises the response (agreeing them); then, and only
    then, the case closes."""
    from caseaudit.responses import services as responses
    from caseaudit.responses.models import QAResponse

    with django_capture_on_commit_callbacks(execute=True):
        audit = completed(org.case, org.ps1, actions=1)
    action = RestorativeAction.objects.get(audit=audit)
    response = QAResponse.objects.get(audit=audit)
    answer = {"what_done": "Chronology updated.", "done_on": timezone.localdate()}
    responses.response_submit(
        response=response, by=org.worker.user, action_answers={action.pk: answer}
    )
    with pytest.raises(ValidationError, match="1 restorative action"):
        close(org.case, org.tm)
    responses.response_authorise(response=response, by=org.tm.user)
    close(org.case, org.tm)
    assert not still_open(org.case)
