"""The staff directory: teams and who is in them. It holds nothing about children, so every
signed-in member of staff may browse it; signing in is still required."""

import pytest
from django.urls import reverse

from caseaudit.factories import CaseFactory, StaffFactory, TeamFactory


def test_anonymous_is_sent_to_sign_in(client, org):
    for url in (reverse("team_list"), reverse("team_detail", args=[org.north_a.code])):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response.url


@pytest.mark.parametrize("persona", ["worker", "colleague", "outsider", "director"])
def test_every_member_of_staff_can_browse_teams(org, login, persona):
    response = login(getattr(org, persona)).get(reverse("team_list"))
    assert response.status_code == 200
    body = response.content.decode()
    for team in (org.north_a, org.north_b, org.south_a):
        assert team.name in body
    assert "North" in body and "South" in body


def test_team_page_lists_members_with_roles_and_managers(org, login):
    response = login(org.outsider).get(reverse("team_detail", args=[org.north_a.code]))
    assert response.status_code == 200
    members = list(response.context["members"])
    assert set(members) == {
        org.tm,
        org.ps1,
        org.ps2,
        org.worker,
        org.colleague,
        org.business_support,
    }
    body = response.content.decode()
    assert "Practice Supervisor" in body
    worker = next(m for m in members if m == org.worker)
    assert worker.open_cases == 1
    assert org.ps1.name in body  # shown as the worker's line manager


def test_team_page_shows_no_case_details(org, login):
    body = login(org.outsider).get(reverse("team_detail", args=[org.north_a.code])).content
    assert org.case.display_name.encode() not in body
    assert org.case.reference.encode() not in body


def test_people_who_left_are_not_listed(org, login):
    org.colleague.left_on = org.case.opened_on
    org.colleague.save()
    response = login(org.worker).get(reverse("team_detail", args=[org.north_a.code]))
    assert org.colleague not in list(response.context["members"])


def test_unknown_team_is_404(org, login):
    assert login(org.worker).get(reverse("team_detail", args=["nope"])).status_code == 404


def test_team_counts(org, login):
    CaseFactory(team=org.north_a, allocated_worker=org.worker, closed_on=org.case.opened_on)
    response = login(org.worker).get(reverse("team_list"))
    area = next(a for a in response.context["service_areas"] if a == org.north)
    team = next(t for t in area.teams.all() if t == org.north_a)
    assert team.open_case_count == 2  # the closed case is not counted
    assert team.member_count == 6


def test_query_counts_do_not_grow(org, login, django_assert_num_queries):
    client = login(org.worker)
    with django_assert_num_queries(5) as before:  # the user and staff record in one
        client.get(reverse("team_list"))
    for _ in range(5):
        team = TeamFactory(service_area=org.north)
        StaffFactory.create_batch(3, team=team)
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(reverse("team_list"))
    with django_assert_num_queries(5) as detail:
        client.get(reverse("team_detail", args=[org.north_a.code]))
    StaffFactory.create_batch(10, team=org.north_a)
    with django_assert_num_queries(len(detail.captured_queries)):
        client.get(reverse("team_detail", args=[org.north_a.code]))
