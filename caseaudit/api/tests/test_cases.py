"""GET /cases and /cases/{id}: exactly the cases the pages show each persona, logged."""

import pytest

from caseaudit.accounts.models import AccessEvent
from caseaudit.cases.models import Case, CaseType
from caseaudit.cases.selectors import case_list, case_visible_qs
from caseaudit.factories import CaseFactory

from .conftest import ids

pytestmark = pytest.mark.django_db

PERSONAS = [
    "worker",
    "colleague",
    "ps1",
    "tm",
    "csm_north",
    "outsider",
    "performance",
    "iro",
    "cp_chair",
    "business_support",
    "director",
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("status", ["open", "closed", "all"])
def test_list_is_what_the_case_list_shows(org, api, persona, status):
    CaseFactory(team=org.north_a, allocated_worker=org.worker, closed_on="2025-06-01")
    staff = getattr(org, persona)
    response = api(staff).get("/api/v1/cases", {"status": status, "limit": 100})
    expected = list(case_list(user=staff.user, status=status).values_list("pk", flat=True))
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)


def test_worker_colleague_and_outsider(org, api):
    assert ids(api(org.worker).get("/api/v1/cases")) == [org.case.pk]
    assert ids(api(org.colleague).get("/api/v1/cases")) == [org.colleague_case.pk]
    assert ids(api(org.outsider).get("/api/v1/cases")) == [org.south_case.pk]
    assert set(ids(api(org.tm).get("/api/v1/cases"))) == {org.case.pk, org.colleague_case.pk}


def test_filters(org, api):
    client = api(org.performance)
    assert ids(client.get("/api/v1/cases", {"team": org.north_b.pk})) == [org.case_b.pk]
    assert ids(client.get("/api/v1/cases", {"case_type": CaseType.CLA})) == [org.colleague_case.pk]
    assert ids(client.get("/api/v1/cases", {"worker": org.outsider.pk})) == [org.south_case.pk]
    assert ids(client.get("/api/v1/cases", {"q": org.case.reference})) == [org.case.pk]
    name_part = org.case_b.display_name.split()[-1]
    assert org.case_b.pk in ids(client.get("/api/v1/cases", {"q": name_part}))
    # A filter never widens the scope: the worker asking for the south team gets nothing.
    assert ids(api(org.worker).get("/api/v1/cases", {"team": org.south_a.pk})) == []


def test_pagination(org, api):
    CaseFactory.create_batch(5, team=org.north_a, allocated_worker=org.worker)
    client = api(org.performance)
    everything = ids(client.get("/api/v1/cases", {"limit": 100}))
    page = client.get("/api/v1/cases", {"limit": 3, "offset": 2}).json()
    assert [item["id"] for item in page["items"]] == everything[2:5]
    assert page["count"] == len(everything) == 9
    for bad in ({"limit": 101}, {"limit": 0}, {"offset": -1}, {"status": "maybe"}):
        response = client.get("/api/v1/cases", bad)
        assert response.status_code == 422
        body = response.json()
        assert body["detail"] == "The request is not valid"
        assert body["errors"][0]["field"] == next(iter(bad))


def test_list_items(org, api):
    item = api(org.worker).get("/api/v1/cases").json()["items"][0]
    assert item == {
        "id": org.case.pk,
        "reference": org.case.reference,
        "display_name": org.case.display_name,
        "subject_type": "child",
        "case_type": "cin",
        "date_of_birth": "2015-05-01",
        "opened_on": "2025-01-06",
        "closed_on": None,
        "team": {"id": org.north_a.pk, "code": "north-a", "name": "North A"},
        "allocated_worker": {
            "id": org.worker.pk,
            "staff_id": org.worker.staff_id,
            "name": org.worker.name,
        },
        "first_panel_on": None,
        "last_audited_on": None,
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_is_404_out_of_scope(org, api, persona):
    staff = getattr(org, persona)
    client = api(staff)
    visible = set(case_visible_qs(staff.user).values_list("pk", flat=True))
    for case in Case.objects.all():
        response = client.get(f"/api/v1/cases/{case.pk}")
        assert response.status_code == (200 if case.pk in visible else 404), case
        if response.status_code == 404:
            assert response.json() == {"detail": "Not found", "errors": []}


def test_detail_content_and_access_log(org, api):
    org.case.contact_name = "Ann Parent"
    org.case.save()
    response = api(org.ps1).get(f"/api/v1/cases/{org.case.pk}")
    body = response.json()
    assert body["practice_supervisor"]["id"] == org.ps1.pk
    assert body["service_area"]["code"] == "north"
    assert body["family_contact"]["name"] == "Ann Parent"
    event = AccessEvent.objects.get()
    assert (event.user, event.object_type, event.object_id, event.case_id) == (
        org.ps1.user,
        "case",
        str(org.case.pk),
        org.case.pk,
    )
    assert event.path == f"/api/v1/cases/{org.case.pk}"


def test_detail_refused_is_not_logged_as_a_view(org, api):
    api(org.outsider).get(f"/api/v1/cases/{org.case.pk}")
    assert not AccessEvent.objects.filter(action="view").exists()


def test_big_ids_are_422_not_errors(org, api):
    client = api(org.performance)
    assert client.get(f"/api/v1/cases/{2**70}").status_code == 422
    assert client.get("/api/v1/cases/0").status_code == 422
    assert client.get("/api/v1/cases", {"team": 2**70}).status_code == 422


def test_nul_characters_are_refused(org, api):
    response = api(org.performance).get("/api/v1/cases", {"q": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


def test_list_logs_each_case_returned(org, api):
    client = api(org.tm)
    client.get("/api/v1/cases", {"limit": 1})
    events = list(AccessEvent.objects.values_list("object_type", "object_id", "case_id", "user"))
    first = ids(client.get("/api/v1/cases", {"limit": 1}))[0]
    assert events == [("case", str(first), first, org.tm.user.pk)]


def test_list_query_count_does_not_grow(org, api, django_assert_num_queries):
    client = api(org.tm)
    client.get("/api/v1/cases")  # the token's first use writes last_used_at
    with django_assert_num_queries(6) as small:
        client.get("/api/v1/cases")
    CaseFactory.create_batch(30, team=org.north_a, allocated_worker=org.worker)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/api/v1/cases")
    assert response.json()["count"] == 32
