import pytest
from django.urls import reverse

from caseaudit.accounts.models import AccessEvent


def url(case):
    return reverse("case_detail", args=[case.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("worker", 200),  # their own case
        ("ps1", 200),  # supervises the worker
        ("tm", 200),  # the worker's team
        ("csm_north", 200),  # the service
        ("colleague", 404),  # same team, not their case
        ("ps2", 404),  # same team, other supervisor
        ("tm_b", 404),  # other team, same service
        ("outsider", 404),  # other service
        ("iro", 404),  # not a looked-after case
        ("performance", 200),
    ],
)
def test_case_page_by_persona(org, login, persona, status):
    response = login(getattr(org, persona)).get(url(org.case))
    assert response.status_code == status
    if status == 404:
        assert org.case.display_name not in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, org):
    response = client.get(url(org.case))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_unknown_case_is_404(org, login):
    assert login(org.director).get(reverse("case_detail", args=[999999])).status_code == 404


def test_page_shows_details_and_supervisor(org, login):
    response = login(org.worker).get(url(org.case))
    body = response.content.decode()
    assert org.case.display_name in body
    assert org.case.reference in body
    assert org.ps1.name in body  # the Practice Supervisor, through line management
    assert org.north_a.name in body


def test_each_view_is_recorded_in_the_access_log(org, login):
    client = login(org.tm)
    client.get(url(org.case))
    client.get(url(org.case))
    events = AccessEvent.objects.filter(case_id=org.case.pk)
    assert events.count() == 2
    event = events.first()
    assert event.user == org.tm.user
    assert event.action == "view"
    assert event.object_type == "case"
    assert event.object_id == str(org.case.pk)
    assert event.path == url(org.case)


def test_refused_view_is_not_recorded_as_a_view(org, login):
    login(org.outsider).get(url(org.case))
    assert not AccessEvent.objects.filter(case_id=org.case.pk, action="view").exists()


def test_page_is_never_cached(org, login):
    response = login(org.worker).get(url(org.case))
    assert "no-store" in response["Cache-Control"]


def test_query_count_is_constant(org, login, django_assert_max_num_queries):
    client = login(org.tm)
    for _ in range(15):
        client.get(url(org.case))  # the access log grows; the page must not query more
    with django_assert_max_num_queries(13):  # with the case's history
        client.get(url(org.case))
