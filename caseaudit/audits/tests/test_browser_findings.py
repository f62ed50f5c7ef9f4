"""Urgent findings in headless Chromium: the auditor is asked before a section scaled
2 alerts anyone (goes back once and corrects it, then confirms a real one), the managers read
the auditor's words on the finding's page, and the auditor withdraws the finding raised in
error: the managers are told, the history keeps both. axe checks the new pages."""

import pytest
from django.core import mail

from caseaudit.audits import services
from caseaudit.audits.models import FindingStatus, UrgentFinding
from caseaudit.conftest import browser_screenshot, browser_signed_in
from caseaudit.notifications.models import Notification, NotificationKind
from caseaudit.qa.tests.axe import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORRY = "No safety plan since the incident in October."


def test_the_auditor_is_asked_before_alerting_and_withdraws_a_finding(browser, live_server, org):
    audit = services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code="generic", reason="permissive"
    )
    sections = list(audit.tool_version.sections.filter(scaled=True).order_by("order", "id"))
    urgent = sections[1]

    def new_page(staff, *, home=True):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.base_url = live_server.url
        browser_signed_in(page, staff, home=home)
        return context, page

    def save_draft(page):
        # "Save and come back later". The form may wait for an autosave on its way first.
        with page.expect_navigation():
            page.click("button[name=intent][value=later]")

    section_page = f"{live_server.url}/audits/{audit.pk}/edit/section-2/"
    context, page = new_page(org.csm_north, home=False)
    page.goto(section_page)
    page.fill(f"textarea[name='s{urgent.pk}-worried_about']", WORRY)
    page.check(f"input[name='s{urgent.pk}-scale'][value='2']")
    save_draft(page)

    # 1. Asked first: the page says who would be alerted, and nobody is yet.
    page.wait_for_url(f"**/audits/{audit.pk}/alert/**")
    title = page.inner_text("#confirm-title")
    assert title == "This will alert the Team Manager and Practice Supervisor now"
    assert WORRY in page.inner_text("#pending-1")
    assert org.tm.name in page.inner_text("#alert-recipients")
    axe_check(page, "confirm an urgent alert")
    browser_screenshot(page, "finding-confirm")
    assert not UrgentFinding.objects.exists() and mail.outbox == []

    # A mistake: back to the section's page, scale 6, save. Nobody is asked, nor told.
    with page.expect_navigation():
        page.click("#change-audit")
    page.wait_for_url(f"**/audits/{audit.pk}/edit/section-2/**")
    page.check(f"input[name='s{urgent.pk}-scale'][value='6']")
    save_draft(page)
    page.wait_for_url(f"**/audits/{audit.pk}/edit/")
    assert not UrgentFinding.objects.exists() and mail.outbox == []

    # 2. Scaled 1 on purpose: confirmed, so the TM and the PS are told at once.
    page.goto(section_page)
    page.check(f"input[name='s{urgent.pk}-scale'][value='1']")
    save_draft(page)
    page.wait_for_url(f"**/audits/{audit.pk}/alert/**")
    with page.expect_navigation():
        page.click("#confirm-alert")
    finding = UrgentFinding.objects.get(audit=audit)
    assert finding.scale == 1
    told = sorted(m.to[0] for m in mail.outbox if "Urgent finding" in m.subject)
    assert told == sorted([org.tm.email, org.ps1.email])
    assert all(WORRY not in m.body and org.case.reference in m.subject for m in mail.outbox)
    context.close()

    # 3. The Team Manager opens the finding from their home page and reads the auditor's words.
    context, page = new_page(org.tm)
    with page.expect_navigation():
        page.click(f"#urgent-findings a[href='/audits/findings/{finding.pk}/acknowledge/']")
    assert WORRY in page.inner_text(f"#finding-{finding.pk}-summary")
    assert "1 – Inadequate" in page.inner_text(f"#finding-{finding.pk}-summary")
    axe_check(page, "urgent finding with the auditor's words")
    browser_screenshot(page, "finding-page-manager")
    context.close()

    # 4. The auditor withdraws it (it was the wrong case), saying why.
    context, page = new_page(org.csm_north, home=False)
    page.goto(f"{live_server.url}/audits/{audit.pk}/")
    with page.expect_navigation():
        page.click(f"#withdraw-{finding.pk}")
    page.wait_for_url(f"**/audits/findings/{finding.pk}/withdraw/")
    axe_check(page, "withdraw an urgent finding")
    browser_screenshot(page, "finding-withdraw")
    with page.expect_navigation():
        page.click("button:has-text('Withdraw the finding')")  # no reason: refused
    assert "Enter why the finding was raised in error" in page.inner_text(".govuk-error-summary")
    page.fill("textarea[name=reason]", "Entered on the wrong child's audit.")
    with page.expect_navigation():
        page.click("button:has-text('Withdraw the finding')")
    page.wait_for_url(f"**/audits/{audit.pk}/#urgent-findings")
    assert "Withdrawn" in page.inner_text(f"#finding-{finding.pk}")
    history = page.inner_text("#audit-history")
    assert "Urgent finding raised" in history and "Urgent finding withdrawn" in history
    browser_screenshot(page, "finding-withdrawn-audit-page")
    context.close()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.WITHDRAWN

    # 5. Everyone told is told it was withdrawn; it is off the Team Manager's home page.
    withdrawn = Notification.objects.filter(kind=NotificationKind.URGENT_FINDING_WITHDRAWN)
    assert {n.recipient_id for n in withdrawn} == {org.tm.pk, org.ps1.pk}
    context, page = new_page(org.tm)
    assert page.locator("text=Urgent findings to acknowledge").count() == 0
    context.close()
