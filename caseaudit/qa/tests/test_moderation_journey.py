"""Moderation in headless Chromium with axe on every page: Performance Assurance draws and
confirms a month's sample (swapping its moderator), moderates an audit blind, compares, gives
rationales and completes; the auditor (the Director) sees the comparison and replies; the
moderation report shows the figures."""

import pytest
from django.utils import timezone

from caseaudit.moderation.models import Moderation, ModerationStatus

from .browser import Journey, page_for
from .conftest import audit_completed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sample_blind_moderation_reply_and_report(browser, live_server, org, shipped_tools):
    audit = audit_completed(case=org.case, auditor=org.director, scale=8)
    month = timezone.localdate().strftime("%Y-%m")

    with page_for(browser, live_server, org.performance) as page:
        journey = Journey(page, "moderator")
        page.click("nav >> text=Moderation")
        page.wait_for_url("**/moderation/")
        journey.check("moderation index")
        page.fill("#id_month", month)
        page.click("button:has-text('Draw the sample')")
        page.wait_for_url(f"**/moderation/samples/{month}/")
        journey.check("draft sample")
        moderation = Moderation.objects.get(audit=audit)
        page.select_option(f"#moderator-{moderation.pk}", str(org.performance.pk))
        page.click("#sample-table button:has-text('Swap')")
        page.wait_for_selector("text=will moderate the audit")
        page.click("#confirm-sample")
        page.wait_for_selector("text=is confirmed")
        journey.check("confirmed sample")
        page.click(f"#sample-table a:has-text('{org.case.reference}')")
        page.wait_for_url(f"**/moderation/{moderation.pk}/")
        assert page.locator("#comparison").count() == 0  # blind
        assert page.locator("#blind-note").is_visible()
        journey.check("blind moderation")
        for select in page.locator("select[name^='scale-']").all():
            select.select_option("5")
        page.select_option("#overall_scale", "5")
        page.click("#compare")
        page.wait_for_selector("#comparison")
        journey.check("comparison")
        page.click("#complete")  # three points apart: rationales needed first
        page.wait_for_selector(".govuk-error-summary")
        for area in page.locator("textarea[name^='rationale-']").all():
            area.fill("The plan has no dates or owners.")
        page.fill("#overall_rationale", "Drift in every section.")
        page.click("#complete")
        page.wait_for_selector("text=Moderation completed")
        journey.check("moderation completed")

    moderation.refresh_from_db()
    audit.refresh_from_db()
    assert moderation.status == ModerationStatus.COMPLETED
    assert (moderation.auditor_overall_scale, audit.overall_scale) == (8, 5)

    with page_for(browser, live_server, org.director, home=False) as page:
        journey = Journey(page, "auditor")
        journey.open(f"/moderation/{moderation.pk}/", "moderated audit")
        assert page.locator("#auditor-overall").inner_text() == "8"
        page.fill("#id_text", "Thank you: I will look again at how I scale plans.")
        page.click("button:has-text('Send reply')")
        page.wait_for_selector("text=Reply sent")
        journey.check("reply sent")

    with page_for(browser, live_server, org.performance, home=False) as page:
        journey = Journey(page, "report")
        journey.open("/reports/moderation/", "moderation report")
        assert page.locator("#figure-moderated").inner_text() == "1"
        journey.open("/reports/quality/audits/", "practice quality: overall scale")
        assert page.locator("#grades-moderated").is_visible()
    assert moderation.replies.count() == 1


def test_calibration_set_up_scored_closed_and_compared(browser, live_server, org, shipped_tools):
    with page_for(browser, live_server, org.performance, home=False) as page:
        journey = Journey(page, "calibration lead")
        journey.open("/moderation/calibration/", "calibration index")
        page.click("text=Set up an exercise")
        page.wait_for_url("**/moderation/calibration/new/")
        journey.check("new exercise")
        page.fill("#id_title", "Child D: a plan that drifts")
        page.fill("#id_summary", "A written, anonymised summary made for training.")
        page.select_option("#id_tool", label="Generic Audit Tool")
        page.select_option("#id_invited", [str(org.ps1.pk), str(org.ps2.pk)])
        page.click("button:has-text('Set up and invite')")
        page.wait_for_selector("text=Exercise set up")
        journey.check("exercise open (lead)")
        url = page.url
        for select in page.locator("select[id^='ref-']").all():
            select.select_option("5")
        page.click("button:has-text('Save the references')")
        page.wait_for_selector("text=Reference scales saved")

    for staff, value in ((org.ps1, "7"), (org.ps2, "5")):
        with page_for(browser, live_server, staff, home=False) as page:
            journey = Journey(page, "calibration scorer")
            page.goto(url)
            for select in page.locator("#score-form select").all():
                select.select_option(value)
            page.click("button:has-text('Submit my scales')")
            page.wait_for_selector("#submitted")
            journey.check("scored, blind")
            assert page.locator("#results").count() == 0

    with page_for(browser, live_server, org.performance, home=False) as page:
        page.goto(url)
        page.click("#close-exercise")
        page.wait_for_selector("text=Exercise closed")

    with page_for(browser, live_server, org.ps1, home=False) as page:
        journey = Journey(page, "calibration results")
        page.goto(url)
        page.wait_for_selector("#calibration-dots")
        journey.check("results")
        assert "+2" in page.locator("#results-table").inner_text()
        journey.open("/moderation/calibration/", "my calibration")
        assert page.locator("#history").is_visible()
