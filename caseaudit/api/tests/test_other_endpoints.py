"""The staff directory, teams, QA responses, the programme's allocations and the due list: each
as its page shows it, to the same people only."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.cases.models import Case
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.organisation.models import Role, Staff, Team
from caseaudit.programme import policy as programme_policy
from caseaudit.programme import selectors as programme_selectors
from caseaudit.programme import services as programme_services
from caseaudit.programme.models import Allocation, ProgrammeMonth
from caseaudit.responses import selectors as response_selectors
from caseaudit.responses.models import QAResponse

from .conftest import ids
from .helpers import completed_audit

pytestmark = pytest.mark.django_db

PERSONAS = ["worker", "colleague", "ps1", "tm", "csm_north", "outsider", "performance", "iro"]


# --- staff and teams --------------------------------------------------------------------


def test_staff_directory(org, api):
    StaffFactory(role=Role.PRACTITIONER, team=org.north_a, left_on=dt.date(2026, 1, 1))
    client = api(org.worker)
    everyone = list(Staff.objects.active().order_by("name", "id").values_list("pk", flat=True))
    assert ids(client.get("/api/v1/staff", {"limit": 100})) == everyone
    north_a = ids(client.get("/api/v1/staff", {"team": org.north_a.pk, "limit": 100}))
    assert set(north_a) == set(
        Staff.objects.active().filter(team=org.north_a).values_list("pk", flat=True)
    )
    assert ids(client.get("/api/v1/staff", {"role": "iro"})) == [org.iro.pk]
    assert ids(client.get("/api/v1/staff", {"q": org.tm.staff_id})) == [org.tm.pk]
    item = client.get("/api/v1/staff", {"q": org.worker.staff_id}).json()["items"][0]
    assert item["open_cases"] == 1
    assert item["line_manager"]["id"] == org.ps1.pk
    assert item["team"]["code"] == "north-a"
    assert client.get("/api/v1/staff", {"role": "wizard"}).status_code == 422


def test_teams(org, api):
    items = api(org.outsider).get("/api/v1/teams").json()["items"]
    assert [t["id"] for t in items] == list(
        Team.objects.order_by("service_area__name", "name").values_list("pk", flat=True)
    )
    north_a = next(t for t in items if t["code"] == "north-a")
    assert north_a["open_case_count"] == 2
    assert north_a["member_count"] == Staff.objects.active().filter(team=org.north_a).count()
    assert north_a["service_area"]["code"] == "north"


def test_directory_query_counts_do_not_grow(org, api, django_assert_num_queries):
    client = api(org.worker)
    client.get("/api/v1/staff")
    with django_assert_num_queries(4) as staff_queries:
        client.get("/api/v1/staff")
    with django_assert_num_queries(4) as team_queries:
        client.get("/api/v1/teams")
    StaffFactory.create_batch(5, team=org.north_b)
    CaseFactory.create_batch(3, team=org.south_a, allocated_worker=org.outsider)
    with django_assert_num_queries(len(staff_queries.captured_queries)):
        client.get("/api/v1/staff")
    with django_assert_num_queries(len(team_queries.captured_queries)):
        client.get("/api/v1/teams")


# --- QA responses -------------------------------------------------------------------------


@pytest.fixture
def responses(org):
    completed_audit(org.csm_north, org.case)
    completed_audit(org.tm_south, org.south_case)
    return list(QAResponse.objects.order_by("pk"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_response_list_is_the_responses_scope(org, api, responses, persona):
    staff = getattr(org, persona)
    expected = list(
        response_selectors.response_visible_qs(staff.user)
        .order_by("due_on", "id")
        .values_list("pk", flat=True)
    )
    assert ids(api(staff).get("/api/v1/responses")) == expected
    client = api(staff)
    for response in responses:
        status = client.get(f"/api/v1/responses/{response.pk}").status_code
        assert status == (200 if response.pk in expected else 404)


def test_responses_worker_colleague_outsider(org, api, responses):
    north, south = responses
    assert ids(api(org.worker).get("/api/v1/responses")) == [north.pk]
    assert ids(api(org.colleague).get("/api/v1/responses")) == []
    assert ids(api(org.outsider).get("/api/v1/responses")) == [south.pk]
    assert ids(api(org.performance).get("/api/v1/responses", {"worker": org.outsider.pk})) == [
        south.pk
    ]
    assert ids(api(org.performance).get("/api/v1/responses", {"status": "authorised"})) == []


def test_response_detail(org, api, responses):
    north = responses[0]
    body = api(org.ps1).get(f"/api/v1/responses/{north.pk}").json()
    assert body["worker"]["id"] == org.worker.pk
    assert body["supervisor"]["id"] == org.ps1.pk
    assert body["status"] == "awaiting_worker"
    assert body["actions"][0]["action"]["description"] == "Update the plan."
    assert body["actions"][0]["what_done"] is None
    assert body["history"][0]["kind"] == "created"
    event = AccessEvent.objects.filter(object_type="qa_response").get()
    assert event.case_id == org.case.pk and event.user == org.ps1.user


def test_response_list_query_count_does_not_grow(org, api, django_assert_num_queries):
    completed_audit(org.csm_north, org.case)
    client = api(org.performance)
    client.get("/api/v1/responses")
    with django_assert_num_queries(6) as few:
        client.get("/api/v1/responses")
    for _ in range(3):
        completed_audit(org.csm_north, CaseFactory(team=org.north_a, allocated_worker=org.worker))
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/responses").json()["count"] == 4


# --- the programme -----------------------------------------------------------------------


@pytest.fixture
def programme(org):
    month = timezone.localdate().replace(day=1)
    programme = ProgrammeMonth.objects.create(
        month=month, seed=1, generated_at=timezone.now(), status="confirmed"
    )
    Allocation.objects.create(
        programme=programme,
        auditor=org.ps1,
        auditor_team=org.north_a,
        rule="ps-peer",
        peer=org.ps2,
        case=org.colleague_case,
        tool_code="generic",
        reason="Never audited.",
    )
    Allocation.objects.create(
        programme=programme,
        auditor=org.tm_b,
        rule="manager-peer",
        case=org.case,
        tool_code="generic",
        reason="Due for its annual audit.",
    )
    Allocation.objects.create(
        programme=programme,
        auditor=org.tm_south,
        rule="manager-peer",
        case=None,
        reason="No eligible case.",
    )
    return programme


@pytest.mark.parametrize(
    "persona,allowed",
    [
        ("worker", False),
        ("colleague", False),
        ("outsider", False),
        ("csm_north", True),
        ("performance", True),
        ("director", True),
    ],
)
def test_allocations_for_those_who_see_the_programme(org, api, programme, persona, allowed):
    staff = getattr(org, persona)
    response = api(staff).get("/api/v1/allocations", {"month": programme.label})
    assert programme_policy.can_view_programme(staff.user) is allowed
    if not allowed:
        assert response.status_code == 404
        return
    expected = list(
        programme_selectors.programme_allocations(programme=programme, user=staff.user).values_list(
            "pk", flat=True
        )
    )
    assert sorted(ids(response)) == sorted(expected) and len(expected) == 3
    unfilled = [a for a in response.json()["items"] if a["case"] is None]
    assert len(unfilled) == 1 and unfilled[0]["programme_status"] == "confirmed"


@pytest.mark.parametrize(
    ("persona", "seen"),
    [("tm", ["ps1"]), ("business_support", ["ps1"]), ("tm_b", ["tm_b"]), ("ps1", None)],
)
def test_allocations_of_a_team_for_its_manager_and_business_support(
    org, api, programme, persona, seen
):
    """A Team Manager and Business Support get their team's auditors' allocations (a TM their
    own too), as the programme page shows them; a Practice Supervisor none (404)."""
    response = api(getattr(org, persona)).get("/api/v1/allocations", {"month": programme.label})
    if seen is None:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    auditors = sorted(item["auditor"]["id"] for item in response.json()["items"])
    assert auditors == sorted(getattr(org, name).pk for name in seen)


def test_allocations_filters_and_errors(org, api, programme):
    client = api(org.performance)
    mine = client.get("/api/v1/allocations", {"month": programme.label, "auditor": org.ps1.pk})
    assert [a["auditor"]["id"] for a in mine.json()["items"]] == [org.ps1.pk]
    assert client.get("/api/v1/allocations", {"month": "2001-01"}).status_code == 404
    for bad in ("2026-13", "0000-01", "soon"):
        assert client.get("/api/v1/allocations", {"month": bad}).status_code == 422
    assert client.get("/api/v1/allocations").status_code == 422


def test_programme_generated_by_its_service_is_served(org, api):
    month = timezone.localdate().replace(day=1)
    programme = programme_services.programme_generate(month=month, seed=3)
    response = api(org.performance).get("/api/v1/allocations", {"month": programme.label})
    assert response.json()["count"] == programme.allocations.count()


# --- due ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("when", ["month", "overdue", "next"])
def test_due_is_the_due_page(org, api, persona, when):
    CaseFactory(
        team=org.north_a, allocated_worker=org.worker, opened_on=timezone.localdate()
    )  # not due for a year
    staff = getattr(org, persona)
    expected = list(
        programme_selectors.due_list(
            user=staff.user, when=when, month=timezone.localdate()
        ).values_list("pk", flat=True)
    )
    response = api(staff).get("/api/v1/due", {"when": when})
    assert [item["case"]["id"] for item in response.json()["items"]] == expected


def test_due_items(org, api):
    items = api(org.worker).get("/api/v1/due").json()["items"]
    assert items == [
        {
            "case": items[0]["case"],
            "kind": "annual",
            "due_on": "2026-01-06",
        }
    ]
    assert items[0]["case"]["id"] == org.case.pk
    assert AccessEvent.objects.filter(object_type="case", case_id=org.case.pk).exists()


def test_due_query_count_does_not_grow(org, api, django_assert_num_queries):
    client = api(org.performance)
    client.get("/api/v1/due")
    with django_assert_num_queries(6) as few:
        client.get("/api/v1/due")
    CaseFactory.create_batch(4, team=org.north_b, allocated_worker=org.worker_b)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/due")
    assert response.json()["count"] == Case.objects.count()
