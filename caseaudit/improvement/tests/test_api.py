"""/api/v1/improvement/: published findings reports and improvement actions, scoped."""

import pytest

from caseaudit.accounts.models import AccessEvent
from caseaudit.api.services import api_token_issue
from caseaudit.api.tests.conftest import ApiClient
from caseaudit.improvement import services
from caseaudit.improvement.models import ActionStatus

from .conftest import completed_audit, draft_report, published_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db):
    def _api(person):
        user = person.user
        _token, secret = api_token_issue(user=user, name="tests", by=user)
        return ApiClient(secret)

    return _api


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_published_reports_are_listed_for_the_managers_in_scope(org, api):
    completed_audit(case=org.case, auditor=org.director, scale=3)
    report = published_report(org)
    team = published_report(org, kind="team", team=org.north_b)
    draft = draft_report(org)
    assert set(_ids(api(org.performance).get("/api/v1/improvement/reports"))) == {
        report.pk,
        team.pk,
    }
    assert _ids(api(org.tm).get("/api/v1/improvement/reports")) == [report.pk]
    assert _ids(api(org.worker).get("/api/v1/improvement/reports")) == []
    assert draft.pk not in _ids(api(org.performance).get("/api/v1/improvement/reports"))


def test_a_report_in_full(org, api, django_assert_max_num_queries):
    completed_audit(case=org.case, auditor=org.director, scale=3)
    report = published_report(org)
    client = api(org.tm)
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/improvement/reports/{report.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "authority"
    assert body["figures"]["figures"]["audits"] == 1
    assert [r["number"] for r in body["recommendations"]] == [1, 2]
    assert body["recommendations"][0]["owner"]["id"] == org.tm.pk
    assert AccessEvent.objects.filter(object_id=f"findings-report-{report.pk}").exists()
    assert api(org.worker).get(f"/api/v1/improvement/reports/{report.pk}").status_code == 404
    draft = draft_report(org)
    assert api(org.performance).get(f"/api/v1/improvement/reports/{draft.pk}").status_code == 404


def test_actions_list_filters_and_detail(org, api):
    report = published_report(org)
    north = published_report(org, kind="service", service=org.north)
    action = report.actions.get(number=1)
    services.action_update(
        action=action,
        by=org.tm.user,
        status=ActionStatus.IN_PROGRESS,
        note="Started.",
        evidence_url="https://intranet.example/x",
    )
    client = api(org.performance)
    assert len(_ids(client.get("/api/v1/improvement/actions"))) == 4
    assert set(_ids(client.get("/api/v1/improvement/actions", {"service": org.north.pk}))) == set(
        north.actions.values_list("pk", flat=True)
    )
    assert _ids(client.get("/api/v1/improvement/actions", {"status": "in_progress"})) == [action.pk]
    assert client.get("/api/v1/improvement/actions", {"status": "nonsense"}).status_code == 422
    detail = client.get(f"/api/v1/improvement/actions/{action.pk}").json()
    assert detail["status"] == "in_progress" and detail["overdue"] is False
    assert detail["updates"][0]["evidence_url"] == "https://intranet.example/x"
    assert api(org.worker).get(f"/api/v1/improvement/actions/{action.pk}").status_code == 404
    # an owner outside the readers sees their own action
    assert _ids(api(org.tm).get("/api/v1/improvement/actions"))


def test_the_api_needs_a_token(client, org):
    assert client.get("/api/v1/improvement/reports").status_code == 401


def test_the_lists_query_counts_do_not_grow(org, api, django_assert_max_num_queries):
    published_report(org)
    client = api(org.tm)
    counts = {}
    for path in ("/api/v1/improvement/reports", "/api/v1/improvement/actions"):
        with django_assert_max_num_queries(20) as captured:
            assert client.get(path).status_code == 200
        counts[path] = len(captured.captured_queries)
    for _ in range(3):
        published_report(org)
    for path, count in counts.items():
        with django_assert_max_num_queries(count):
            assert client.get(path).status_code == 200
