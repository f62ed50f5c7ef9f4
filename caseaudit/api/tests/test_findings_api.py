"""Acknowledging and withdrawing an urgent finding through the API: the same rules as the
finding's pages (audits/finding_views.py), by persona, with the answers a client can act on."""

import pytest

from caseaudit.accounts.models import AccessEvent, AccessObjectType
from caseaudit.audits.models import EventKind, UrgentFinding
from caseaudit.qa.tests.conftest import finding_raised

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(org):
    """An open finding on the worker's case, raised by the service's CSM."""
    return finding_raised(case=org.case, auditor=org.csm_north)


def _ack(api, person, finding, text="Strategy meeting held today; safety plan agreed."):
    return api(person).post(f"/api/v1/findings/{finding.pk}/acknowledge", {"action_taken": text})


def _withdraw(api, person, finding, reason="Scaled 2 by mistake: meant 7."):
    return api(person).post(f"/api/v1/findings/{finding.pk}/withdraw", {"reason": reason})


def test_the_team_manager_acknowledges_and_the_finding_closes(api, org, finding):
    response = _ack(api, org.tm, finding)
    assert response.status_code == 200, response.content
    out = {f["id"]: f for f in response.json()["findings"]}[finding.pk]
    assert out["status"] == "acknowledged"
    assert out["action_taken"] == "Strategy meeting held today; safety plan agreed."
    finding.refresh_from_db()
    assert finding.acknowledged_by == org.tm.user
    assert finding.audit.events.filter(kind=EventKind.FINDING_ACKNOWLEDGED).count() == 1
    assert AccessEvent.objects.filter(
        user=org.tm.user, object_type=AccessObjectType.AUDIT, object_id=str(finding.audit_id)
    ).exists()


def test_a_second_acknowledgement_is_a_conflict_and_changes_nothing(api, org, finding):
    assert _ack(api, org.tm, finding).status_code == 200
    again = _ack(api, org.ps1, finding, text="Something else.")
    assert again.status_code == 409
    assert "already been acknowledged" in again.json()["detail"]
    finding.refresh_from_db()
    assert finding.acknowledged_by == org.tm.user
    assert finding.action_taken.startswith("Strategy meeting")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("ps1", 200),  # the case's Practice Supervisor
        ("csm_north", 200),  # the service's CSM (who raised it here)
        ("director", 200),
        ("worker", 403),  # sees the case, may not acknowledge
        ("performance", 403),  # sees every case, manages none
        ("colleague", 404),  # a practitioner sees only their own cases
        ("outsider", 404),  # cannot see the case
        ("tm_south", 404),
    ],
)
def test_who_may_acknowledge(api, org, finding, persona, status):
    response = _ack(api, getattr(org, persona), finding)
    assert response.status_code == status, response.content
    finding.refresh_from_db()
    assert (finding.acknowledged_at is not None) == (status == 200)


def test_an_empty_action_is_refused_naming_the_field(api, org, finding):
    response = _ack(api, org.tm, finding, text="   ")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["action_taken"]
    finding.refresh_from_db()
    assert finding.acknowledged_at is None


def test_the_auditor_withdraws_and_others_may_not(api, org, finding):
    assert _withdraw(api, org.tm, finding).status_code == 403
    assert _withdraw(api, org.worker, finding).status_code == 403
    assert _withdraw(api, org.outsider, finding).status_code == 404
    response = _withdraw(api, org.csm_north, finding)
    assert response.status_code == 200, response.content
    out = {f["id"]: f for f in response.json()["findings"]}[finding.pk]
    assert out["status"] == "withdrawn"
    assert out["withdrawn_reason"] == "Scaled 2 by mistake: meant 7."
    # Of a withdrawal and an acknowledgement, the one that comes second changes nothing.
    assert _ack(api, org.tm, finding).status_code == 409
    assert UrgentFinding.objects.get(pk=finding.pk).acknowledged_at is None


def test_an_unknown_finding_is_not_found(api, org):
    assert _ack(api, org.tm, UrgentFinding(pk=987654)).status_code == 404


def test_the_acknowledgement_reads_a_fixed_number_of_queries(
    api, org, finding, django_assert_num_queries
):
    client = api(org.tm)
    client.get("/api/v1/audits")  # the token's first use is recorded once
    with django_assert_num_queries(QUERIES):
        response = client.post(
            f"/api/v1/findings/{finding.pk}/acknowledge", {"action_taken": "Done."}
        )
    assert response.status_code == 200


# The token and its user, the finding with its case and audit, the access log, the
# compare-and-set and its history line, then the audit read back in full.
QUERIES = 20
