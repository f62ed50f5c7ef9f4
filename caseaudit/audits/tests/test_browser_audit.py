"""The peer-audit journey in headless Chromium: a Team Manager peer-audits a case in another team
over two sittings, scales one section 2, confirms the alert, and the case's TM and PS see the
urgent finding."""

import pytest
from django.core import mail
from django.utils import timezone

from caseaudit.audits.models import Audit, UrgentFinding
from caseaudit.conftest import browser_screenshot, browser_signed_in
from caseaudit.programme.models import Allocation, ProgrammeMonth

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_peer_audit_in_two_sittings_raises_an_urgent_finding(browser, live_server, org):
    # A confirmed programme gives team B's manager a peer audit of a case in team A.
    programme = ProgrammeMonth.objects.create(
        month=timezone.localdate().replace(day=1),
        seed=1,
        status="confirmed",
        generated_at=timezone.now(),
    )
    Allocation.objects.create(
        programme=programme,
        auditor=org.tm_b,
        auditor_team=org.north_b,
        rule="manager-peer",
        case=org.case,
        tool_code="generic",
        reason="Annual audit overdue.",
    )

    def new_page(staff):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.base_url = live_server.url
        browser_signed_in(page, staff)
        return context, page

    # First sitting: start from "My audits this month" (the task list), fill one section,
    # "Save and come back later".
    context, page = new_page(org.tm_b)
    page.click("#my-allocations button:has-text('Start audit')")
    page.wait_for_url("**/audits/*/edit/")
    audit = Audit.objects.get(case=org.case)
    sections = list(audit.tool_version.sections.order_by("order", "id"))
    first, urgent = sections[0], sections[3]
    with page.expect_navigation():
        page.click(f".govuk-task-list__link:has-text('1. {first.title}')")
    page.fill(f"textarea[name='s{first.pk}-working_well']", "A clear, current chronology.")
    page.check(f"input[name='s{first.pk}-scale'][value='7']")
    browser_screenshot(page, "audit-form")
    # The form may wait for an autosave on its way before it posts: wait for the page it loads.
    with page.expect_navigation():
        page.click("button[name=intent][value=later]")
    page.wait_for_url(f"**/audits/{audit.pk}/edit/")
    assert not UrgentFinding.objects.exists()
    context.close()

    # Second sitting: the draft is on the home page with the work so far; scale a section 2.
    context, page = new_page(org.tm_b)
    page.click(f"#my-audits ~ .app-table-wrap a:has-text('{org.case.reference}')")
    page.wait_for_url(f"**/audits/{audit.pk}/edit/")
    assert page.inner_text("#task-section-1-status") == "In progress"  # questions to answer
    with page.expect_navigation():
        page.click(f".govuk-task-list__link:has-text('1. {first.title}')")
    assert page.input_value(f"textarea[name='s{first.pk}-working_well']") == (
        "A clear, current chronology."
    )
    assert page.is_checked(f"input[name='s{first.pk}-scale'][value='7']")
    page.goto(f"{live_server.url}/audits/{audit.pk}/edit/section-4/")
    page.fill(f"textarea[name='s{urgent.pk}-worried_about']", "No safety plan since the incident.")
    page.check(f"input[name='s{urgent.pk}-scale'][value='2']")
    # The form may wait for an autosave on its way before it posts: wait for the page it loads.
    with page.expect_navigation():
        page.click("button[name=intent][value=continue]")
    # Asked first: nobody is alerted until the auditor says yes.
    page.wait_for_url(f"**/audits/{audit.pk}/alert/**")
    assert not UrgentFinding.objects.exists()
    with page.expect_navigation():
        page.click("#confirm-alert")
    page.wait_for_url(f"**/audits/{audit.pk}/edit/section-5/")  # on to the next task
    finding = UrgentFinding.objects.get(audit=audit)
    assert urgent.title in finding.reason
    context.close()

    # The case's TM and PS were emailed at once and see the finding on their home page.
    recipients = sorted(m.to[0] for m in mail.outbox if "Urgent finding" in m.subject)
    assert recipients == sorted([org.tm.email, org.ps1.email])
    for manager in (org.tm, org.ps1):
        context, page = new_page(manager)
        assert page.locator("text=Urgent findings to acknowledge").count() == 1
        assert page.locator(f"text={org.case.reference}").count() >= 1
        browser_screenshot(page, f"home-finding-{manager.role}")
        context.close()
