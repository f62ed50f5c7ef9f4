"""Fixtures of the self-evaluation tests: completed audits made directly (the improvement
tests' helper), and a pack at each step of its life.

A draft's figures are counted by a background task queued on commit
(`tasks.pack_count_figures_task`); the tests' ImmediateBackend runs it when the callbacks run:
`draft_pack` runs them (`counted`), as a request's commit does."""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.test import TestCase
from django.utils import timezone

from caseaudit.improvement.tests.conftest import completed_audit
from caseaudit.selfeval import services
from caseaudit.selfeval.models import PackScope, SelfEvaluationPack

__all__ = ["completed_audit", "counted", "draft_pack", "approved_pack", "published_pack"]


@contextmanager
def counted():
    """Run the tasks queued on commit inside the block (the figures' count), as they run when
    a request's transaction commits (the test's own transaction never does)."""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        yield callbacks


def year() -> tuple[dt.date, dt.date]:
    """The last 365 days, today included (so audits made "now" count)."""
    today = timezone.localdate()
    return today - dt.timedelta(days=364), today


def draft_pack(
    org, *, author=None, kind=PackScope.AUTHORITY, service=None, title="Self-evaluation 2026"
):
    """A draft pack of the last year, its figures counted."""
    start, end = year()
    with counted():
        pack = services.pack_create(
            by=(author or org.performance).user,
            title=title,
            scope_kind=kind,
            service=service,
            period_start=start,
            period_end=end,
        )
    pack.refresh_from_db()
    return pack


def approved_pack(org, **kwargs) -> SelfEvaluationPack:
    pack = draft_pack(org, **kwargs)
    pack = services.pack_send_for_review(pack=pack, by=pack.author.user, reviewer=org.director)
    return services.pack_review(pack=pack, by=org.director.user, approve=True, comment="")


def published_pack(org, **kwargs) -> SelfEvaluationPack:
    pack = approved_pack(org, **kwargs)
    return services.pack_publish(pack=pack, by=pack.author.user)


@pytest.fixture
def audits(org):
    """Three completed audits in the north (scales 1, 6, 9) and one in the south (4)."""
    return [
        completed_audit(case=org.case, auditor=org.director, scale=1),
        completed_audit(case=org.colleague_case, auditor=org.tm, scale=6, good_practice="Clear."),
        completed_audit(case=org.case_b, auditor=org.csm_north, scale=9),
        completed_audit(case=org.south_case, auditor=org.director, scale=4),
    ]
