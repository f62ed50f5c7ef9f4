"""The worker's draft of a QA response: saved by the page's autosave without submitting, with
a revision check so that two windows get a conflict; shown in the form until submitted."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.tests.concurrency import load_shipped_tools, require_postgresql, run_together
from caseaudit.responses import drafts, services
from caseaudit.responses.models import ResponseDraft, ResponseStatus
from caseaudit.responses.services import action_field

from .conftest import answers_for
from .test_views import submit_data

# Who may save the draft: the worker (as for submitting: those who see the case get 403,
# those who do not 404).
SAVES_THE_DRAFT = {
    "worker": 200,
    "ps1": 403,
    "tm": 403,
    "colleague": 404,
    "outsider": 404,
    "csm_north": 403,
}


def autosave(client, response, revision=0, text="Half an answer"):
    data = {"draft_revision": str(revision)}
    for action in response.audit.actions.all():
        data[action_field(action.pk, "what_done")] = text
        data[action_field(action.pk, "done_on")] = "2026-11-0"  # half typed: kept as is
        data[action_field(action.pk, "evidence")] = "Case note of"
    return client.post(reverse("response_autosave", args=[response.pk]), data)


@pytest.mark.parametrize("who,status", SAVES_THE_DRAFT.items())
def test_personas(org, login, response_for, who, status):
    response = response_for()
    result = autosave(login(getattr(org, who)), response)
    assert result.status_code == status
    assert ResponseDraft.objects.filter(response=response).exists() is (status == 200)


def test_anonymous_is_sent_to_sign_in(client, response_for):
    response = response_for()
    result = autosave(client, response)
    assert result.status_code == 302
    assert result.url.startswith(reverse("account_login"))


def test_saves_and_the_form_shows_the_draft(
    org, login, response_for, django_assert_max_num_queries
):
    response = response_for()
    action = response.audit.actions.get()
    client = login(org.worker)
    with django_assert_max_num_queries(25):
        result = autosave(client, response, text="I have started the chronology")
    assert result.status_code == 200
    assert result.json()["revision"] == 1
    draft = ResponseDraft.objects.get(response=response)
    # The one answer block of the action, as typed (a draft is not checked).
    assert draft.values == {
        action_field(action.pk, "what_done"): "I have started the chronology",
        action_field(action.pk, "done_on"): "2026-11-0",
        action_field(action.pk, "evidence"): "Case note of",
    }
    assert draft.saved_by == org.worker.user
    # Not submitted: the response is still with the worker, its answers unwritten.
    response.refresh_from_db()
    assert response.status == ResponseStatus.AWAITING_WORKER
    assert not response.answers.exists()
    page = client.get(reverse("response_detail", args=[response.pk])).content.decode()
    assert "I have started the chronology</textarea>" in page
    assert 'value="2026-11-0"' in page and "Case note of</textarea>" in page
    assert 'name="draft_revision" value="1"' in page
    assert f"Draft last saved at {timezone.localtime(draft.saved_at):%H:%M}" in page


def test_two_windows_get_a_conflict(org, login, response_for):
    response = response_for()
    client = login(org.worker)
    assert autosave(client, response, revision=0, text="Window one").status_code == 200
    # The second window still holds "no draft yet".
    result = autosave(client, response, revision=0, text="Window two")
    assert result.status_code == 409
    assert result.json()["conflict"].startswith("You saved this response in another window at ")
    assert autosave(client, response, revision=1, text="Window one again").status_code == 200
    stale = autosave(client, response, revision=1, text="Window two again")
    assert stale.status_code == 409
    values = ResponseDraft.objects.get(response=response).values
    assert "Window one again" in values.values()


def test_not_while_with_the_supervisor(org, login, response_for, run):
    response = response_for()
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    result = autosave(login(org.worker), response)
    assert result.status_code == 409
    assert "submitted" in result.json()["message"]
    assert not ResponseDraft.objects.exists()


def test_submitting_discards_the_draft(org, login, response_for):
    response = response_for()
    client = login(org.worker)
    autosave(client, response, text="Draft text")
    page = client.post(reverse("response_detail", args=[response.pk]), submit_data(response))
    assert page.status_code == 302
    assert not ResponseDraft.objects.filter(response=response).exists()


def test_a_draft_older_than_the_submission_is_not_shown_when_returned(org, response_for, run):
    response = response_for()
    drafts.response_draft_save(
        response=response,
        by=org.worker.user,
        values={"x": "old draft"},
        revision=0,
        now=timezone.now() - dt.timedelta(hours=1),
    )
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    run(services.response_return, response=response, by=org.ps1.user, reason="Say more.")
    response.refresh_from_db()
    assert drafts.response_draft_for_form(response=response) is None


def test_without_javascript_the_form_is_as_before(org, login, response_for):
    """The hidden draft revision is ignored by the submission."""
    response = response_for()
    client = login(org.worker)
    data = submit_data(response) | {"draft_revision": "7"}
    assert client.post(reverse("response_detail", args=[response.pk]), data).status_code == 302
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED


def test_a_returned_response_comes_back_with_the_answers_then_a_newer_draft_of_them(
    org, login, response_for, run
):
    response = response_for(actions=1)
    action = response.audit.actions.get()
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response, "Submitted text"),
    )
    run(services.response_return, response=response, by=org.ps1.user, reason="Say more.")
    client = login(org.worker)
    url = reverse("response_detail", args=[response.pk])
    body = client.get(url).content.decode()
    assert f"Submitted text ({action.pk})</textarea>" in body  # the answer, to change
    assert 'value="2026-11-02"' in body
    assert autosave(client, response, text="Changed after the return").status_code == 200
    body = client.get(url).content.decode()
    assert "Changed after the return</textarea>" in body  # the draft, newer than the answer


def test_two_saves_of_the_same_revision_give_one_conflict(org, response_for):
    """Two windows holding revision 1 both save: the first wins, the second is told."""
    response = response_for(actions=1)
    by = org.worker.user
    drafts.response_draft_save(response=response, by=by, values={"x": "one"}, revision=0)
    saved = drafts.response_draft_save(response=response, by=by, values={"x": "two"}, revision=1)
    assert saved.revision == 2
    with pytest.raises(drafts.DraftConflict) as caught:
        drafts.response_draft_save(response=response, by=by, values={"x": "three"}, revision=1)
    assert caught.value.revision == 2
    assert ResponseDraft.objects.get().values == {"x": "two"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("revision", [0, 1])
def test_simultaneous_saves_of_the_same_revision_give_one_conflict(org, response_for, revision):
    """Real concurrent requests (PostgreSQL): of two autosaves holding the same revision
    (none yet, or revision 1), exactly one is saved and the other gets 409."""
    require_postgresql()
    load_shipped_tools()
    response = response_for(actions=1)
    if revision:
        drafts.response_draft_save(response=response, by=org.worker.user, values={}, revision=0)
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(org.worker.user)
        clients.append(client)

    def save_with(client, text):
        return lambda: autosave(client, response, revision=revision, text=text)

    pages = run_together([save_with(clients[0], "Window one"), save_with(clients[1], "Window two")])

    assert all(not isinstance(p, BaseException) for p in pages), pages
    assert sorted(p.status_code for p in pages) == [200, 409]
    winner = next(p for p in pages if p.status_code == 200)
    loser = next(p for p in pages if p.status_code == 409)
    assert loser.json()["conflict"].startswith("You saved this response in another window at ")
    draft = ResponseDraft.objects.get(response=response)
    assert draft.revision == revision + 1 == winner.json()["revision"]
    texts = {v for k, v in draft.values.items() if k.endswith("what_done")}
    assert texts in ({"Window one"}, {"Window two"})
