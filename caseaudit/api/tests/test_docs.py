"""The OpenAPI document and the browsable docs: served without sign-in, from our own static
files, under the Content Security Policy; and the API's consistent errors."""

import re

import pytest

from caseaudit.api.services import api_token_issue
from caseaudit.conftest import browser_screenshot


@pytest.mark.django_db
def test_the_document_is_built_once_and_served_the_same(client, monkeypatch):
    """Building the document walks every operation (about half a second): it is built for
    the first request and the same document answers every later one."""
    import ninja.main

    from caseaudit.api.api import api

    monkeypatch.setattr(api, "_openapi_schemas", {}, raising=False)
    built = []
    real = ninja.main.get_schema
    monkeypatch.setattr(ninja.main, "get_schema", lambda **kw: built.append(1) or real(**kw))
    first = client.get("/api/v1/openapi.json").json()
    second = client.get("/api/v1/openapi.json").json()
    assert len(built) == 1
    assert first == second and "/api/v1/cases" in first["paths"]


@pytest.mark.django_db
def test_openapi_document_is_public_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "caseaudit API" and doc["info"]["version"] == "1"
    assert doc["components"]["securitySchemes"] == {
        "ApiTokenAuth": {"type": "http", "scheme": "bearer"}
    }
    operations = {
        (method.upper(), path) for path, methods in doc["paths"].items() for method in methods
    }
    assert operations == {
        ("GET", "/api/v1/cases"),
        ("GET", "/api/v1/cases/{case_id}"),
        ("GET", "/api/v1/staff"),
        ("GET", "/api/v1/teams"),
        ("GET", "/api/v1/audits"),
        ("POST", "/api/v1/audits"),
        ("GET", "/api/v1/audits/{audit_id}"),
        ("PUT", "/api/v1/audits/{audit_id}"),
        ("POST", "/api/v1/audits/{audit_id}/complete"),
        ("POST", "/api/v1/audits/{audit_id}/reopen"),
        ("POST", "/api/v1/audits/{audit_id}/discard"),
        ("POST", "/api/v1/findings/{finding_id}/acknowledge"),
        ("POST", "/api/v1/findings/{finding_id}/withdraw"),
        ("GET", "/api/v1/responses"),
        ("GET", "/api/v1/responses/{response_id}"),
        ("GET", "/api/v1/allocations"),
        ("GET", "/api/v1/due"),
        ("GET", "/api/v1/reports/compliance"),
        ("GET", "/api/v1/reports/responses"),
        ("GET", "/api/v1/reports/quality"),
        ("GET", "/api/v1/reports/findings"),
        ("GET", "/api/v1/reports/moderation"),
        ("GET", "/api/v1/audits/{audit_id}/feedback"),
        ("GET", "/api/v1/moderations"),
        ("GET", "/api/v1/moderations/{moderation_id}"),
        ("PUT", "/api/v1/moderations/{moderation_id}"),
        ("POST", "/api/v1/moderations/{moderation_id}/complete"),
        ("GET", "/api/v1/campaigns"),
        ("GET", "/api/v1/campaigns/{campaign_id}"),
        ("GET", "/api/v1/improvement/reports"),
        ("GET", "/api/v1/improvement/reports/{report_id}"),
        ("GET", "/api/v1/improvement/actions"),
        ("GET", "/api/v1/improvement/actions/{action_id}"),
    }
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            assert operation["security"] == [{"ApiTokenAuth": []}], (method, path)
            assert {"401", "422", "429"} <= set(operation["responses"]), (method, path)


@pytest.mark.django_db
def test_docs_page_uses_local_assets_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    for attributes in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.mark.django_db
def test_errors_are_consistent_json(org, client):
    response = client.get("/api/v1/audits/1")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized", "errors": []}
    _, secret = api_token_issue(user=org.performance.user, name="t", by=org.performance.user)
    headers = {"Authorization": f"Bearer {secret}"}
    missing = client.get("/api/v1/audits/999", headers=headers)
    assert missing.status_code == 404 and missing.json() == {"detail": "Not found", "errors": []}
    invalid = client.post(
        "/api/v1/audits", "{not json", content_type="application/json", headers=headers
    )
    assert invalid.status_code in (400, 422)
    assert set(invalid.json()) >= {"detail"}
    body = client.post(
        "/api/v1/audits", {"tool": "generic"}, content_type="application/json", headers=headers
    ).json()
    assert body["detail"] == "The request is not valid"
    assert {e["field"] for e in body["errors"]} == {"case", "reason"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_works_under_the_csp(org, browser_page):
    page = browser_page
    _, secret = api_token_issue(user=org.worker.user, name="docs", by=org.worker.user)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(page.base_url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "caseaudit API" in page.inner_text(".swagger-ui .info .title")
    page.click(".btn.authorize")
    page.fill(".auth-container input", secret)
    page.click(".auth-btn-wrapper .btn.authorize")
    page.click(".btn-done")
    page.click("#operations-cases-caseaudit_api_endpoints_cases_case_list .opblock-summary")
    page.click(".try-out__btn")
    page.click(".btn.execute")
    status = page.wait_for_selector(".live-responses-table tbody .response-col_status")
    assert status.inner_text().strip() == "200"
    assert org.case.reference in page.inner_text(".live-responses-table")
    browser_screenshot(page, "api-docs")
    assert problems == []
