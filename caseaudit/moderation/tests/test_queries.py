"""The moderation pages and API answer in a number of queries that does not grow with the data:
more audits in a sample, more replies, more moderations in the report."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caseaudit.api.services import api_token_issue
from caseaudit.api.tests.conftest import ApiClient
from caseaudit.factories import CaseFactory
from caseaudit.moderation import services
from caseaudit.moderation.models import ModerationReply

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 10, 1)


def _count(get) -> int:
    get()  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert get().status_code == 200
    return len(queries)


def _complete(moderation, audits, by):
    m = services.moderation_save(
        moderation=moderation,
        by=by,
        revision=moderation.revision,
        sections={s.pk: {"scale": 7} for s in audits.scaled},
        overall_scale=7,
    )
    m = services.moderation_reveal(moderation=m, by=by)
    return services.moderation_complete(moderation=m, by=by)


def _audits(org, audits, n, day):
    for _ in range(n):
        case = CaseFactory(team=org.north_b, allocated_worker=org.worker_b)
        audits.make(case=case, auditor=org.director, on=dt.date(2026, 10, day))


def test_pages_and_api_do_not_grow(org, audits, login):
    _audits(org, audits, 2, 3)
    sample = services.sample_generate(month=MONTH, seed=1, share=100, by=None)
    client = login(org.performance)
    sample_page = lambda: client.get(reverse("moderation_sample", args=["2026-10"]))  # noqa: E731
    index = lambda: client.get(reverse("moderation_index"))  # noqa: E731
    before = (_count(sample_page), _count(index))
    services.sample_confirm(sample=sample, by=org.performance.user)
    first = sample.moderations.order_by("pk").first()
    done = _complete(first, audits, org.performance.user)
    detail = lambda: login(org.director).get(reverse("moderation_detail", args=[done.pk]))  # noqa: E731
    report = lambda: login(org.performance).get(reverse("report_moderation"))  # noqa: E731
    token = api_token_issue(user=org.performance.user, name="t", by=org.performance.user)[1]
    api = ApiClient(token)
    api_detail = lambda: api.get(f"/api/v1/moderations/{done.pk}")  # noqa: E731
    api_report = lambda: api.get("/api/v1/reports/moderation")  # noqa: E731
    counts = [_count(f) for f in (detail, report, api_detail, api_report)]

    # More of everything: audits in the sample, replies, completed moderations.
    sample.delete()
    _audits(org, audits, 6, 5)
    sample = services.sample_generate(month=MONTH, seed=1, share=100, by=None)
    assert (_count(sample_page), _count(index)) == before
    services.sample_confirm(sample=sample, by=org.performance.user)
    moderations = list(sample.moderations.order_by("pk"))
    done = _complete(moderations[0], audits, org.performance.user)
    for m in moderations[1:4]:
        _complete(m, audits, org.performance.user)
    for n in range(4):
        ModerationReply.objects.create(moderation=done, author=org.director, text=f"Reply {n}")
    assert [_count(f) for f in (detail, report, api_detail, api_report)] == counts
    assert before[0] < 30 and counts[0] < 30
