"""Audits through the API: the list and detail scoped as the pages, and the lifecycle (start,
save with revisions, complete, reopen) through the audits app's services."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits import selectors as audit_selectors
from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit, AuditEvent, AuditReason, AuditStatus
from caseaudit.factories import CaseFactory
from caseaudit.responses.models import QAResponse

from .conftest import ids

pytestmark = pytest.mark.django_db

PERSONAS = [
    "worker",
    "colleague",
    "ps1",
    "tm",
    "csm_north",
    "outsider",
    "tm_south",
    "performance",
    "iro",
    "cp_chair",
    "director",
]


def start(auditor, case, tool="generic", reason=AuditReason.PERMISSIVE):
    return audit_services.audit_start(case=case, auditor=auditor, tool_code=tool, reason=reason)


@pytest.fixture
def audits(org):
    """Audits of the worker's case (by the CSM), the colleague's (by the IRO) and the south
    case (by its Team Manager)."""
    return {
        "north": start(org.csm_north, org.case),
        "iro": start(org.iro, org.colleague_case, tool="iro", reason=AuditReason.IRO),
        "south": start(org.tm_south, org.south_case),
    }


def whole(audit_json, *, scale=7) -> dict:
    """A save that makes the audit complete (from the audit document the API returned)."""
    return {
        "revision": audit_json["revision"],
        "sections": {
            str(s["id"]): {"working_well": f"Good work in {s['title']}.", "scale": scale}
            for s in audit_json["sections"]
            if s["scaled"]
        },
        "voice_of_child": "The child's wishes are in their own words.",
        "overall_scale": scale,
        "summary": "A well-managed case.",
        "actions": [{"description": "Update the chronology.", "due_on": "2027-01-15"}],
        # The tool's required questions, and the family contact (audits.completion_rules).
        "questions": {
            str(q["id"]): {"answer": _answer(q)}
            for s in audit_json["sections"]
            for q in s["questions"]
            if q.get("required")
        },
        "contact_made": "yes",
        "who_contacted": "The child's mother",
        "contact_method": "phone",
    }


def _answer(question: dict) -> str:
    kind = question["kind"]
    if kind == "yes_no_na":
        return "yes"
    if kind == "choice":
        return question["choices"][0]
    if kind == "date":
        return "2026-11-02"
    return "Recorded."


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_is_the_audits_scope(org, api, audits, persona):
    staff = getattr(org, persona)
    expected = list(
        audit_selectors.audit_visible_qs(staff.user)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)
    )
    assert ids(api(staff).get("/api/v1/audits")) == expected


def test_list_personas(org, api, audits):
    assert ids(api(org.worker).get("/api/v1/audits")) == [audits["north"].pk]
    assert ids(api(org.colleague).get("/api/v1/audits")) == [audits["iro"].pk]
    assert ids(api(org.outsider).get("/api/v1/audits")) == [audits["south"].pk]
    # The auditor sees the audits they do, even of cases outside their role's scope.
    assert ids(api(org.iro).get("/api/v1/audits", {"status": "draft"})) == [audits["iro"].pk]


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_404_out_of_scope(org, api, audits, persona):
    staff = getattr(org, persona)
    client = api(staff)
    visible = set(audit_selectors.audit_visible_qs(staff.user).values_list("pk", flat=True))
    for audit in Audit.objects.all():
        response = client.get(f"/api/v1/audits/{audit.pk}")
        assert response.status_code == (200 if audit.pk in visible else 404)


def test_filters(org, api, audits):
    client = api(org.performance)
    assert ids(client.get("/api/v1/audits", {"case": org.case.pk})) == [audits["north"].pk]
    assert ids(client.get("/api/v1/audits", {"tool": "iro"})) == [audits["iro"].pk]
    assert ids(client.get("/api/v1/audits", {"status": "completed"})) == []
    today = timezone.localdate()
    assert len(ids(client.get("/api/v1/audits", {"from": today - dt.timedelta(days=1)}))) == 3
    assert ids(client.get("/api/v1/audits", {"to": today - dt.timedelta(days=1)})) == []
    assert client.get("/api/v1/audits", {"from": "yesterday"}).status_code == 422


def test_detail_content_and_access_log(org, api, audits):
    audit = audits["north"]
    body = api(org.tm).get(f"/api/v1/audits/{audit.pk}").json()
    assert body["tool"]["code"] == "generic"
    assert body["case"] == {"id": org.case.pk, "reference": org.case.reference}
    assert body["auditor"]["id"] == org.csm_north.pk
    assert body["status"] == "draft" and body["revision"] == 1
    assert len(body["sections"]) == audit.tool_version.sections.count()
    assert body["sections"][0]["questions"]
    assert body["can_edit"] is False and body["can_reopen"] is False
    event = AccessEvent.objects.get()
    assert (event.object_type, event.object_id, event.case_id) == (
        "audit",
        str(audit.pk),
        org.case.pk,
    )


def test_lifecycle(org, api):
    auditor = api(org.csm_north)
    started = auditor.post(
        "/api/v1/audits", {"case": org.case.pk, "tool": "generic", "reason": "permissive"}
    )
    assert started.status_code == 201, started.content
    audit = started.json()
    assert audit["status"] == "draft" and audit["can_edit"] is True
    pk = audit["id"]

    again = auditor.post(
        "/api/v1/audits", {"case": org.case.pk, "tool": "generic", "reason": "permissive"}
    )
    assert again.status_code == 409 and again.json()["audit_id"] == pk

    first_save = auditor.put(f"/api/v1/audits/{pk}", {"revision": 1, "summary": "Begun."})
    assert first_save.status_code == 200
    assert first_save.json()["revision"] == 2 and first_save.json()["summary"] == "Begun."

    stale = auditor.put(f"/api/v1/audits/{pk}", {"revision": 1, "summary": "Overwrite"})
    assert stale.status_code == 409
    assert stale.json()["revision"] == 2
    assert "another window" in stale.json()["detail"]
    assert Audit.objects.get(pk=pk).summary == "Begun."

    incomplete = auditor.post(f"/api/v1/audits/{pk}/complete")
    assert incomplete.status_code == 422
    problems = incomplete.json()
    assert problems["detail"] == "The audit is not complete yet"
    fields = {e["field"] for e in problems["errors"]}
    assert {"voice_of_child", "overall_scale"} <= fields
    assert any(f.endswith("-scale") for f in fields)

    saved = auditor.put(f"/api/v1/audits/{pk}", whole(first_save.json()))
    assert saved.status_code == 200, saved.content
    assert saved.json()["actions"][0]["owner"]["id"] == org.worker.pk  # the case's worker

    completed = auditor.post(f"/api/v1/audits/{pk}/complete")
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "completed"
    assert QAResponse.objects.filter(audit_id=pk, worker=org.worker).exists()

    locked = auditor.put(f"/api/v1/audits/{pk}", {"revision": completed.json()["revision"]})
    assert locked.status_code == 409

    assert api(org.worker).post(f"/api/v1/audits/{pk}/reopen", {"reason": "x"}).status_code == 403
    assert api(org.outsider).post(f"/api/v1/audits/{pk}/reopen", {"reason": "x"}).status_code == 404
    manager = api(org.tm)
    assert manager.get(f"/api/v1/audits/{pk}").json()["can_reopen"] is True
    missing = manager.post(f"/api/v1/audits/{pk}/reopen", {"reason": "  "})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    reopened = manager.post(f"/api/v1/audits/{pk}/reopen", {"reason": "Scales need evidence."})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "draft"
    assert reopened.json()["reopened_reason"] == "Scales need evidence."
    kinds = list(AuditEvent.objects.filter(audit_id=pk).values_list("kind", flat=True))
    assert kinds[0] == "started" and kinds[-1] == "reopened"
    assert "completed" in kinds


def test_start_refusals(org, api):
    # The worker cannot audit (role; own case), the outsider cannot see the case.
    body = {"case": org.case.pk, "tool": "generic", "reason": "permissive"}
    refused = api(org.worker).post("/api/v1/audits", body)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["message"] == refused.json()["detail"]
    assert api(org.outsider).post("/api/v1/audits", body).status_code == 404
    wrong_tool = api(org.csm_north).post("/api/v1/audits", {**body, "tool": "carers"})
    assert wrong_tool.status_code == 422
    assert wrong_tool.json()["errors"][0]["field"] == "tool"
    unknown = api(org.csm_north).post("/api/v1/audits", {**body, "reason": "whim"})
    assert unknown.status_code == 422
    assert not Audit.objects.exists()


def test_only_the_auditor_saves(org, api, audits):
    audit = audits["north"]
    refused = api(org.tm).put(f"/api/v1/audits/{audit.pk}", {"revision": 1, "summary": "x"})
    assert refused.status_code == 403
    assert api(org.outsider).put(f"/api/v1/audits/{audit.pk}", {"revision": 1}).status_code == 404
    assert api(org.tm).post(f"/api/v1/audits/{audit.pk}/complete").status_code == 403
    audit.refresh_from_db()
    assert audit.revision == 1 and audit.summary == ""


def test_save_errors_name_the_field(org, api, audits):
    audit = audits["north"]
    section = audit.tool_version.sections.first()
    client = api(org.csm_north)
    response = client.put(
        f"/api/v1/audits/{audit.pk}",
        {"revision": 1, "sections": {"999999": {"scale": 3}}, "who_contacted": "x" * 151},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "who_contacted"
    response = client.put(
        f"/api/v1/audits/{audit.pk}", {"revision": 1, "sections": {"999999": {"scale": 3}}}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "s999999", "message": "That section is not part of this audit's tool"}
    ]
    response = client.put(
        f"/api/v1/audits/{audit.pk}",
        {"revision": 1, "sections": {str(section.pk): {"scale": 11}}},
    )
    assert response.status_code == 422
    audit.refresh_from_db()
    assert audit.revision == 1  # nothing saved


def test_urgent_scale_raises_a_finding(org, api, audits):
    audit = audits["north"]
    section = audit.tool_version.sections.filter(scaled=True).first()
    response = api(org.csm_north).put(
        f"/api/v1/audits/{audit.pk}",
        {"revision": 1, "sections": {str(section.pk): {"scale": 1, "worried_about": "Risk."}}},
    )
    assert response.status_code == 200
    findings = response.json()["findings"]
    assert len(findings) == 1 and findings[0]["scale"] == 1
    assert response.json()["sections"][0]["band"]["urgent"] is True


def test_list_logs_and_query_count_does_not_grow(org, api, django_assert_num_queries):
    client = api(org.performance)
    start(org.csm_north, org.case)
    client.get("/api/v1/audits")
    # The access log is append-only on PostgreSQL: count what this request adds.
    logged = AccessEvent.objects.filter(object_type="audit").count()
    with django_assert_num_queries(6) as small:
        client.get("/api/v1/audits")
    assert AccessEvent.objects.filter(object_type="audit").count() == logged + 1
    for _ in range(5):
        case = CaseFactory(team=org.north_b, allocated_worker=org.worker_b)
        audit = start(org.csm_north, case)
        assert audit.status == AuditStatus.DRAFT
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/api/v1/audits")
    assert response.json()["count"] == 6
