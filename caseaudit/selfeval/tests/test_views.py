"""The pack's pages by persona, the forms, and their query counts: a page reads the stored
snapshot, so it runs the same number of queries however many audits there are."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.selfeval.models import PackScope, PackStatus, SelfEvaluationPack
from caseaudit.selfeval.periods import last_12_complete_months, last_financial_year

from .conftest import completed_audit, draft_pack, published_pack

pytestmark = pytest.mark.django_db


def test_the_periods_offered():
    assert last_12_complete_months(dt.date(2026, 12, 5)) == (
        dt.date(2025, 12, 1),
        dt.date(2026, 11, 30),
    )
    assert last_financial_year(dt.date(2026, 12, 5)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert last_financial_year(dt.date(2027, 2, 1)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert last_financial_year(dt.date(2026, 4, 1)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("worker", 404),
        ("ps1", 404),
        ("tm", 404),
        ("business_support", 404),
        ("iro", 404),
        ("csm_north", 200),
        ("director", 200),
        ("performance", 200),
    ],
)
def test_who_opens_the_list(org, login, who, status):
    assert login(getattr(org, who)).get(reverse("selfeval_index")).status_code == status


def test_performance_prepares_a_pack_for_the_last_financial_year(org, login, audits):
    client = login(org.performance)
    page = client.get(reverse("selfeval_new"))
    assert "The last financial year (" in page.content.decode()
    response = client.post(
        reverse("selfeval_new"),
        {"title": "Self-evaluation", "scope_kind": "authority", "period": "fy"},
    )
    pack = SelfEvaluationPack.objects.get()
    assert response.url == reverse("selfeval_pack", args=[pack.pk])
    start, end = last_financial_year(timezone.localdate())
    assert (pack.period_start, pack.period_end) == (start, end)


def test_dates_i_choose_need_both_dates(org, login):
    response = login(org.performance).post(
        reverse("selfeval_new"),
        {"title": "x", "scope_kind": "authority", "period": "custom", "period_start": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "Enter the last day of the period" in response.content.decode()
    assert not SelfEvaluationPack.objects.exists()


def test_a_csm_prepares_only_their_service_pack(org, login):
    client = login(org.csm_north)
    page = client.get(reverse("selfeval_new")).content.decode()
    assert 'value="service"' in page and 'value="authority"' not in page
    response = client.post(
        reverse("selfeval_new"),
        {
            "title": "North",
            "scope_kind": "service",
            "service": org.south.pk,
            "period": "12m",
        },
    )
    assert response.status_code == 200 and not SelfEvaluationPack.objects.exists()
    client.post(
        reverse("selfeval_new"),
        {"title": "North", "scope_kind": "service", "service": org.north.pk, "period": "12m"},
    )
    assert SelfEvaluationPack.objects.get().service == org.north


def test_the_author_edits_the_narrative_and_sends_it_for_review(org, login, audits):
    pack = draft_pack(org)
    client = login(org.performance)
    page = client.get(reverse("selfeval_edit", args=[pack.pk])).content.decode()
    assert "The draft generated from the figures" in page
    client.post(
        reverse("selfeval_edit", args=[pack.pk]),
        {
            "revision": pack.revision,
            "title": "Our year",
            "narrative_know": "Strong direct work.",
            "narrative_how": "Audits and moderation.",
            "narrative_doing": "Chronology clinics.",
        },
    )
    pack.refresh_from_db()
    assert pack.narrative_know == "Strong direct work." and pack.title == "Our year"
    client.post(reverse("selfeval_send_for_review", args=[pack.pk]), {"reviewer": org.director.pk})
    pack.refresh_from_db()
    assert pack.status == PackStatus.IN_REVIEW and pack.reviewer == org.director
    detail = login(org.director).get(reverse("selfeval_pack", args=[pack.pk])).content.decode()
    assert "Review this pack" in detail and "Strong direct work." in detail


def test_refresh_figures_on_the_page(org, login, audits, django_capture_on_commit_callbacks):
    pack = draft_pack(org)
    completed_audit(case=org.case, auditor=org.director, scale=7)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = login(org.performance).post(reverse("selfeval_refresh", args=[pack.pk]))
    assert response.status_code == 302 and len(queued) == 1  # the count, queued on commit
    pack.refresh_from_db()
    assert pack.figures["know"]["audits"] == 5


def test_the_published_page_shows_the_three_parts_and_the_files(org, login, audits):
    pack = published_pack(org)
    page = login(org.csm_north).get(reverse("selfeval_pack", args=[pack.pk])).content.decode()
    for heading in ("1. What we know", "2. How we know it", "3. What we are doing"):
        assert heading in page
    assert reverse("selfeval_pdf", args=[pack.pk]) in page
    assert 'id="chart-selfeval-bands"' in page
    assert "Source: 4 audits completed" in page
    assert "Edit the narrative" not in page


def test_a_south_service_pack_is_not_for_the_north_csm(org, login):
    pack = published_pack(org, kind=PackScope.SERVICE, service=org.south)
    assert login(org.csm_north).get(reverse("selfeval_pack", args=[pack.pk])).status_code == 404


def _count(django_assert_max_num_queries, client, url):
    client.get(url)  # warm the caches a first request fills (session, templates)
    with django_assert_max_num_queries(50) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("name", ["selfeval_pack", "selfeval_index", "selfeval_edit"])
def test_pages_take_the_same_queries_with_more_data(
    org, login, audits, django_assert_max_num_queries, django_capture_on_commit_callbacks, name
):
    pack = draft_pack(org)
    client = login(org.performance)
    url = reverse(name, args=[pack.pk]) if name != "selfeval_index" else reverse(name)
    before = _count(django_assert_max_num_queries, client, url)
    for n in range(8):
        completed_audit(case=org.case_b, auditor=org.tm_b, scale=n % 11)
    for _ in range(3):
        draft_pack(org)
    with django_capture_on_commit_callbacks(execute=True):  # the recount, as on commit
        client.post(reverse("selfeval_refresh", args=[pack.pk]))
    pack.refresh_from_db()
    assert pack.figures["know"]["audits"] == 12
    after = _count(django_assert_max_num_queries, client, url)
    assert after == before


def test_the_published_page_query_count(org, login, audits, django_assert_num_queries):
    pack = published_pack(org)
    client = login(org.director)
    url = reverse("selfeval_pack", args=[pack.pk])
    client.get(url)
    with django_assert_num_queries(6):  # session, user, pack, access log, history, inbox
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(("who", "shown"), [("worker", False), ("tm", False), ("csm_north", True)])
def test_the_improvement_page_links_to_the_packs_for_those_they_are_for(org, login, who, shown):
    page = login(getattr(org, who)).get(reverse("improvement_index")).content.decode()
    assert (reverse("selfeval_index") in page) is shown
