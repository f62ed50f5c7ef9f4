"""The pages: who sees what (personas), the forms posted as a browser would, and query counts
that do not grow with the number of actions or responses."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits.models import ActionStatus
from caseaudit.factories import CaseFactory
from caseaudit.responses import services
from caseaudit.responses.models import (
    ActionResponse,
    EventKind,
    QAResponse,
    ResponseDraft,
    ResponseEvent,
    ResponseStatus,
)
from caseaudit.responses.services import action_field

from .conftest import answers_for, at, today_is

ALL = [
    "worker",
    "colleague",
    "ps1",
    "ps2",
    "tm",
    "tm_b",
    "csm_north",
    "outsider",
    "tm_south",
    "performance",
    "director",
    "iro",
    "cp_chair",
    "business_support",
]
# Who may see the response to an audit of the worker's case (in the North A team).
SEES_THE_RESPONSE = {
    "worker",
    "ps1",
    "tm",
    "csm_north",
    "performance",
    "director",
    "business_support",
}
# Who has the Team Manager's page.
HAS_THE_TEAM_PAGE = {
    "ps1",
    "ps2",
    "tm",
    "tm_b",
    "csm_north",
    "tm_south",
    "performance",
    "director",
    "business_support",
}


def submit_data(
    response, text="Chronology updated.", done_on="2026-11-02", evidence="Case note."
) -> dict:
    """The worker's form as a browser posts it: one answer per action."""
    data = {}
    for action in response.audit.actions.all():
        data[action_field(action.pk, "what_done")] = f"{text} ({action.pk})"
        data[action_field(action.pk, "done_on")] = done_on
        data[action_field(action.pk, "evidence")] = evidence
    return data


# --- Personas -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ALL)
def test_the_response_page_is_for_those_who_see_the_case(org, login, response_for, who):
    response = response_for()
    page = login(getattr(org, who)).get(reverse("response_detail", args=[response.pk]))
    assert page.status_code == (200 if who in SEES_THE_RESPONSE else 404)


def test_signing_in_is_required(org, client, response_for):
    response = response_for()
    for url in (
        reverse("response_detail", args=[response.pk]),
        reverse("response_list"),
        reverse("response_team"),
    ):
        page = client.get(url)
        assert page.status_code == 302
        assert page.url.startswith(reverse("account_login"))


def test_a_worker_whose_case_was_reallocated_can_still_finish_the_response(
    org, login, response_for
):
    response = response_for()
    org.case.allocated_worker = org.colleague
    org.case.save()
    client = login(org.worker)
    assert client.get(reverse("response_detail", args=[response.pk])).status_code == 200
    services.response_submit(
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    services.response_authorise(response=response, by=org.ps1.user)
    # Once authorised, the case is theirs to see no longer.
    assert client.get(reverse("response_detail", args=[response.pk])).status_code == 404


def test_viewing_a_response_is_written_to_the_access_log(org, login, response_for):
    response = response_for()
    login(org.tm).get(reverse("response_detail", args=[response.pk]))
    event = AccessEvent.objects.get(object_type="qa_response")
    assert (event.user, event.object_id, event.case_id) == (
        org.tm.user,
        str(response.pk),
        org.case.pk,
    )


@pytest.mark.parametrize("who", ALL)
def test_my_responses_page_opens_for_everyone(org, login, who):
    assert login(getattr(org, who)).get(reverse("response_list")).status_code == 200


@pytest.mark.parametrize("who", ALL)
def test_the_team_page_is_for_managers(org, login, response_for, who):
    response_for()
    page = login(getattr(org, who)).get(reverse("response_team"))
    assert page.status_code == (200 if who in HAS_THE_TEAM_PAGE else 404)
    if page.status_code == 200:
        listed = org.case.reference in page.content.decode()
        assert listed == (who in SEES_THE_RESPONSE | {"ps1"})


# --- The worker's form ----------------------------------------------------------------------


def test_the_worker_sees_one_answer_block_per_action_and_submits_it(org, login, response_for):
    response = response_for(actions=2)
    first, second = response.audit.actions.order_by("order", "id")
    client = login(org.worker)
    url = reverse("response_detail", args=[response.pk])
    body = client.get(url).content.decode()
    # One block per action, each with exactly one "what was done", "date done" and evidence.
    for action in (first, second):
        block = body[body.index(f'id="action-{action.pk}"') :]
        block = block[: block.index("</fieldset>")]
        for name in ("what_done", "done_on", "evidence"):
            assert block.count(f'name="{action_field(action.pk, name)}"') == 1
    assert body.count("What was done for action") == 2
    assert body.count('type="date"') == 2
    assert "planned" not in body.lower() and "by when" not in body.lower()
    # Not asked twice: no second "what was done" form under the actions while it is with me.
    assert "resolve-" not in body and "Mark action" not in body
    assert "Update the chronology (2)." in body
    assert "Submit response" in body and "Save draft" in body
    page = client.post(url, submit_data(response) | {"intent": "submit"})
    assert page.status_code == 302
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    answer_row = response.answers.get(action=first)
    assert (answer_row.done_on, answer_row.evidence) == (dt.date(2026, 11, 2), "Case note.")
    first.refresh_from_db()
    assert (first.status, first.resolution) == (
        ActionStatus.RESOLVED,
        f"Chronology updated. ({first.pk})",
    )
    body = client.get(url).content.decode()
    assert "Submit response" not in body
    answers = body[body.index('id="actions"') : body.index('id="history"')]
    assert f"Chronology updated. ({first.pk})" in answers
    assert "2 November 2026" in answers and "Case note." in answers
    # The answer is shown once per action: not again as a separate resolution note.
    assert answers.count(f"Chronology updated. ({first.pk})") == 1


def test_an_unanswered_action_is_shown_as_an_error(org, login, response_for):
    response = response_for(actions=2)
    data = submit_data(response)
    second = response.audit.actions.order_by("order", "id").last()
    data[action_field(second.pk, "what_done")] = ""
    page = login(org.worker).post(reverse("response_detail", args=[response.pk]), data)
    assert page.status_code == 200
    body = page.content.decode()
    assert "There is a problem" in body
    assert f'href="#id_{action_field(second.pk, "what_done")}"' in body
    assert "Enter what was done for action 2" in body
    assert QAResponse.objects.get().status == ResponseStatus.AWAITING_WORKER


def test_a_date_done_in_the_future_is_an_error_naming_the_action_and_field(
    org, login, response_for
):
    response = response_for(actions=2)
    second = response.audit.actions.order_by("order", "id").last()
    data = submit_data(response)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data[action_field(second.pk, "done_on")] = tomorrow.isoformat()
    page = login(org.worker).post(reverse("response_detail", args=[response.pk]), data)
    assert page.status_code == 200
    body = page.content.decode()
    start = body.index('class="govuk-error-summary"')
    summary = body[start : body.index("</ul>", start)]
    assert f'href="#id_{action_field(second.pk, "done_on")}"' in summary
    assert "Date done for action 2 must be today or in the past" in summary
    # The form keeps everything typed, the future date included; nothing is submitted.
    assert f'value="{tomorrow.isoformat()}"' in body
    assert "Chronology updated." in body
    assert QAResponse.objects.get().status == ResponseStatus.AWAITING_WORKER
    assert not ActionResponse.objects.exists()


def test_without_actions_the_acknowledgement_is_prefilled(org, login, response_for):
    response = response_for(actions=0, at=at(2026, 12, 22))
    client = login(org.worker)
    url = reverse("response_detail", args=[response.pk])
    assert 'value="QA (22/12/2026) received"' in client.get(url).content.decode()
    assert client.post(url, {"acknowledgement": "QA (22/12/2026) received"}).status_code == 302
    assert QAResponse.objects.get().status == ResponseStatus.SUBMITTED


@pytest.mark.parametrize("who,status", [("ps1", 403), ("tm", 403), ("colleague", 404)])
def test_only_the_worker_may_post_the_response(org, login, response_for, who, status):
    response = response_for(actions=0)
    page = login(getattr(org, who)).post(
        reverse("response_detail", args=[response.pk]), {"acknowledgement": "QA received"}
    )
    assert page.status_code == status
    assert QAResponse.objects.get().status == ResponseStatus.AWAITING_WORKER


# --- Return and authorise ----------------------------------------------------------------


def test_the_ps_returns_with_a_reason_then_authorises(org, login, response_for):
    response = response_for(actions=1)
    login(org.worker).post(reverse("response_detail", args=[response.pk]), submit_data(response))
    client = login(org.ps1)
    body = client.get(reverse("response_detail", args=[response.pk])).content.decode()
    assert "Authorise response" in body and f"Return to {escape(org.worker.name)}" in body
    page = client.post(reverse("response_return", args=[response.pk]), {"reason": ""})
    assert page.status_code == 200
    assert "Enter why you are returning the response" in page.content.decode()
    page = client.post(reverse("response_return", args=[response.pk]), {"reason": "Say when."})
    assert page.status_code == 302
    body = login(org.worker).get(reverse("response_detail", args=[response.pk])).content.decode()
    assert "Say when." in body and "Submit response" in body
    # The form comes back filled in: each answer, its date and its evidence, to change.
    action = response.audit.actions.get()
    assert f"Chronology updated. ({action.pk})</textarea>" in body
    assert 'value="2026-11-02"' in body and "Case note.</textarea>" in body
    login(org.worker).post(
        reverse("response_detail", args=[response.pk]), submit_data(response, "Updated.")
    )
    assert ActionResponse.objects.get().what_done == f"Updated. ({action.pk})"
    page = login(org.ps1).post(reverse("response_authorise", args=[response.pk]))
    assert page.status_code == 302
    response.refresh_from_db()
    assert response.status == ResponseStatus.AUTHORISED
    body = login(org.ps1).get(reverse("response_detail", args=[response.pk])).content.decode()
    history = body[body.index('id="response-history"') :]
    for text in (
        f"Submitted by {escape(org.worker.name)}",
        f"Returned by {escape(org.ps1.name)}",
        "Say when.",
        f"Submitted by {escape(org.worker.name)} again",
        f"Authorised by {escape(org.ps1.name)}",
    ):
        assert text in history


@pytest.mark.parametrize("who,status", [("worker", 403), ("ps2", 404), ("tm_b", 404)])
def test_others_cannot_return_or_authorise(org, login, response_for, who, status):
    response = response_for(actions=0)
    services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")
    client = login(getattr(org, who))
    assert client.post(reverse("response_authorise", args=[response.pk])).status_code == status
    page = client.post(reverse("response_return", args=[response.pk]), {"reason": "No"})
    assert page.status_code == status
    assert QAResponse.objects.get().status == ResponseStatus.SUBMITTED


def test_authorising_twice_says_why_not(org, login, response_for):
    response = response_for(actions=0)
    services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")
    client = login(org.ps1)
    client.post(reverse("response_authorise", args=[response.pk]))
    page = client.post(reverse("response_authorise", args=[response.pk]), follow=True)
    assert "only a submitted response can be authorised" in page.content.decode()
    assert ResponseEvent.objects.filter(kind=EventKind.AUTHORISED).count() == 1


# --- Actions ------------------------------------------------------------------------------


@pytest.fixture
def reopened(org, response_for):
    """An authorised response whose one action its supervisor (ps1) owns, reopened by the
    Team Manager: its owner answers it again on its own."""
    response = response_for(actions=[("Record the supervision.", org.ps1, dt.date(2027, 1, 15))])
    services.response_submit(
        response=response, by=org.worker.user, action_answers=answers_for(response, "Recorded.")
    )
    services.response_authorise(response=response, by=org.ps1.user)
    action = response.audit.actions.get()
    services.action_reopen(action=action, by=org.tm.user, reason="Not on the record.")
    return response


def answer_post(action, what_done="Supervision recorded.", done_on="2026-11-02", evidence=""):
    prefix = f"resolve-{action.pk}"
    return {
        f"{prefix}-what_done": what_done,
        f"{prefix}-done_on": done_on,
        f"{prefix}-evidence": evidence,
    }


# Who may answer an action on its own (its owner, ps1 here): those who see the case get
# 403, those who do not 404.
ANSWERS_THE_ACTION = {
    "ps1": 302,
    "worker": 403,
    "colleague": 404,
    "tm": 403,
    "outsider": 404,
}


@pytest.mark.parametrize("who,status", ANSWERS_THE_ACTION.items())
def test_answering_a_reopened_action_personas(org, login, reopened, who, status):
    action = reopened.audit.actions.get()
    page = login(getattr(org, who)).post(
        reverse("action_resolve", args=[action.pk]), answer_post(action)
    )
    assert page.status_code == status
    action.refresh_from_db()
    assert (action.status == ActionStatus.RESOLVED) is (status == 302)


def test_the_owner_answers_a_reopened_action_again_and_the_tm_agrees(org, login, reopened):
    action = reopened.audit.actions.get()
    client = login(org.ps1)
    body = client.get(reverse("response_detail", args=[reopened.pk])).content.decode()
    # The one answer, prefilled to change; not a second "what was done".
    assert "Change your answer to action 1" in body
    assert "Reopened because" in body and "Not on the record." in body
    assert f"Recorded. ({action.pk})</textarea>" in body
    url = reverse("action_resolve", args=[action.pk])
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page = client.post(url, answer_post(action, what_done="", done_on=future))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Enter what was done for action 1" in body
    assert "Date done for action 1 must be today or in the past" in body
    page = client.post(url, answer_post(action, evidence="Supervision record."))
    assert page.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.resolution) == (ActionStatus.RESOLVED, "Supervision recorded.")
    assert ActionResponse.objects.get().evidence == "Supervision record."
    client = login(org.tm)
    body = client.get(reverse("response_detail", args=[reopened.pk])).content.decode()
    assert "Agree action 1 is resolved" in body
    assert client.post(reverse("action_agree", args=[action.pk])).status_code == 302
    action.refresh_from_db()
    assert action.manager_agreed_by == org.tm.user


def test_the_supervisor_cannot_agree_their_own_action_but_the_tm_reopens_it(
    org, login, response_for
):
    response = response_for(actions=[("Record the supervision.", org.ps1, dt.date(2027, 1, 15))])
    services.response_submit(
        response=response, by=org.worker.user, action_answers=answers_for(response)
    )
    services.response_authorise(response=response, by=org.ps1.user)
    action = response.audit.actions.get()
    url = reverse("action_reopen", args=[action.pk])
    assert login(org.worker).post(url, {f"reopen-{action.pk}-reason": "x"}).status_code == 403
    assert login(org.ps1).post(url, {f"reopen-{action.pk}-reason": "x"}).status_code == 403
    page = login(org.tm).post(url, {f"reopen-{action.pk}-reason": ""})
    assert "Enter why the action is not resolved yet" in page.content.decode()
    page = login(org.tm).post(url, {f"reopen-{action.pk}-reason": "Not recorded."})
    assert page.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_while_submitted_the_actions_are_agreed_by_authorising(org, login, response_for):
    response = response_for(actions=1)
    services.response_submit(
        response=response, by=org.worker.user, action_answers=answers_for(response)
    )
    body = login(org.ps1).get(reverse("response_detail", args=[response.pk])).content.decode()
    assert "Authorise response" in body
    assert "Agree action 1" not in body and "Reopen action 1" not in body
    body = login(org.worker).get(reverse("response_detail", args=[response.pk])).content.decode()
    assert "Mark action 1 resolved" not in body


def test_an_action_out_of_scope_is_a_404(org, login, response_for):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    page = login(org.outsider).post(
        reverse("action_resolve", args=[action.pk]), answer_post(action)
    )
    assert page.status_code == 404


# --- The draft: "Save draft" (the autosave is tested in test_drafts) -----------------------

# Who may save the draft with the button: the worker; those who see the case get 403, those
# who do not 404.
SAVES_THE_DRAFT = {"worker": 302, "colleague": 404, "ps1": 403, "outsider": 404}


def draft_post(response, revision=0, **kwargs) -> dict:
    return submit_data(response, **kwargs) | {"intent": "save", "draft_revision": str(revision)}


@pytest.mark.parametrize("who,status", SAVES_THE_DRAFT.items())
def test_save_draft_personas(org, login, response_for, who, status):
    response = response_for(actions=1)
    page = login(getattr(org, who)).post(
        reverse("response_detail", args=[response.pk]), draft_post(response)
    )
    assert page.status_code == status
    assert ResponseDraft.objects.exists() is (status == 302)
    assert QAResponse.objects.get().status == ResponseStatus.AWAITING_WORKER


def test_save_draft_keeps_the_answers_unchecked_and_restores_them(org, login, response_for):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    client = login(org.worker)
    url = reverse("response_detail", args=[response.pk])
    future = "2031-05-06"  # a draft is not checked: only submitting is
    page = client.post(url, draft_post(response, text="Half done", done_on=future))
    assert page.status_code == 302 and page.url.endswith("#your-response")
    response.refresh_from_db()
    assert response.status == ResponseStatus.AWAITING_WORKER
    assert not ActionResponse.objects.exists()
    values = ResponseDraft.objects.get().values
    assert values == {
        action_field(action.pk, "what_done"): f"Half done ({action.pk})",
        action_field(action.pk, "done_on"): future,
        action_field(action.pk, "evidence"): "Case note.",
    }
    body = client.get(url).content.decode()
    assert "Draft saved at" in body  # the message
    assert f"Half done ({action.pk})</textarea>" in body
    assert f'value="{future}"' in body and "Case note.</textarea>" in body
    assert 'name="draft_revision" value="1"' in body
    # Submitting checks it: the future date is refused, then the answer goes in.
    page = client.post(url, submit_data(response, done_on=future))
    assert "Date done for action 1 must be today or in the past" in page.content.decode()
    assert client.post(url, submit_data(response)).status_code == 302
    assert not ResponseDraft.objects.exists()


def test_save_draft_from_a_stale_page_is_a_conflict_that_keeps_the_text(org, login, response_for):
    response = response_for(actions=1)
    client = login(org.worker)
    url = reverse("response_detail", args=[response.pk])
    assert client.post(url, draft_post(response, text="Window one")).status_code == 302
    page = client.post(url, draft_post(response, revision=0, text="Window two"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "You saved this response in another window at" in body
    assert "Window two (" in body  # what was typed here is still in the form
    values = ResponseDraft.objects.get().values
    assert any(v.startswith("Window one") for v in values.values())


# --- Lists ----------------------------------------------------------------------------------


def test_my_responses_lists_what_waits_for_me(org, login, response_for):
    response = response_for(actions=1)
    body = login(org.worker).get(reverse("response_list")).content.decode()
    assert org.case.reference in body[body.index('id="to-write"') :]
    assert 'id="to-authorise"' not in body
    services.response_submit(
        response=response, by=org.worker.user, action_answers=answers_for(response)
    )
    for who in ("ps1", "tm"):
        body = login(getattr(org, who)).get(reverse("response_list")).content.decode()
        assert org.case.reference in body[body.index('id="to-authorise"') :]
    body = login(org.ps2).get(reverse("response_list")).content.decode()
    assert 'id="to-authorise"' not in body
    body = login(org.worker).get(reverse("response_list")).content.decode()
    assert "No QA responses are waiting for you" in body
    # Answered in the response: resolved, so no longer among my open actions.
    assert "You have no open restorative actions" in body
    # A submitted response's actions are agreed by authorising it, not one by one.
    body = login(org.ps1).get(reverse("response_list")).content.decode()
    assert 'id="to-agree"' not in body


def test_the_team_page_highlights_overdue_responses_and_counts_them(org, login, response_for):
    response_for(actions=1, at=at(2026, 12, 22))  # due 31 December
    response_for(actions=0, case=org.colleague_case, at=at(2027, 1, 4))  # due 11 January
    response_for(actions=0, case=org.case_b, auditor=org.csm_north, at=at(2026, 12, 1))
    with today_is(dt.date(2027, 1, 6)):
        page = login(org.tm).get(reverse("response_team"))
    overview = page.context["overview"]
    assert overview.counts["outstanding"] == 2  # North A only, not North B's
    assert overview.counts["overdue"] == 1
    assert overview.counts["open_actions"] == 1
    rows = {r.response.case: r for r in overview.responses}
    assert rows[org.case].overdue_days == 3  # 4, 5 and 6 January
    assert not rows[org.colleague_case].is_overdue
    assert "3 working days overdue" in page.content.decode()
    with today_is(dt.date(2027, 1, 6)):
        page = login(org.csm_north).get(reverse("response_team"))
    assert page.context["overview"].counts["outstanding"] == 3
    with today_is(dt.date(2027, 1, 6)):
        page = login(org.csm_north).get(reverse("response_team"), {"team": org.north_b.pk})
    assert [r.response.case for r in page.context["overview"].responses] == [org.case_b]


def test_the_home_page_shows_responses_due_and_to_authorise(org, login, response_for):
    # The panels' own ids: the reports dashboard on the home page has similar headings.
    response = response_for(actions=0)
    body = login(org.worker).get(reverse("home")).content.decode()
    panel = body[body.index('id="responses-due"') :]
    assert f'href="/responses/{response.pk}/"' in panel
    assert 'id="responses-to-authorise"' not in login(org.ps1).get(reverse("home")).content.decode()
    services.response_submit(response=response, by=org.worker.user, acknowledgement="QA")
    body = login(org.ps1).get(reverse("home")).content.decode()
    assert f'href="/responses/{response.pk}/"' in body[body.index('id="responses-to-authorise"') :]
    assert 'id="responses-due"' not in login(org.worker).get(reverse("home")).content.decode()


def test_the_audit_page_links_to_its_response(org, login, response_for):
    response = response_for()
    client = login(org.tm)
    body = client.get(reverse("audit_detail", args=[response.audit_id])).content.decode()
    link = reverse("response_for_audit", args=[response.audit_id])
    assert f'href="{link}"' in body
    assert client.get(link).url == reverse("response_detail", args=[response.pk])
    assert login(org.outsider).get(link).status_code == 404


def test_the_header_links_to_responses(org, login):
    body = login(org.worker).get(reverse("home")).content.decode()
    assert 'href="/responses/"' in body


# --- Query counts ---------------------------------------------------------------------------

DETAIL_QUERIES = 10  # + the family's feedback and the practitioner's reflection
WORKER_FORM_QUERIES = 12  # with the draft and its revision; feedback and reflection
LIST_QUERIES = 7  # with the access-log entry for the page
TEAM_QUERIES = 9  # with the access-log entry for the page


def responses_for(org, response_for, n):
    made = [response_for(actions=n)]
    for _ in range(n - 1):
        case = CaseFactory(team=org.north_a, allocated_worker=org.worker)
        made.append(response_for(actions=n, case=case))
    return made


@pytest.mark.parametrize("actions", [1, 6])
def test_response_page_query_count_does_not_grow(
    org, login, response_for, django_assert_num_queries, actions
):
    response = response_for(actions=actions)
    submitted = services.response_submit(
        response=response, by=org.worker.user, action_answers=answers_for(response)
    )
    client = login(org.ps1)
    with django_assert_num_queries(DETAIL_QUERIES):
        page = client.get(reverse("response_detail", args=[submitted.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("What was done") == actions


@pytest.mark.parametrize("actions", [1, 6])
def test_the_workers_form_query_count_does_not_grow(
    org, login, response_for, django_assert_num_queries, actions
):
    """The practitioner's form, restored from a draft."""
    response = response_for(actions=actions)
    client = login(org.worker)
    url = reverse("response_detail", args=[response.pk])
    client.post(url, draft_post(response))
    with django_assert_num_queries(WORKER_FORM_QUERIES):
        page = client.get(url)
    assert page.content.decode().count('type="date"') == actions


@pytest.mark.parametrize("n", [1, 4])
def test_my_responses_query_count_does_not_grow(
    org, login, response_for, django_assert_num_queries, n
):
    responses_for(org, response_for, n)
    client = login(org.worker)
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(reverse("response_list"))
    assert len(page.context["mine"].to_write) == n


@pytest.mark.parametrize("n", [1, 4])
def test_team_page_query_count_does_not_grow(
    org, login, response_for, django_assert_num_queries, n
):
    responses_for(org, response_for, n)
    client = login(org.tm)
    with django_assert_num_queries(TEAM_QUERIES):
        page = client.get(reverse("response_team"))
    assert len(page.context["overview"].responses) == n
