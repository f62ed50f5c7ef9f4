"""The campaigns' journey in headless Chromium, with axe-core run on every page visited: a
Children's Service Manager sets up a Safeguarding Assurance Day (criteria, sample, a Lead
Member invited), previews its sample and confirms it; the Lead Member signs in, sees only the
case given to them (never the worker's case), starts its audit from the campaign and saves it;
the CSM's progress page counts it started, then completed, and the campaign's report counts it.
"""

import re

import pytest
from django.utils import timezone

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit, AuditReason
from caseaudit.campaigns.models import Campaign, CampaignCase, CampaignStatus
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role
from caseaudit.workflows import audits as workflows

from .browser import Journey, page_for
from .conftest import audit_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_csm_runs_an_assurance_day_and_the_lead_member_audits_their_case(
    browser, live_server, org, shipped_tools
):
    lead_member = StaffFactory(role=Role.LEAD_MEMBER, team=None, name="Cllr Ruth Ashworth")
    today = timezone.localdate().isoformat()

    # The CSM sets it up: North B's cases (the child protection case), one case, seed 7.
    with page_for(browser, live_server, org.csm_north) as page:
        journey = Journey(page, "csm-campaign")
        page.click("nav >> text=Campaigns")
        page.wait_for_url("**/campaigns/")
        journey.check("campaigns")
        page.click("text=Set up a campaign")
        page.wait_for_url("**/campaigns/new/")
        journey.check("set up")
        page.fill("#id_name", "Assurance Day: child protection")
        page.check("input[name=purpose][value=assurance_day]")
        page.fill("#id_starts_on", today)
        page.fill("#id_ends_on", today)
        page.select_option("#id_tool", label="Generic Audit Tool")
        page.check(f"input[name=team_ids][value='{org.north_b.pk}']")
        page.fill("#id_sample_size", "1")
        page.fill("#id_seed", "7")
        page.check(f"input[name=auditors][value='{lead_member.pk}']")
        with page.expect_navigation():
            page.click("button:has-text('Set up the draft')")
        campaign = Campaign.objects.get(name="Assurance Day: child protection")
        page.wait_for_url(f"**/campaigns/{campaign.pk}/")
        assert "Drawn 1 of 1 matching cases (seed 7)" in page.inner_text("#sample")
        assert org.case_b.reference in page.inner_text("#sample")
        journey.check("draft preview")
        with page.expect_navigation():
            page.click("button:has-text('Confirm this sample')")
        assert page.locator("text=Campaign confirmed").count() == 1
        journey.check("confirmed")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CONFIRMED
    item = CampaignCase.objects.get(campaign=campaign)
    assert (item.case_id, item.auditor_id) == (org.case_b.pk, lead_member.pk)

    # The Lead Member sees their one case, and nothing else.
    with page_for(browser, live_server, lead_member) as page:
        journey = Journey(page, "lead-member")
        journey.check("home")
        page.click("nav >> text=Campaigns")
        page.wait_for_url("**/campaigns/")
        journey.check("campaigns")
        page.click("text=Assurance Day: child protection")
        page.wait_for_url(f"**/campaigns/{campaign.pk}/")
        mine = page.inner_text("#my-cases")
        assert org.case_b.reference in mine and org.case.reference not in mine
        assert page.locator("#progress-figures").count() == 0
        journey.check("campaign")
        page.click("nav >> text=Cases")
        page.wait_for_url("**/cases/")
        listed = page.inner_text("main")
        assert org.case_b.reference in listed
        for other in (org.case, org.colleague_case, org.south_case):
            assert other.reference not in listed
        journey.check("cases")
        # Not found (the bare 404 page is not part of this journey's axe checks).
        for path in (f"/cases/{org.case.pk}/", f"/campaigns/{campaign.pk}/report/", "/reports/"):
            assert page.goto(live_server.url + path).status == 404, path
        journey.open(f"/campaigns/{campaign.pk}/", "campaign again")
        with page.expect_navigation():
            page.click("#my-cases button:has-text('Start the audit')")
        page.wait_for_url("**/audits/*/edit/**")
        audit = Audit.objects.get(case=org.case_b, auditor=lead_member)
        assert audit.reason == AuditReason.THEMATIC
        journey.check("audit form")
        first = audit.tool_version.sections.order_by("order", "id").first()
        page.goto(f"{live_server.url}/audits/{audit.pk}/edit/section-1/")
        page.fill(f"textarea[name='s{first.pk}-working_well']", "The plan is clear and current.")
        page.check(f"input[name='s{first.pk}-scale'][value='7']")
        with page.expect_navigation():
            page.click("button[name=intent][value=later]")
        journey.check("audit saved")
    audit.refresh_from_db()
    assert audit.revision > 1

    # The CSM's progress page counts it started; once completed, completed and in the report.
    with page_for(browser, live_server, org.csm_north, home=False) as page:
        journey = Journey(page, "csm-progress")
        journey.open(f"/campaigns/{campaign.pk}/", "progress started")
        assert page.inner_text("#figure-started") == "1"
        assert page.inner_text("#figure-completed") == "0"
        audit.refresh_from_db()
        audit_services.audit_save(
            audit=audit, by=lead_member.user, revision=audit.revision, data=audit_data(audit)
        )
        workflows.audit_complete(audit=Audit.objects.get(pk=audit.pk), by=lead_member.user)
        journey.open(f"/campaigns/{campaign.pk}/", "progress completed")
        assert page.inner_text("#figure-completed") == "1"
        assert re.search(r"Completed", page.inner_text("#progress-cases"))
        page.click("text=The campaign's report")
        page.wait_for_url(f"**/campaigns/{campaign.pk}/report/")
        assert page.inner_text("#figure-audits") == "1"
        journey.check("report")
