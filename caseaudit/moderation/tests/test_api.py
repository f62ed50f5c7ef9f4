"""The moderation API: blind for the moderator until compared, the lifecycle, and the
moderation report's figures."""

import datetime as dt

import pytest

from caseaudit.api.services import api_token_issue
from caseaudit.api.tests.conftest import ApiClient
from caseaudit.moderation import services

pytestmark = pytest.mark.django_db


def api(staff) -> ApiClient:
    return ApiClient(api_token_issue(user=staff.user, name="tests", by=staff.user)[1])


@pytest.fixture
def moderation(org, audits):
    audits.make(case=org.case, auditor=org.director, on=dt.date(2026, 10, 12), scale=8, overall=8)
    sample = services.sample_generate(month=dt.date(2026, 10, 1), seed=4, by=None)
    m = sample.moderations.get()
    if m.moderator_id != org.performance.pk:
        m = services.sample_swap(moderation=m, moderator=org.performance, by=org.performance.user)
    services.sample_confirm(sample=sample, by=org.performance.user)
    m.refresh_from_db()
    return m


def test_blind_save_complete_through_the_api(org, audits, moderation):
    client = api(org.performance)
    url = f"/api/v1/moderations/{moderation.pk}"
    body = client.get(url).json()
    assert body["auditor_scales_shown"] is False
    assert body["auditor_overall_scale"] is None
    assert all(s["auditor_scale"] is None for s in body["sections"])
    assert "8" not in {str(s["auditor_scale"]) for s in body["sections"]}
    listed = client.get("/api/v1/moderations").json()
    assert [m["id"] for m in listed] == [moderation.pk]
    assert api(org.director).get(url).status_code == 404  # the auditor: not before completion
    assert api(org.worker).get(url).status_code == 404
    sections = {str(s.pk): {"scale": 5} for s in audits.scaled}
    saved = client.put(
        url, {"revision": body["revision"], "sections": sections, "overall_scale": 5}
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["auditor_scales_shown"] is False
    stale = client.put(
        url, {"revision": body["revision"], "sections": sections, "overall_scale": 5}
    )
    assert stale.status_code == 409
    assert api(org.director).put(url, {"revision": saved.json()["revision"]}).status_code == 404
    refused = client.post(f"{url}/complete")
    assert refused.status_code == 422  # three points apart: rationales needed
    body = client.get(url).json()
    assert body["auditor_scales_shown"] is True and body["auditor_overall_scale"] == 8
    rationales = {
        str(s.pk): {"scale": 5, "rationale": "No dates in the plan."} for s in audits.scaled
    }
    saved = client.put(
        url,
        {
            "revision": body["revision"],
            "sections": rationales,
            "overall_scale": 5,
            "overall_rationale": "Drift.",
        },
    )
    assert saved.status_code == 200, saved.content
    done = client.post(f"{url}/complete")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    auditor_view = api(org.director).get(url)
    assert auditor_view.status_code == 200
    assert auditor_view.json()["auditor_overall_scale"] == 8
    assert auditor_view.json()["overall_scale"] == 5


def test_report_endpoint(org, audits, moderation):
    by = org.performance.user
    m = services.moderation_save(
        moderation=moderation,
        by=by,
        revision=moderation.revision,
        sections={s.pk: {"scale": 7} for s in audits.scaled},
        overall_scale=7,
    )
    m = services.moderation_reveal(moderation=m, by=by)
    services.moderation_complete(moderation=m, by=by)
    response = api(org.performance).get("/api/v1/reports/moderation", {"period": "12m"})
    assert response.status_code == 200, response.content
    figures = response.json()["figures"]
    assert figures["moderated"] == 1
    assert figures["within_one"] == 100.0 and figures["exact_agreement"] == 0.0
    assert figures["mean_difference"] == 1.0
    assert figures["grades_changed"] == 100.0
    assert {t["key"] for t in response.json()["tables"]} == {"by-auditor", "by-month", "by-band"}
    assert api(org.worker).get("/api/v1/reports/moderation").status_code == 404
    assert api(org.business_support).get("/api/v1/reports/moderation").status_code == 404
    tm = api(org.tm).get("/api/v1/reports/moderation").json()
    assert tm["figures"]["moderated"] == 1  # the case is in the TM's team
    assert api(org.tm_b).get("/api/v1/reports/moderation").json()["figures"]["moderated"] == 0
