"""GET /api/v1/audits/{id}/feedback: who reads it, what it holds, its query count."""

import pytest
from django.test import Client

from caseaudit.accounts.models import AccessEvent
from caseaudit.api.services import api_token_issue
from caseaudit.feedback import services

from .conftest import answer

pytestmark = pytest.mark.django_db


def get(staff, audit):
    _token, secret = api_token_issue(user=staff.user, name="t", by=staff.user)
    return Client().get(
        f"/api/v1/audits/{audit.pk}/feedback", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


def test_the_feedback_of_an_audit(org, draft, make_request, django_assert_max_num_queries):
    _request, token = make_request()
    answer(Client(), token, going_well="<b>Good</b>", scale="8", share="yes")
    services.collaboration_invite(audit=draft, by=org.csm_north.user)
    response = get(org.tm, draft)
    assert response.status_code == 200
    data = response.json()
    (item,) = data["feedback"]
    assert item["going_well"] == "<b>Good</b>" and item["scale"] == 8 and item["share_consent"]
    assert data["reflection"]["practitioner"]["name"] == org.worker.name
    assert AccessEvent.objects.filter(
        user=org.tm.user, object_type="audit", object_id=str(draft.pk)
    ).exists()


@pytest.mark.parametrize(
    "who,status",
    [("worker", 200), ("colleague", 404), ("business_support", 404), ("outsider", 404)],
)
def test_who_reads_it(org, draft, who, status):
    assert get(getattr(org, who), draft).status_code == status
