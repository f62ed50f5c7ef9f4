"""In a real headless Chromium: sign in, find a case in the list, open it."""

import pytest

from caseaudit.conftest import browser_screenshot as shot
from caseaudit.conftest import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_open_case_list_and_a_case(browser_page, org):
    page = browser_page
    browser_sign_in(page, org.tm)
    assert page.locator("h1").inner_text() == "My work"
    assert org.tm.name in page.locator("header").inner_text()

    page.click("text=Cases")
    page.wait_for_url("**/cases/")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2  # the TM's team: the worker's and the colleague's case
    shot(page, "case-list")

    page.fill("#id_q", org.case.reference)
    # Wait for the filtered page itself: counting rows straight after the
    # click can read the new document before its table is parsed (CI saw 0).
    with page.expect_navigation():
        page.click("button:has-text('Apply filters')")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("table tbody tr").count() == 1
    page.click(f"text={org.case.reference}")
    page.wait_for_url(f"**/cases/{org.case.pk}/")
    assert page.locator("h1").inner_text().startswith(org.case.display_name)
    assert org.ps1.name in page.content()
    shot(page, "case-detail")

    # A case out of scope is a 404, even by typing its address.
    response = page.goto(f"{page.base_url}/cases/{org.south_case.pk}/")
    assert response.status == 404


def test_pages_work_without_javascript(browser, live_server, org):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.base_url = live_server.url
    browser_sign_in(page, org.worker)
    page.goto(live_server.url + "/cases/?case_type=cin")
    assert page.locator("table tbody tr").count() == 1
    context.close()
