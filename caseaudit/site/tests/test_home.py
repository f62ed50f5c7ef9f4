from django.urls import reverse

from caseaudit.factories import UserFactory


def test_home_lists_my_cases_and_what_i_can_see(org, login):
    response = login(org.worker).get(reverse("home"))
    assert response.status_code == 200
    assert [case.pk for case in response.context["my_cases"]] == [org.case.pk]
    assert response.context["visible_open"] == 1
    assert org.case.reference in response.content.decode()


def test_manager_home_counts_their_scope(org, login):
    response = login(org.csm_north).get(reverse("home"))
    assert response.context["visible_open"] == 3
    assert response.context["my_cases"] == []


def test_account_without_staff_record_is_told_why_it_sees_nothing(client, db):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "not linked to a member of staff" in response.content.decode()


def test_navigation_and_authority_name_in_header(org, login, settings):
    settings.AUTHORITY_NAME = "Shireshire County Council"
    body = login(org.worker).get(reverse("home")).content.decode()
    assert "Shireshire County Council" in body
    assert 'href="/cases/"' in body
    assert "govuk-logo" not in body and "crown" not in body.lower()


def test_query_count_does_not_grow(org, login, django_assert_max_num_queries):
    from caseaudit.factories import CaseFactory

    for persona in (org.worker, org.tm, org.performance):
        client = login(persona)
        with django_assert_max_num_queries(30) as before:
            client.get(reverse("home"))
        CaseFactory.create_batch(5, team=org.north_a, allocated_worker=org.worker)
        with django_assert_max_num_queries(len(before.captured_queries)):
            client.get(reverse("home"))


def test_home_query_counts(org, login, django_assert_num_queries):
    """The session, the user with their staff record (one query), the page's five lists, one
    query for all its counts (the figures panel and the open cases the user can see), the
    access-log entry and the header's unread count. Managers' figures were a query each (15
    queries); the user and the staff record two (11)."""
    for persona, queries in ((org.worker, 10), (org.tm, 10), (org.performance, 10)):
        client = login(persona)
        client.get(reverse("home"))  # warm the per-process caches
        with django_assert_num_queries(queries):
            client.get(reverse("home"))


def test_figures_are_kept_a_minute_per_scope_and_the_lists_are_not(
    org, login, settings, django_assert_num_queries
):
    from django.core.cache import cache

    from caseaudit.factories import CaseFactory

    settings.SCOPE_SUMMARY_SECONDS = 60
    cache.clear()
    tm = login(org.tm)
    first = tm.get(reverse("home"))
    figures = [(f.key, f.value) for f in first.context["dashboard_figures"]]
    assert first.context["visible_open"] == 2
    new = CaseFactory(team=org.north_a, allocated_worker=org.tm)
    with django_assert_num_queries(9):  # one fewer: the figures' counts are kept
        again = tm.get(reverse("home"))
    assert again.context["visible_open"] == 2  # up to a minute behind
    assert [(f.key, f.value) for f in again.context["dashboard_figures"]] == figures
    assert new.pk in [case.pk for case in again.context["my_cases"]]  # the lists are read afresh
    # Another scope has figures of its own; the worker's own QA responses stay live.
    assert login(org.csm_north).get(reverse("home")).context["visible_open"] == 4
    assert login(org.worker).get(reverse("home")).context["visible_open"] == 1
    cache.clear()  # the minute is over
    assert login(org.tm).get(reverse("home")).context["visible_open"] == 3
