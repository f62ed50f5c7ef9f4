"""The worker's draft of a QA response: saved by the page's autosave without submitting, with
a revision check so that two windows get a conflict; shown in the form until submitted."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.responses import drafts, services
from caseaudit.responses.models import ResponseDraft, ResponseStatus
from caseaudit.responses.services import action_field

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
        data[action_field(action.pk, "planned_by")] = "2027-01-0"  # half typed: kept as is
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
    assert draft.values[action_field(action.pk, "what_done")] == "I have started the chronology"
    assert draft.saved_by == org.worker.user
    # Not submitted: the response is still with the worker, its answers unwritten.
    response.refresh_from_db()
    assert response.status == ResponseStatus.AWAITING_WORKER
    assert not response.answers.exists()
    page = client.get(reverse("response_detail", args=[response.pk])).content.decode()
    assert "I have started the chronology</textarea>" in page
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
        action_answers={a.pk: {"what_done": "Done."} for a in response.audit.actions.all()},
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
        action_answers={a.pk: {"what_done": "Done."} for a in response.audit.actions.all()},
    )
    run(services.response_return, response=response, by=org.ps1.user, reason="Say by when.")
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
