"""GET /api/v1/campaigns and /api/v1/campaigns/{id}: scoped as the pages."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse

from caseaudit.accounts.models import AccessEvent
from caseaudit.api.services import api_token_issue
from caseaudit.api.tests.test_schemathesis import EXAMPLES, fuzz
from caseaudit.campaigns.models import CampaignCase

from .helpers import make_campaign


def get(client, staff, url):
    secret = api_token_issue(user=staff.user, name="t", by=staff.user)[1]
    return client.get(url, headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def day(org, lead_member):
    return make_campaign(
        by=org.csm_north,
        auditors=[lead_member, org.ps1],
        team_ids=[org.north_b.pk],
        sample_size=1,
        confirm=True,
    )


def test_the_list_is_scoped(client, org, lead_member, day):
    url = reverse("api:campaign_list")
    for staff, count in ((org.csm_north, 1), (org.director, 1), (org.tm_b, 0), (org.worker, 0)):
        body = get(client, staff, url).json()
        assert body["count"] == count, staff
    body = get(client, lead_member, url).json()
    assert [c["id"] for c in body["items"]] == [day.pk]
    assert body["items"][0]["phase"] == "running" and body["items"][0]["tool"] == "generic"


def test_the_detail_shows_managers_every_case_and_an_auditor_their_own(
    client, org, lead_member, day
):
    url = reverse("api:campaign_detail", kwargs={"campaign_id": day.pk})
    body = get(client, org.csm_north, url).json()
    assert body["manages"] is True and len(body["cases"]) == 1
    assert body["criteria"] == ["Team: North B"]
    item = CampaignCase.objects.get(campaign=day)
    assert body["cases"][0]["case"] == {"id": org.case_b.pk, "reference": org.case_b.reference}
    assert body["cases"][0]["audit_status"] == "not_started"
    mine = get(client, item.auditor, url).json()
    assert mine["manages"] is False and mine["criteria"] == []
    assert [c["case"]["id"] for c in mine["cases"]] == [org.case_b.pk]
    assert AccessEvent.objects.filter(object_id=f"campaign-{day.pk}").count() == 2
    for staff in (org.worker, org.tm_b, org.tm):
        assert get(client, staff, url).status_code == 404
    assert client.get(url).status_code == 401


# The token (with its user and staff), the campaign, the access log, the cases, the
# campaign's audits, the team criterion's names, the bands, and the API's own bookkeeping.
API_DETAIL_QUERIES = 9


def test_the_detail_reads_a_fixed_number_of_queries(
    client, org, lead_member, day, django_assert_num_queries
):
    secret = api_token_issue(user=org.csm_north.user, name="t", by=org.csm_north.user)[1]
    headers = {"Authorization": f"Bearer {secret}"}
    bigger = make_campaign(
        by=org.csm_north,
        auditors=[lead_member, org.director],
        team_ids=[org.north_a.pk, org.north_b.pk],
        sample_size=3,
        confirm=True,
    )
    client.get(reverse("api:campaign_list"), headers=headers)  # the token's first use noted
    for campaign in (day, bigger):
        url = reverse("api:campaign_detail", kwargs={"campaign_id": campaign.pk})
        with django_assert_num_queries(API_DETAIL_QUERIES):
            assert client.get(url, headers=headers).status_code == 200


@pytest.mark.fuzz
def test_the_campaign_operations_survive_fuzzing(org, lead_member, day):
    """The project's schemathesis checks (caseaudit/api/tests/test_schemathesis.py) on this
    app's two operations, with a manager's token and the campaign among the ids drawn."""
    secret = api_token_issue(user=org.csm_north.user, name="fuzz", by=org.csm_north.user)[1]
    request_started.disconnect(close_old_connections)  # as the project's fuzzing does
    request_finished.disconnect(close_old_connections)
    try:
        _fuzz_campaigns(secret, day)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz_campaigns(secret, day):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/v1/campaigns")
    ]
    assert len(operations) == 2
    calls: dict[str, int] = {}
    statuses: dict[int, int] = {}
    for operation in operations:
        records = {"campaign_id": [day.pk]} if operation.path_parameters else {}
        for mode in EXAMPLES:
            fuzz(
                operation,
                mode,
                headers={"Authorization": f"Bearer {secret}"},
                records=records,
                calls=calls,
                statuses=statuses,
            )
    assert len(calls) == 2 and statuses.get(200, 0) > 0
