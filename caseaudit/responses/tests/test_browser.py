"""The QA response end to end in headless Chromium: the worker writes one answer per action
(a date in the future refused), saves a draft and finds it again, submits; the PS returns it;
the worker changes the answer and submits again; the PS authorises it, which closes the
action."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from caseaudit.audits.models import ActionStatus
from caseaudit.conftest import browser_screenshot as shot
from caseaudit.conftest import browser_signed_in
from caseaudit.responses.models import EventKind, QAResponse, ResponseDraft, ResponseStatus

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
    field = f"#id_a{action.pk}-"
    today = timezone.localdate()

    # The worker finds the response on their home page: one answer block for the action.
    worker = browser_page
    browser_signed_in(worker, org.worker)
    worker.click(f"#qa-response-panels a[href='/responses/{response.pk}/']")
    worker.wait_for_url(f"**/responses/{response.pk}/")
    assert "Awaiting response" in worker.locator("#response-status").inner_text()
    block = worker.locator(f"#action-{action.pk}")
    assert block.locator("textarea, input").count() == 3  # what, when, evidence: once each
    shot(worker, "response-worker-form")

    # A date done in the future is refused, naming the action and the field.
    worker.fill(field + "what_done", "I updated the chronology.")
    worker.fill(field + "done_on", (today + dt.timedelta(days=1)).isoformat())
    worker.fill(field + "evidence", "Chronology on the case record.")
    with worker.expect_navigation():
        worker.click("button:has-text('Submit response')")
    summary = worker.locator(".govuk-error-summary:not([hidden])").inner_text()
    assert "Date done for action 1 must be today or in the past" in summary
    shot(worker, "response-worker-form-error")

    # Saved as a draft, and found again.
    worker.fill(field + "done_on", today.isoformat())
    with worker.expect_navigation():
        worker.click("button:has-text('Save draft')")
    assert "Draft saved at" in worker.locator(".govuk-notification-banner").inner_text()
    worker.reload()
    assert worker.input_value(field + "what_done") == "I updated the chronology."
    assert worker.input_value(field + "done_on") == today.isoformat()
    assert worker.input_value(field + "evidence") == "Chronology on the case record."
    assert ResponseDraft.objects.filter(response=response).exists()
    assert QAResponse.objects.get().status == ResponseStatus.AWAITING_WORKER

    with worker.expect_navigation():
        worker.click("button:has-text('Submit response')")
    worker.wait_for_selector("text=Response submitted")
    assert QAResponse.objects.get().status == ResponseStatus.SUBMITTED
    action.refresh_from_db()
    assert (action.status, action.resolution) == (
        ActionStatus.RESOLVED,
        "I updated the chronology.",
    )

    # The PS returns it with a reason.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    ps = context.new_page()
    ps.base_url = live_server.url
    browser_signed_in(ps, org.ps1)
    ps.click(f"#qa-response-panels a[href='/responses/{response.pk}/']")
    ps.wait_for_url(f"**/responses/{response.pk}/")
    assert "I updated the chronology." in ps.locator(f"#answer-{action.pk}").inner_text()
    ps.click("button:has-text('Return to')")  # no reason: refused
    assert (
        "Enter why you are returning the response"
        in ps.locator(".govuk-error-summary").inner_text()
    )
    ps.fill("#id_reason", "Please say which entries were added.")
    shot(ps, "response-ps-return")
    ps.click("button:has-text('Return to')")
    ps.wait_for_selector("text=Response returned")

    # The worker reads why, finds the answer kept, changes it and submits again.
    worker.reload()
    assert "Please say which entries were added." in worker.locator("#returned-reason").inner_text()
    assert worker.input_value(field + "what_done") == "I updated the chronology."
    worker.fill(field + "what_done", "I added the visits of October and November.")
    with worker.expect_navigation():
        worker.click("button:has-text('Submit response')")
    worker.wait_for_selector("text=Response submitted")

    # The PS authorises it: the action is agreed resolved (closed); the history shows each step.
    ps.reload()
    ps.click("button:has-text('Authorise response')")
    ps.wait_for_selector("text=Response authorised")
    assert "Authorised" in ps.locator("#response-status").inner_text()
    assert "Closed" in ps.locator(f"#action-{action.pk}").inner_text()
    history = ps.locator("#response-history").inner_text()
    for line in (
        f"Submitted by {org.worker.name}",
        f"Returned by {org.ps1.name}: Please say which entries were added.",
        f"Submitted by {org.worker.name} again",
        f"Authorised by {org.ps1.name}: 1 action agreed resolved",
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
    action.refresh_from_db()
    assert action.resolution == "I added the visits of October and November."
    assert action.manager_agreed_by == org.ps1.user
    context.close()


def test_the_team_manager_sees_what_is_outstanding(browser_page, org, shipped_tools, response_for):
    response_for(actions=2)
    page = browser_page
    browser_signed_in(page, org.tm)
    page.click("nav >> text=Responses")
    page.click("text=Every outstanding response and open action I oversee")
    page.wait_for_url("**/responses/team/")
    assert page.locator("#count-outstanding").inner_text() == "1"
    assert page.locator("#count-open-actions").inner_text() == "2"
    shot(page, "response-team")
