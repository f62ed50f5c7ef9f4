"""Family feedback in headless Chromium with axe on every page: the auditor asks a young person
for feedback (a letter, as without GOV.UK Notify), the young person answers on a 320 px
phone screen in the child-friendly version (both public versions pass axe), the link then says
kindly that it is used, and the family's words appear on the audit and in the quality and
findings reports."""

import pytest
from django.urls import reverse

from caseaudit.audits import services as audit_services
from caseaudit.feedback.models import FamilyFeedback
from caseaudit.workflows import audits as workflows

from .browser import Journey, page_for
from .conftest import audit_data, audit_started

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = "My worker listens to me <b>and</b> comes when she says"


def test_auditor_asks_the_family_answers_on_a_phone(
    browser, live_server, org, shipped_tools, settings
):
    settings.NOTIFY_API_KEY = ""
    settings.SITE_URL = live_server.url  # the letter's link
    audit = audit_started(case=org.case, auditor=org.csm_north)

    with page_for(browser, live_server, org.csm_north, home=False) as page:
        journey = Journey(page, "feedback-auditor")
        journey.open(reverse("audit_detail", args=[audit.pk]), "draft audit")
        page.click("#ask-family")
        page.wait_for_url(f"**/feedback/audit/{audit.pk}/ask/")
        journey.check("ask the family")
        page.check("#id_relationship_young_person")
        page.check("#id_audience_child")
        page.check("#id_channel_letter")
        page.click("button:has-text('Create the link')")
        page.wait_for_selector("#letter")
        journey.check("letter")
        link = page.locator("#letter-link").inner_text().strip()
        assert page.locator("#letter-qr svg").count() == 1
        assert org.case.display_name not in page.locator("#letter").inner_text()

    # The young person, on a 320 px wide phone, not signed in.
    with page_for(browser, live_server, None, width=320, height=640) as page:
        journey = Journey(page, "feedback-family")
        response = page.goto(link)
        assert response.status == 200
        assert "set-cookie" not in {k.lower() for k in response.headers}
        assert page.locator("h1").inner_text() == "Tell us what you think"
        journey.check("child-friendly form")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"the form scrolls sideways at 320 px ({width})"
        page.click("text=Use the version for adults")
        page.wait_for_selector("h1:has-text('Your views on the help you get')")
        journey.check("standard form")
        page.click("text=Use a version with simpler words")
        page.wait_for_selector("h1:has-text('Tell us what you think')")
        page.fill("#going_well", WORDS)
        page.fill("#worries", "When I don't know what is happening")
        page.fill("#would_like", "To stay at my school")
        page.check("#scale-8")
        page.check("#share-yes")
        page.click("button:has-text('Send')")
        page.wait_for_selector("text=We got what you wrote")
        journey.check("thanks")
        assert page.context.cookies() == []
        page.goto(link)
        page.wait_for_selector("h1:has-text('This link cannot be used')")
        journey.check("used link")

    feedback = FamilyFeedback.objects.get()
    assert (feedback.scale, feedback.share_consent, feedback.audience) == (8, True, "child")

    audit_services.audit_save(
        audit=audit, by=org.csm_north.user, data=audit_data(audit), revision=audit.revision
    )
    workflows.audit_complete(audit=audit, by=org.csm_north.user)

    with page_for(browser, live_server, org.csm_north, home=False) as page:
        journey = Journey(page, "feedback-auditor")
        journey.open(reverse("audit_detail", args=[audit.pk]), "audit with feedback")
        section = page.locator(f"#family-feedback-{feedback.pk}").inner_text()
        assert WORDS in section  # escaped: the <b> shows as text
        assert "<b>" in section

    with page_for(browser, live_server, org.tm, home=False) as page:
        journey = Journey(page, "feedback-report")
        journey.open("/reports/quality/voice/", "practice quality: the family's voice")
        assert page.locator("#figure-requests-sent").inner_text() == "1"
        assert page.locator("#figure-family-scale").inner_text() == "8.0"
        journey.open("/reports/findings/good-practice/", "findings: good practice")
        assert "My worker listens to me" in page.locator("#table-family-words").inner_text()
