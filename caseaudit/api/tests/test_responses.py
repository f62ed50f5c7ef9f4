"""A QA response through the API: each restorative action with its one answer (what was done,
the date it was done, the evidence), to the same people as the response page."""

import datetime as dt

import pytest

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import AuditReason
from caseaudit.responses import services as response_services
from caseaudit.responses.models import QAResponse
from caseaudit.responses.tests.conftest import audit_data
from caseaudit.workflows import audits as workflows

pytestmark = pytest.mark.django_db

ANSWER_KEYS = {"action", "what_done", "done_on", "evidence", "answered_at"}


def response_with(org, actions: int) -> QAResponse:
    """The QA response to a completed audit of the worker's case with `actions` actions."""
    audit = audit_services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code="generic", reason=AuditReason.PERMISSIVE
    )
    rows = [(f"Update the plan ({n}).", org.worker, dt.date(2027, 1, 15)) for n in range(actions)]
    audit_services.audit_save(
        audit=audit,
        by=org.csm_north.user,
        data=audit_data(audit, actions=rows),
        revision=audit.revision,
    )
    workflows.audit_complete(audit=audit, by=org.csm_north.user)
    return QAResponse.objects.select_related("worker", "case").get(audit=audit)


def submit(org, response) -> None:
    response_services.response_submit(
        response=response,
        by=org.worker.user,
        action_answers={
            a.pk: {
                "what_done": f"Plan updated ({a.order}).",
                "done_on": dt.date(2026, 11, 2),
                "evidence": "Case note of 2 November 2026.",
            }
            for a in response.audit.actions.all()
        },
    )


@pytest.mark.parametrize(
    "who,status", [("worker", 200), ("colleague", 404), ("ps1", 200), ("outsider", 404)]
)
def test_personas(org, api, who, status):
    response = response_with(org, 1)
    assert api(getattr(org, who)).get(f"/api/v1/responses/{response.pk}").status_code == status


def test_each_action_has_its_one_answer(org, api):
    response = response_with(org, 2)
    body = api(org.ps1).get(f"/api/v1/responses/{response.pk}").json()
    assert [set(item) for item in body["actions"]] == [ANSWER_KEYS] * 2
    assert body["actions"][0]["what_done"] is None and body["actions"][0]["done_on"] is None
    submit(org, response)
    body = api(org.ps1).get(f"/api/v1/responses/{response.pk}").json()
    first = body["actions"][0]
    assert first["what_done"] == "Plan updated (1)."
    assert first["done_on"] == "2026-11-02"
    assert first["evidence"] == "Case note of 2 November 2026."
    assert first["answered_at"]
    # The action's resolution comes from the answer: the same words, written once.
    assert first["action"]["status"] == "resolved"
    assert first["action"]["resolution"] == "Plan updated (1)."
    assert first["action"]["manager_agreed_at"] is None
    response_services.response_authorise(response=response, by=org.ps1.user)
    body = api(org.worker).get(f"/api/v1/responses/{response.pk}").json()
    assert all(item["action"]["manager_agreed_at"] for item in body["actions"])


def test_the_openapi_document_describes_the_answer(client):
    doc = client.get("/api/v1/openapi.json").json()
    schema = doc["components"]["schemas"]["ActionAnswerOut"]
    assert set(schema["properties"]) == ANSWER_KEYS
    assert "planned_by" not in str(doc)
    done_on = schema["properties"]["done_on"]
    assert "never in the future" in done_on["description"]


@pytest.mark.parametrize("actions", [1, 5])
def test_the_detail_query_count_does_not_grow(org, api, django_assert_num_queries, actions):
    response = response_with(org, actions)
    submit(org, response)
    client = api(org.ps1)
    client.get(f"/api/v1/responses/{response.pk}")
    with django_assert_num_queries(DETAIL_QUERIES):
        page = client.get(f"/api/v1/responses/{response.pk}")
    assert len(page.json()["actions"]) == actions


DETAIL_QUERIES = 8  # however many actions


def test_a_response_event_names_its_author_as_the_pages_do(org):
    """`by` in a response's history: the staff name, else the account's full name, else its
    username (`organisation.selectors.person_name`)."""
    from django.contrib.auth.models import User

    from caseaudit.api.schemas import _person

    assert _person(org.ps1.user) == org.ps1.name
    assert _person(User(username="admin7", first_name="Ada", last_name="Byron")) == "Ada Byron"
    assert _person(User(username="ops-account")) == "ops-account"
    assert _person(None) is None
