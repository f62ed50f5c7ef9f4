"""The QA response end to end in headless Chromium: the worker submits, the PS returns it, the
worker submits again, the PS authorises it; then the worker resolves the action and the PS
agrees."""

import importlib

import pytest
from django.apps import apps

from caseaudit.audits.models import ActionStatus
from caseaudit.conftest import browser_screenshot as shot
from caseaudit.conftest import browser_sign_in
from caseaudit.responses.models import EventKind, QAResponse, ResponseStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shipped_tools():
    """A transactional test empties the tables afterwards, the shipped tools with them: load
    them again as their migration does (it does nothing if they are there)."""
    migration = importlib.import_module("caseaudit.audit_tools.migrations.0002_load_shipped_tools")
    migration.load(apps, None)


def test_submit_return_resubmit_authorise(
    browser, browser_page, live_server, org, shipped_tools, response_for
):
    response = response_for(actions=1)
    action = response.audit.actions.get()

    # The worker finds the response on their home page and answers the action.
    worker = browser_page
    browser_sign_in(worker, org.worker)
    worker.click(f"#qa-response-panels a[href='/responses/{response.pk}/']")
    worker.wait_for_url(f"**/responses/{response.pk}/")
    assert "Awaiting response" in worker.locator("#response-status").inner_text()
    shot(worker, "response-worker-form")
    worker.fill(f"#id_a{action.pk}-what_done", "I will update the chronology.")
    worker.click("button:has-text('Submit response')")
    worker.wait_for_selector("text=Response submitted")
    assert QAResponse.objects.get().status == ResponseStatus.SUBMITTED

    # The PS returns it with a reason.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    ps = context.new_page()
    ps.base_url = live_server.url
    browser_sign_in(ps, org.ps1)
    ps.click(f"#qa-response-panels a[href='/responses/{response.pk}/']")
    ps.wait_for_url(f"**/responses/{response.pk}/")
    ps.click("button:has-text('Return to')")  # no reason: refused
    assert (
        "Enter why you are returning the response"
        in ps.locator(".govuk-error-summary").inner_text()
    )
    ps.fill("#id_reason", "Please say by when.")
    shot(ps, "response-ps-return")
    ps.click("button:has-text('Return to')")
    ps.wait_for_selector("text=Response returned")

    # The worker reads why, adds the date and submits again.
    worker.reload()
    assert "Please say by when." in worker.locator("#returned-reason").inner_text()
    assert worker.input_value(f"#id_a{action.pk}-what_done") == "I will update the chronology."
    worker.fill(f"#id_a{action.pk}-planned_by", "2027-01-08")
    worker.click("button:has-text('Submit response')")
    worker.wait_for_selector("text=Response submitted")

    # The PS authorises it; the history shows each step and who took it.
    ps.reload()
    ps.click("button:has-text('Authorise response')")
    ps.wait_for_selector("text=Response authorised")
    assert "Authorised" in ps.locator("#response-status").inner_text()
    history = ps.locator("#response-history").inner_text()
    for line in (
        f"Submitted by {org.worker.name}",
        f"Returned by {org.ps1.name}: Please say by when.",
        f"Submitted by {org.worker.name} again",
        f"Authorised by {org.ps1.name}",
    ):
        assert line in history
    shot(ps, "response-authorised")
    assert list(
        QAResponse.objects.get().events.values_list("kind", flat=True).order_by("at", "id")
    ) == [
        EventKind.CREATED,
        EventKind.SUBMITTED,
        EventKind.RETURNED,
        EventKind.SUBMITTED,
        EventKind.AUTHORISED,
    ]

    # The action is tracked until its owner resolves it and the PS agrees.
    worker.reload()
    worker.fill(f"#id_resolve-{action.pk}-note", "Chronology updated.")
    worker.click("button:has-text('Mark action 1 resolved')")
    worker.wait_for_selector("text=Action marked resolved")
    ps.reload()
    ps.click("button:has-text('Agree action 1 is resolved')")
    ps.wait_for_selector("text=the action is closed")
    action.refresh_from_db()
    assert action.status == ActionStatus.RESOLVED and action.manager_agreed_at is not None
    context.close()


def test_the_team_manager_sees_what_is_outstanding(browser_page, org, shipped_tools, response_for):
    response_for(actions=2)
    page = browser_page
    browser_sign_in(page, org.tm)
    page.click("nav >> text=Responses")
    page.click("text=Every outstanding response and open action I oversee")
    page.wait_for_url("**/responses/team/")
    assert page.locator("#count-outstanding").inner_text() == "1"
    assert page.locator("#count-open-actions").inner_text() == "2"
    shot(page, "response-team")
