"""The QA response's transitions are compare-and-sets on its state (docs/adr/0003 and 0004): of
simultaneous authorisations and returns exactly one happens; a stale transition raises
`TransitionConflict`, which the pages show as a message."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from caseaudit.audits.models import RestorativeAction
from caseaudit.audits.tests.concurrency import load_shipped_tools, require_postgresql, run_together
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.responses import services
from caseaudit.responses.models import EventKind, QAResponse, ResponseEvent, ResponseStatus

from .conftest import answer

MOVES = (EventKind.AUTHORISED, EventKind.RETURNED)


@pytest.fixture
def submitted(org, response_for, run):
    """A QA response the worker has submitted: their Practice Supervisor (ps1) decides."""
    response = response_for(actions=1)
    action = RestorativeAction.objects.get(audit=response.audit)
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers={action.pk: answer()},
    )
    return response


def fresh(response) -> QAResponse:
    """The response as another request read it, before anything below changed it."""
    return QAResponse.objects.select_related("case", "worker", "supervisor").get(pk=response.pk)


def page_messages(page) -> list[str]:
    return [str(m) for m in get_messages(page.wsgi_request)]


# --- Real concurrent requests (PostgreSQL) -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_simultaneous_authorisations_and_returns_move_the_response_once(org, response_for, run):
    require_postgresql()
    load_shipped_tools()
    response = response_for(actions=1)
    action = RestorativeAction.objects.get(audit=response.audit)
    services.response_submit(
        response=response,
        by=org.worker.user,
        action_answers={action.pk: answer()},
    )
    clients = []
    for _ in range(4):
        client = Client()
        client.force_login(org.ps1.user)
        clients.append(client)
    authorise = reverse("response_authorise", args=[response.pk])
    send_back = reverse("response_return", args=[response.pk])

    def authorise_with(client):
        return lambda: client.post(authorise)

    def return_with(client):
        return lambda: client.post(send_back, {"reason": "Say when the plan is reviewed."})

    pages = run_together(
        [
            authorise_with(clients[0]),
            return_with(clients[1]),
            authorise_with(clients[2]),
            return_with(clients[3]),
        ]
    )

    assert all(not isinstance(p, BaseException) for p in pages), pages
    assert all(p.status_code in (200, 302) for p in pages), [p.status_code for p in pages]
    moves = list(ResponseEvent.objects.filter(response=response, kind__in=MOVES))
    assert len(moves) == 1
    response.refresh_from_db()
    expected = {
        EventKind.AUTHORISED: ResponseStatus.AUTHORISED,
        EventKind.RETURNED: ResponseStatus.RETURNED,
    }
    assert response.status == expected[moves[0].kind]
    # The three others were told, on the page, that the response had moved on.
    told = [
        page
        for page in pages
        if "only a submitted response can be" in " ".join(page_messages(page))
        or "only a submitted response can be" in page.content.decode()
    ]
    assert len(told) == 3


# --- Stale transitions (both databases) ---------------------------------------------------


def test_authorising_a_response_returned_meanwhile_is_a_conflict(org, submitted, run):
    stale = fresh(submitted)
    run(services.response_return, response=submitted, by=org.ps1.user, reason="Add dates.")
    with pytest.raises(TransitionConflict, match="only a submitted response can be authorised"):
        services.response_authorise(response=stale, by=org.ps1.user)
    assert not ResponseEvent.objects.filter(kind=EventKind.AUTHORISED).exists()


def test_returning_a_response_authorised_meanwhile_is_a_conflict(org, submitted, run):
    stale = fresh(submitted)
    run(services.response_authorise, response=submitted, by=org.ps1.user)
    with pytest.raises(TransitionConflict, match="It was authorised by") as caught:
        services.response_return(response=stale, by=org.ps1.user, reason="Add dates.")
    assert caught.value.code == "conflict"
    assert fresh(submitted).status == ResponseStatus.AUTHORISED
    assert not ResponseEvent.objects.filter(kind=EventKind.RETURNED).exists()


def test_submitting_a_response_submitted_meanwhile_is_a_conflict(org, submitted):
    action = RestorativeAction.objects.get(audit=submitted.audit)
    with pytest.raises(TransitionConflict, match="cannot be submitted again"):
        services.response_submit(
            response=fresh(submitted),
            by=org.worker.user,
            action_answers={action.pk: answer("Again.")},
        )
    assert ResponseEvent.objects.filter(kind=EventKind.SUBMITTED).count() == 1


def test_resolving_or_agreeing_an_action_twice_is_a_conflict(org, response_for, run):
    # An action its supervisor owns stays to agree after the response is authorised; the
    # Team Manager reopens it; its owner answers it again.
    response = response_for(actions=[("Record the supervision.", org.ps1, dt.date(2027, 1, 15))])
    action = RestorativeAction.objects.get(audit=response.audit)
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers={action.pk: answer()},
    )
    run(services.response_authorise, response=response, by=org.ps1.user)
    run(services.action_reopen, action=action, by=org.tm.user, reason="Not recorded.")
    stale = RestorativeAction.objects.get(pk=action.pk)
    run(services.action_resolve, action=action, by=org.ps1.user, **answer("Done."))
    with pytest.raises(TransitionConflict, match="already marked resolved"):
        services.action_resolve(action=stale, by=org.ps1.user, **answer("Done too."))
    run(services.action_agree, action=action, by=org.tm.user)
    with pytest.raises(TransitionConflict, match="already agreed"):
        services.action_agree(action=stale, by=org.tm.user)


def test_the_authorise_page_shows_the_conflict(org, submitted, login):
    client = login(org.ps1)
    url = reverse("response_authorise", args=[submitted.pk])
    assert page_messages(client.post(url)) == ["Response authorised."]
    again = client.post(url)
    assert again.status_code == 302
    message = page_messages(again)[-1]  # after the first POST's, not yet shown
    assert message.startswith("This response is authorised: only a submitted response can be")
    assert f"It was authorised by {org.ps1.user.get_full_name()}" in message
