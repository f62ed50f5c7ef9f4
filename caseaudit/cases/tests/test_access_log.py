"""The access log: "who has accessed this case" for its managers and the data protection
officer, list pages logged once per page, refused attempts logged, and the case's history."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from caseaudit.accounts.models import AccessEvent
from caseaudit.cases.models import CaseEvent, CaseEventKind
from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.organisation.models import Role

UTC = dt.UTC


def access_url(case):
    return reverse("case_access_log", args=[case.pk])


def log(user, case, *, at=None, action="view", object_type="case"):
    """An access-log entry at `at` (UTC)."""
    with mock.patch("django.utils.timezone.now", return_value=at or dt.datetime.now(UTC)):
        return AccessEvent.objects.create(
            user=user,
            action=action,
            object_type=object_type,
            object_id=str(case.pk),
            case_id=case.pk,
            path=f"/cases/{case.pk}/",
            ip_address="192.0.2.7",
        )


# --- Who has accessed this case ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("ps1", 200),  # the worker's Practice Supervisor
        ("tm", 200),  # the team's Team Manager
        ("csm_north", 200),  # the service's CSM
        ("director", 200),
        ("worker", 404),  # sees the case, not who looked at it
        ("colleague", 404),
        ("ps2", 404),  # another PS of the team
        ("tm_b", 404),  # another team's TM
        ("outsider", 404),
        ("performance", 404),
        ("iro", 404),
        ("business_support", 404),
    ],
)
def test_who_may_see_the_access_log(org, login, persona, status):
    response = login(getattr(org, persona)).get(access_url(org.case))
    assert response.status_code == status


def test_the_data_protection_officer_may(org, login, client):
    assert (
        login(StaffFactory(role=Role.ADMIN, team=None)).get(access_url(org.case)).status_code == 200
    )
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(access_url(org.case)).status_code == 200


def test_a_refusal_is_logged(org, login):
    login(org.worker).get(access_url(org.case))
    refused = AccessEvent.objects.get(user=org.worker.user, action="denied")
    assert (refused.object_type, refused.case_id) == ("case_access_log", org.case.pk)


def test_lists_who_what_when_in_uk_time_and_from_where(org, login):
    log(org.worker.user, org.case, at=dt.datetime(2026, 7, 1, 9, 30, tzinfo=UTC))
    log(org.colleague.user, org.case, at=dt.datetime(2026, 7, 2, 9, 0, tzinfo=UTC), action="denied")
    log(org.worker.user, org.case_b)  # another case: not listed
    response = login(org.tm).get(access_url(org.case))
    body = response.content.decode()
    assert org.worker.name in body and org.colleague.name in body
    assert "Practitioner" in body
    assert "1 Jul 2026 10:30:00" in body  # British Summer Time
    assert "Refused access" in body
    assert "192.0.2.7" in body
    # Newest first: the TM's own look at this page, the refusal, then the view.
    assert body.index(org.tm.name) < body.index(org.colleague.name) < body.index(org.worker.name)
    own = AccessEvent.objects.filter(user=org.tm.user, object_type="case_access_log")
    assert own.get().case_id == org.case.pk
    assert "Access log of case" in body
    assert "3 entries" in body


def test_paginated_with_a_fixed_number_of_queries(org, login, django_assert_num_queries):
    client = login(org.tm)
    for _ in range(3):
        log(org.worker.user, org.case)
    client.get(access_url(org.case))  # warm up (session, caches)
    with django_assert_num_queries(7) as few:
        client.get(access_url(org.case))
    for _ in range(60):
        log(org.colleague.user, org.case)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(access_url(org.case))
    assert response.content.decode().count('class="govuk-table__row"') == 51  # header + 50
    second = client.get(access_url(org.case) + "?page=2").content.decode()
    assert "Page 2 of 2" in second


# --- The case page ------------------------------------------------------------------------------


def test_case_page_shows_recent_access_to_its_managers_only(org, login):
    log(org.colleague.user, org.case)
    manager_page = login(org.tm).get(reverse("case_detail", args=[org.case.pk])).content.decode()
    assert 'id="access-log"' in manager_page
    assert access_url(org.case) in manager_page
    assert 'id="subject-access-link"' not in manager_page
    worker_page = login(org.worker).get(reverse("case_detail", args=[org.case.pk])).content.decode()
    assert 'id="access-log"' not in worker_page
    assert access_url(org.case) not in worker_page
    assert org.colleague.name not in worker_page


def test_case_page_links_the_data_protection_officer_to_subject_access(org, login):
    page = login(StaffFactory(role=Role.ADMIN, team=None)).get(
        reverse("case_detail", args=[org.case.pk])
    )
    body = page.content.decode()
    assert reverse("case_subject_access", args=[org.case.pk]) in body
    assert access_url(org.case) in body


def test_case_page_shows_the_case_history(org, login):
    CaseEvent.objects.create(
        case=org.case,
        by=org.performance.user,
        kind=CaseEventKind.UPDATED,
        detail={"import_run": 1, "changes": {"allocated_worker_id": [1, 2], "team_id": [1, 2]}},
    )
    CaseEvent.objects.create(case=org.case, kind=CaseEventKind.IMPORTED, detail={"import_run": 1})
    body = login(org.worker).get(reverse("case_detail", args=[org.case.pk])).content.decode()
    history = body[body.index('id="case-history"') :]
    assert "Added by an import" in history
    assert f"Changed by an import by {org.performance.name}: allocated worker, team" in history


# --- List pages: one entry per page, no case ------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "object_type", "object_id"),
    [
        ("home", "case_list", "home"),
        ("case_list", "case_list", "1"),
        ("due_list", "due_list", "1"),
        ("response_list", "response_list", "mine"),
        ("response_team", "response_list", "team"),
    ],
)
def test_a_list_page_is_logged_once_per_page(org, login, url_name, object_type, object_id):
    response = login(org.tm).get(reverse(url_name))
    assert response.status_code == 200
    (event,) = AccessEvent.objects.filter(user=org.tm.user)
    assert (event.action, event.object_type, event.object_id) == ("view", object_type, object_id)
    assert event.case_id is None


# --- Refused attempts ---------------------------------------------------------------------------


def test_an_out_of_scope_case_is_logged_as_refused(org, login):
    assert login(org.outsider).get(reverse("case_detail", args=[org.case.pk])).status_code == 404
    refused = AccessEvent.objects.get(user=org.outsider.user)
    assert (refused.action, refused.object_type, refused.case_id) == ("denied", "case", org.case.pk)
    assert refused.path == reverse("case_detail", args=[org.case.pk])


def test_a_missing_case_is_not_logged(org, login):
    assert login(org.outsider).get(reverse("case_detail", args=[987654])).status_code == 404
    assert not AccessEvent.objects.exists()


def test_a_forbidden_action_is_logged_as_refused(org, login):
    """The worker may see their case but not close it: the refusal (403) is logged."""
    assert login(org.worker).get(reverse("case_close", args=[org.case.pk])).status_code == 403
    actions = list(
        AccessEvent.objects.filter(user=org.worker.user)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["view", "denied"]
