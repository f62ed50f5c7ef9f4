"""The programme end to end in headless Chromium: generate, review, swap, confirm, start."""

import pytest
from django.utils import timezone

from caseaudit.conftest import browser_screenshot, browser_signed_in
from caseaudit.factories import CaseFactory
from caseaudit.programme import services, views
from caseaudit.programme.models import Allocation, ProgrammeMonth
from caseaudit.qa.tests.axe import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_generate_review_swap_confirm_and_start(browser_page, browser, live_server, org):
    # Enough cases per worker that the managers' peer audits (which may pick the same
    # workers' cases, by the month's random seed) always leave the PS a case to swap to.
    for worker in (org.worker, org.colleague, org.worker_b):
        CaseFactory.create_batch(5, team=worker.team, allocated_worker=worker)
    page = browser_page
    browser_signed_in(page, org.performance)
    page.click("nav >> text=Programme")
    label = timezone.localdate().strftime("%Y-%m")
    page.select_option("#id_month", label)
    page.click("button:has-text('Generate draft')")
    page.wait_for_url(f"**/programme/{label}/")
    assert "Draft" in page.locator("h1").inner_text()
    # The table shows a page of the allocations (this month's fit on one).
    allocated = Allocation.objects.exclude(case__isnull=True).count()
    assert allocated <= views.ALLOCATION_PAGE_SIZE
    assert page.locator("#allocations tbody tr").count() == allocated
    assert page.locator("#allocated-count").inner_text() == str(allocated)
    browser_screenshot(page, "programme-month")

    allocation = Allocation.objects.get(auditor=org.ps1)
    before = allocation.case_id
    page.click(f"a[href='/programme/allocations/{allocation.pk}/swap/']")
    page.click("button:has-text('Swap case')")
    page.wait_for_url(f"**/programme/{label}/")
    allocation.refresh_from_db()
    assert allocation.case_id != before

    page.click("button:has-text('Confirm programme')")
    page.wait_for_selector("text=is confirmed")
    assert ProgrammeMonth.objects.get().is_confirmed

    context = browser.new_context()
    tm_page = context.new_page()
    tm_page.base_url = live_server.url
    browser_signed_in(tm_page, org.tm)
    assert tm_page.locator("#my-allocations tbody tr").count() == 1
    tm_page.click("#my-allocations button:has-text('Start audit')")
    tm_page.wait_for_url("**/audits/*/edit/")
    browser_screenshot(tm_page, "programme-started-audit")
    context.close()


def test_paged_table_next_page_and_swap_return_to_it(browser_page, live_server, org, monkeypatch):
    """A month longer than a page: the table pages with GOV.UK pagination, the summary counts
    the whole month, and a swap made on page 2 comes back to page 2."""
    monkeypatch.setattr(views, "ALLOCATION_PAGE_SIZE", 2)
    for worker in (org.worker, org.colleague, org.worker_b):
        CaseFactory.create_batch(5, team=worker.team, allocated_worker=worker)
    programme = services.programme_generate(month=timezone.localdate().replace(day=1), seed=3)
    allocated = programme.allocations.exclude(case__isnull=True).count()
    assert allocated > 2
    page = browser_page
    browser_signed_in(page, org.performance, home=False)
    page.goto(f"{live_server.url}/programme/{programme.label}/")
    assert page.locator("#allocations tbody tr").count() == 2
    assert page.locator("#allocated-count").inner_text() == str(allocated)
    assert page.locator("#allocations-shown").inner_text() == f"1 to 2 of {allocated}"
    page.click(".govuk-pagination a[rel=next]")
    page.wait_for_url("**?page=2")
    assert page.locator("#allocations-shown").inner_text().startswith("3 to ")
    swap = page.locator("#allocations tbody tr").first.locator("a:has-text('Swap')")
    href = swap.get_attribute("href")
    assert href.endswith("/swap/?page=2")
    allocation = Allocation.objects.get(pk=int(href.split("/")[-3]))
    before = allocation.case_id
    swap.click()
    page.click("button:has-text('Swap case')")
    page.wait_for_url(f"**/programme/{programme.label}/?page=2")
    assert page.locator("text=Case swapped for").is_visible()
    allocation.refresh_from_db()
    assert allocation.case_id != before
    browser_screenshot(page, "programme-month-page-2")


def test_a_team_manager_chases_a_ps_peer_audit(browser_page, browser, live_server, org):
    """Issue 16: the Team Manager opens their team's programme from the header, sees each PS
    peer audit and its status, chases one; the Practice Supervisor finds the notice."""
    for worker in (org.worker, org.colleague, org.worker_b):
        CaseFactory.create_batch(3, team=worker.team, allocated_worker=worker)
    month = timezone.localdate().replace(day=1)
    programme = services.programme_confirm(
        programme=services.programme_generate(month=month, seed=3), by=None
    )
    allocation = Allocation.objects.get(programme=programme, auditor=org.ps1, rule="ps-peer")
    page = browser_page
    browser_signed_in(page, org.tm)
    page.click("nav >> text=Programme")
    page.wait_for_url("**/programme/")
    assert page.locator("#team-months tbody tr").count() == 1
    page.click(f"#team-months >> text={month:%B %Y}")
    page.wait_for_url(f"**/programme/{programme.label}/")
    rows = page.locator("#allocations tbody tr")
    assert rows.count() == 3  # the two PS peer audits and the TM's own
    row = page.locator(f"#allocation-{allocation.pk}")
    assert org.ps1.name in row.inner_text() and "Planned" in row.inner_text()
    axe_check(page, "programme month (Team Manager)")
    row.locator("button:has-text('Chase')").click()
    page.wait_for_url(f"**/programme/{programme.label}/")
    assert page.locator(f"text={org.ps1.name} has been asked").is_visible()
    row = page.locator(f"#allocation-{allocation.pk}")
    assert f"by {org.tm.name}" in row.inner_text() and "Chased today" in row.inner_text()
    browser_screenshot(page, "programme-team-manager-chased")

    context = browser.new_context()
    ps_page = context.new_page()
    ps_page.base_url = live_server.url
    browser_signed_in(ps_page, org.ps1, home=False)
    ps_page.goto(live_server.url + "/notifications/")
    assert allocation.case.reference in ps_page.locator("main").inner_text()
    context.close()
