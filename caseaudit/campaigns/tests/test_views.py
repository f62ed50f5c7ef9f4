"""The campaign pages, by persona: the list, setting one up, the draft's preview and its
confirmation, the progress page, the report, an auditor starting an audit, closing early."""

import re

import pytest
from django.urls import reverse

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits.models import Audit, AuditReason
from caseaudit.campaigns.models import Campaign, CampaignCase, CampaignStatus
from caseaudit.factories import CaseFactory

from .helpers import make_campaign


@pytest.fixture
def day(org, lead_member):
    return make_campaign(
        by=org.csm_north,
        auditors=[lead_member],
        team_ids=[org.north_b.pk],
        sample_size=1,
        purpose="assurance_day",
        name="Lead Member day",
        confirm=True,
    )


def status(login, staff, url, method="get", data=None):
    client = login(staff)
    return getattr(client, method)(url, data or {}).status_code


def test_the_list_by_persona(org, login, lead_member, day):
    url = reverse("campaign_list")
    for staff in (org.worker, org.colleague, org.business_support, org.iro):
        assert status(login, staff, url) == 404
    for staff in (org.ps1, org.tm, org.csm_north, org.director, org.performance, lead_member):
        assert status(login, staff, url) == 200
    assert "Lead Member day" in login(lead_member).get(url).content.decode()
    assert "Lead Member day" not in login(org.tm_b).get(url).content.decode()


def test_the_header_links_the_list_for_those_who_have_it(org, login, lead_member):
    page = login(lead_member).get(reverse("home")).content.decode()
    assert reverse("campaign_list") in page
    page = login(org.worker).get(reverse("home")).content.decode()
    assert reverse("campaign_list") not in page


# Session, user, the campaigns (one query with their case counts), the CSM's service (may
# they set one up), the header's unread count.
LIST_QUERIES = 5


def test_the_list_reads_a_fixed_number_of_queries(
    org, login, lead_member, day, django_assert_num_queries
):
    client = login(org.csm_north)
    url = reverse("campaign_list")
    with django_assert_num_queries(LIST_QUERIES):
        client.get(url)
    make_campaign(by=org.csm_north, auditors=[org.director], name="Another")
    make_campaign(by=org.csm_north, auditors=[org.director], name="And another", confirm=True)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200


def test_setting_one_up_then_previewing_and_confirming(org, login, lead_member):
    client = login(org.csm_north)
    page = client.get(reverse("campaign_create")).content.decode()
    # The teams of the CSM's service only.
    offered = set(re.findall(r'name="team_ids" id="[^"]+" value="(\d+)"', page))
    assert offered == {str(org.north_a.pk), str(org.north_b.pk)}
    response = client.post(
        reverse("campaign_create"),
        {
            "name": "CP plans",
            "purpose": "themes",
            "starts_on": "2026-12-05",
            "ends_on": "2099-12-31",
            "tool": Campaign._meta.get_field("tool").related_model.objects.get(code="generic").pk,
            "team_ids": [org.north_b.pk],
            "sample_size": "1",
            "seed": "5",
            "auditors": [lead_member.pk],
        },
    )
    campaign = Campaign.objects.get(name="CP plans")
    assert response.status_code == 302 and response.url == reverse(
        "campaign_detail", args=[campaign.pk]
    )
    page = client.get(response.url).content.decode()
    assert org.case_b.reference in page and "Drawn 1 of 1 matching cases (seed 5)" in page
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1)
    client.post(
        reverse("campaign_confirm", args=[campaign.pk]),
        {"revision": campaign.revision, "fingerprint": fingerprint},
    )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CONFIRMED


def test_a_stale_preview_is_not_confirmed(org, login):
    campaign = make_campaign(by=org.csm_north, auditors=[org.director], sample_size=5)
    client = login(org.csm_north)
    page = client.get(reverse("campaign_detail", args=[campaign.pk])).content.decode()
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1)
    CaseFactory(team=org.north_b)
    response = client.post(
        reverse("campaign_confirm", args=[campaign.pk]),
        {"revision": campaign.revision, "fingerprint": fingerprint},
        follow=True,
    )
    assert "changed since your preview" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_an_empty_form_is_shown_again_with_its_errors(org, login):
    response = login(org.tm).post(reverse("campaign_create"), {})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter the campaign’s name" in page and "Invite at least one auditor" in page


def test_the_lead_member_sees_their_case_starts_its_audit_and_the_progress_counts_it(
    org, login, lead_member, day
):
    client = login(lead_member)
    page = client.get(reverse("campaign_detail", args=[day.pk])).content.decode()
    item = CampaignCase.objects.get(campaign=day)
    assert org.case_b.reference in page and org.case.reference not in page
    assert "Start the audit" in page and "Progress" not in page
    response = client.post(reverse("campaign_case_start", args=[item.pk]))
    audit = Audit.objects.get(case=org.case_b, auditor=lead_member)
    assert response.url == reverse("audit_edit", args=[audit.pk])
    assert audit.reason == AuditReason.THEMATIC
    # Again: the same draft, not a second one.
    assert client.post(reverse("campaign_case_start", args=[item.pk])).url == response.url
    manager = login(org.csm_north).get(reverse("campaign_detail", args=[day.pk])).content.decode()
    assert re.search(r'id="figure-started">1<', manager)
    assert re.search(r'id="figure-completed">0<', manager)


def test_the_lead_member_sees_no_other_case_and_no_report(org, login, lead_member, day):
    client = login(lead_member)
    assert client.get(reverse("case_detail", args=[org.case_b.pk])).status_code == 200
    assert client.get(reverse("case_detail", args=[org.case.pk])).status_code == 404
    assert client.get(reverse("campaign_report", args=[day.pk])).status_code == 404
    assert client.get(reverse("report_index")).status_code == 404
    item = CampaignCase.objects.get(campaign=day)
    assert (
        login(org.director).post(reverse("campaign_case_start", args=[item.pk])).status_code == 404
    )


def test_the_progress_page_by_persona_and_its_access_log(org, login, lead_member, day):
    url = reverse("campaign_detail", args=[day.pk])
    for staff in (org.csm_north, org.director, org.performance, lead_member):
        assert status(login, staff, url) == 200
    for staff in (org.tm, org.tm_b, org.worker, org.ps1, org.tm_south):
        assert status(login, staff, url) == 404
    assert AccessEvent.objects.filter(
        user=org.csm_north.user, object_type="case_list", object_id=f"campaign-{day.pk}"
    ).exists()


# Session, user, the campaign, the access log, the team criterion's names, the bands, the
# invitations, the history, the cases (with their case, team, auditor, assignment), the
# campaign's audits, the header's unread count.
PROGRESS_QUERIES = 11


def test_the_progress_page_reads_a_fixed_number_of_queries(
    org, login, lead_member, day, django_assert_num_queries
):
    client = login(org.csm_north)
    with django_assert_num_queries(PROGRESS_QUERIES):
        client.get(reverse("campaign_detail", args=[day.pk]))
    bigger = make_campaign(
        by=org.csm_north,
        auditors=[lead_member, org.director],
        team_ids=[org.north_a.pk, org.north_b.pk],
        sample_size=3,
        confirm=True,
    )
    item = CampaignCase.objects.filter(campaign=bigger, auditor=lead_member).first()
    from caseaudit.campaigns import services

    services.campaign_audit_start(item=item, by=lead_member.user)
    with django_assert_num_queries(PROGRESS_QUERIES):
        assert client.get(reverse("campaign_detail", args=[bigger.pk])).status_code == 200


# Session, user, the campaign, the access log, the bands, then the report's five queries
# (the overview, themes, urgent findings, actions... see selectors.campaign_report) and the
# header's unread count.
REPORT_QUERIES = 10


def test_the_report_by_persona_and_its_queries(
    org, login, lead_member, day, django_assert_num_queries
):
    url = reverse("campaign_report", args=[day.pk])
    for staff in (org.csm_north, org.director, org.performance):
        assert status(login, staff, url) == 200
    for staff in (lead_member, org.tm, org.worker):
        assert status(login, staff, url) == 404
    client = login(org.csm_north)
    with django_assert_num_queries(REPORT_QUERIES):
        page = client.get(url).content.decode()
    assert "No audit of the campaign is completed yet." in page


def test_closing_early(org, login, lead_member, day):
    client = login(org.csm_north)
    client.post(reverse("campaign_close", args=[day.pk]), {"reason": "Moved to January."})
    day.refresh_from_db()
    assert day.status == CampaignStatus.CLOSED
    assert login(lead_member).get(reverse("campaign_detail", args=[day.pk])).status_code == 404
    assert login(lead_member).get(reverse("case_detail", args=[org.case_b.pk])).status_code == 404


def test_a_draft_is_changed_by_its_managers_only(org, login):
    campaign = make_campaign(by=org.tm, auditors=[org.director])
    assert status(login, org.tm, reverse("campaign_edit", args=[campaign.pk])) == 200
    assert status(login, org.csm_north, reverse("campaign_edit", args=[campaign.pk])) == 200
    assert status(login, org.tm_b, reverse("campaign_edit", args=[campaign.pk])) == 404
    page = login(org.tm).get(reverse("campaign_edit", args=[campaign.pk])).content.decode()
    assert 'name="team_ids"' not in page  # one team: nothing to choose
