"""The figures are counted in the background: a draft is saved at once with its figures
pending and their count queued on commit (`tasks.pack_count_figures_task` ->
`services.pack_count_figures`); the page says so meanwhile and reloads itself; a pending pack
cannot go for review or be published; two refreshes queue one count; a failed count is shown
with its short error and may be asked again; a narrative written meanwhile is kept; a count
that no longer answers the latest request, or finds the pack no longer a draft, stores
nothing; and the page's queries do not grow with the data."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.tests.concurrency import require_postgresql, run_together
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.selfeval import services, snapshot
from caseaudit.selfeval.models import (
    FIGURES_STALE,
    FiguresStatus,
    PackEvent,
    PackEventKind,
    PackScope,
    PackStatus,
    SelfEvaluationPack,
)
from caseaudit.selfeval.tasks import pack_count_figures_task

from .conftest import completed_audit, counted, draft_pack, year

pytestmark = pytest.mark.django_db

BANNER = "The figures are being counted. This page shows them when they are ready"
REFRESH = '<meta http-equiv="refresh" content="5">'


def _asked(org, *, author=None) -> SelfEvaluationPack:
    """A draft just started: its count queued on commit, not run (as while the worker has
    not picked it up yet)."""
    start, end = year()
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        pack = services.pack_create(
            by=(author or org.performance).user,
            title="Pending pack",
            scope_kind=PackScope.AUTHORITY,
            service=None,
            period_start=start,
            period_end=end,
        )
    assert len(queued) == 1  # the count, queued on commit
    pack.refresh_from_db()
    return pack


def _count(pack) -> str:
    result = services.pack_count_figures(pack_id=pack.pk)
    pack.refresh_from_db()
    return result


def _kinds(pack):
    return list(PackEvent.objects.filter(pack=pack).values_list("kind", flat=True))


def test_a_draft_is_saved_at_once_with_its_figures_pending(org, audits):
    pack = _asked(org)
    assert pack.status == PackStatus.DRAFT and pack.figures_status == FiguresStatus.PENDING
    assert pack.figures == {} and pack.figures_at is None
    assert pack.figures_asked_by == org.performance and pack.figures_by == org.performance
    assert (pack.narrative_know, pack.narrative_how, pack.narrative_doing) == ("", "", "")
    assert _kinds(pack) == [PackEventKind.CREATED]
    assert _count(pack) == "ready"
    assert pack.figures_status == FiguresStatus.READY and pack.figures["know"]["audits"] == 4
    assert pack.figures_at is not None and pack.figures_at >= pack.figures_asked_at
    assert pack.narrative_know == pack.figures["drafts"]["know"] != ""
    assert _kinds(pack) == [PackEventKind.CREATED, PackEventKind.COUNTED]
    assert _count(pack) == "not pending"  # the task is safe to run twice
    assert _kinds(pack) == [PackEventKind.CREATED, PackEventKind.COUNTED]


def test_the_task_counts_through_the_service(org, audits):
    pack = _asked(org)
    result = pack_count_figures_task.enqueue(pack_id=pack.pk)  # the tests' ImmediateBackend
    assert result.return_value == "ready"
    pack.refresh_from_db()
    assert pack.figures["know"]["audits"] == 4


@pytest.mark.parametrize(
    ("who", "status"), [("performance", 200), ("csm_north", 404), ("director", 404)]
)
def test_the_page_says_the_figures_are_being_counted_and_reloads(org, login, audits, who, status):
    pack = _asked(org)
    response = login(getattr(org, who)).get(reverse("selfeval_pack", args=[pack.pk]))
    assert response.status_code == status
    if status != 200:
        return
    page = response.content.decode()
    assert BANNER in page and REFRESH in page
    # A plain link reloads it (no JavaScript needed).
    url = reverse("selfeval_pack", args=[pack.pk])
    assert f'class="govuk-notification-banner__link" href="{url}">Check now</a>' in page
    assert "Being counted" in page  # the figures row
    assert 'id="pack-source"' not in page  # no figures to show yet
    assert "Edit the narrative" in page
    assert "Refresh the figures" not in page  # already asked for
    assert 'id="send-for-review"' not in page and "once its figures are counted" in page
    _count(pack)
    page = login(org.performance).get(reverse("selfeval_pack", args=[pack.pk])).content.decode()
    assert BANNER not in page and 'http-equiv="refresh"' not in page
    assert "Source: 4 audits completed" in page
    assert "Refresh the figures" in page and 'id="send-for-review"' in page


def test_starting_a_draft_on_the_page_shows_it_pending(org, login, audits):
    client = login(org.performance)
    response = client.post(
        reverse("selfeval_new"),
        {"title": "Self-evaluation", "scope_kind": "authority", "period": "12m"},
        follow=True,
    )
    page = response.content.decode()
    assert "Draft started. Its figures are counted in the background" in page and BANNER in page
    pack = SelfEvaluationPack.objects.get()
    assert pack.figures_status == FiguresStatus.PENDING
    index = client.get(reverse("selfeval_index")).content.decode()
    assert "figures being counted" in index


def test_while_refreshing_the_page_shows_the_figures_it_has(org, login, audits):
    pack = draft_pack(org)
    client = login(org.performance)
    response = client.post(reverse("selfeval_refresh", args=[pack.pk]), follow=True)
    page = response.content.decode()
    assert "The figures are being counted again" in page and BANNER in page
    assert "Until then it shows the figures counted" in page
    assert "Source: 4 audits completed" in page  # the old figures stay readable


def test_send_for_review_is_refused_while_the_figures_are_pending(org, login, audits):
    pack = _asked(org)
    pack = services.pack_save(
        pack=pack,
        by=org.performance.user,
        revision=pack.revision,
        title=pack.title,
        narrative={"know": "Written.", "how": "Written.", "doing": "Written."},
    )
    with pytest.raises(ValidationError, match="still being counted") as error:
        services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    assert error.value.code == "figures_pending"
    response = login(org.performance).post(
        reverse("selfeval_send_for_review", args=[pack.pk]),
        {"reviewer": org.director.pk},
        follow=True,
    )
    assert "The figures are still being counted" in response.content.decode()
    pack.refresh_from_db()
    assert pack.status == PackStatus.DRAFT and pack.reviewer is None
    _count(pack)
    services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    assert SelfEvaluationPack.objects.get(pk=pack.pk).status == PackStatus.IN_REVIEW


def test_a_refresh_asked_after_the_page_was_read_stops_the_send(org):
    pack = draft_pack(org)
    read = SelfEvaluationPack.objects.get(pk=pack.pk)  # the page, read before the refresh
    services.pack_refresh(pack=pack, by=org.performance.user)  # its count not run yet
    with pytest.raises(TransitionConflict, match="still being counted"):
        services.pack_send_for_review(pack=read, by=org.performance.user, reviewer=org.director)
    assert SelfEvaluationPack.objects.get(pk=pack.pk).status == PackStatus.DRAFT


def test_publishing_is_refused_while_the_figures_are_pending(org):
    pack = draft_pack(org)
    pack = services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    pack = services.pack_review(pack=pack, by=org.director.user, approve=True, comment="")
    # No service marks an approved pack's figures pending; the publish checks all the same.
    SelfEvaluationPack.objects.filter(pk=pack.pk).update(figures_status=FiguresStatus.PENDING)
    with pytest.raises(ValidationError, match="still being counted"):
        services.pack_publish(pack=pack, by=org.performance.user)
    assert SelfEvaluationPack.objects.get(pk=pack.pk).status == PackStatus.APPROVED


def test_two_refreshes_queue_one_recount(org, audits):
    pack = draft_pack(org)
    stale = SelfEvaluationPack.objects.get(pk=pack.pk)  # a second tab
    completed_audit(case=org.case, auditor=org.director, scale=8)
    with counted() as queued:
        services.pack_refresh(pack=pack, by=org.performance.user)
        with pytest.raises(TransitionConflict, match="already being counted"):
            services.pack_refresh(pack=stale, by=org.performance.user)
    assert len(queued) == 1
    pack.refresh_from_db()
    assert pack.figures_status == FiguresStatus.READY and pack.figures["know"]["audits"] == 5
    assert _kinds(pack) == [
        PackEventKind.CREATED,
        PackEventKind.COUNTED,
        PackEventKind.REFRESHED,
        PackEventKind.COUNTED,
    ]


def test_a_lost_count_may_be_asked_again_and_the_newer_request_wins(org, audits):
    pack = _asked(org)
    first_asked = pack.figures_asked_at
    with pytest.raises(TransitionConflict):
        services.pack_refresh(pack=pack, by=org.performance.user)
    # Asked more than FIGURES_STALE ago and never stored (its worker stopped).
    long_ago = timezone.now() - FIGURES_STALE - dt.timedelta(minutes=1)
    SelfEvaluationPack.objects.filter(pk=pack.pk).update(figures_asked_at=long_ago)
    pack.refresh_from_db()
    assert pack.figures_may_be_asked()
    page_pack = services.pack_refresh(pack=pack, by=org.performance.user)
    assert page_pack.figures_asked_at > first_asked and page_pack.figures_pending
    assert _count(pack) == "ready"


def test_a_count_overtaken_by_a_newer_request_stores_nothing(org, audits):
    pack = _asked(org)
    real = snapshot.compute_snapshot
    newer = timezone.now() + dt.timedelta(seconds=5)

    def meanwhile(**kwargs):
        # While this count runs, a newer request is made (a refresh after the stale time).
        SelfEvaluationPack.objects.filter(pk=pack.pk).update(figures_asked_at=newer)
        return real(**kwargs)

    with mock.patch.object(services, "compute_snapshot", side_effect=meanwhile):
        assert _count(pack) == "superseded"
    assert pack.figures == {} and pack.figures_pending and pack.narrative_know == ""
    assert _kinds(pack) == [PackEventKind.CREATED]
    assert _count(pack) == "ready"  # the newer request's count


def test_a_count_that_finds_the_pack_no_longer_a_draft_stores_nothing(org, audits):
    pack = _asked(org)
    real = snapshot.compute_snapshot

    def meanwhile(**kwargs):
        SelfEvaluationPack.objects.filter(pk=pack.pk).update(status=PackStatus.IN_REVIEW)
        return real(**kwargs)

    with mock.patch.object(services, "compute_snapshot", side_effect=meanwhile):
        assert _count(pack) == "superseded"
    assert pack.figures == {} and pack.narrative_know == ""
    assert _count(pack) == "not a draft"
    assert pack.figures == {}


def test_a_failed_count_is_kept_short_shown_and_asked_again(org, login, audits):
    error = RuntimeError("canceling statement due to statement timeout" + "!" * 300 + "\nrow 7")
    with mock.patch.object(services, "compute_snapshot", side_effect=error):
        pack = draft_pack(org)  # the task records the failure (the ImmediateBackend keeps it)
    assert pack.figures_status == FiguresStatus.FAILED and pack.figures_at is None
    assert pack.figures_error.startswith("RuntimeError: canceling statement due to statement")
    assert len(pack.figures_error) == services.FIGURES_ERROR_MAX and "row 7" not in (
        pack.figures_error
    )
    assert _kinds(pack) == [PackEventKind.CREATED, PackEventKind.COUNT_FAILED]
    # The service raises it again, for the task's record.
    with (
        pytest.raises(RuntimeError),
        mock.patch.object(services, "compute_snapshot", side_effect=error),
    ):
        services.pack_refresh(pack=pack, by=org.performance.user)
        services.pack_count_figures(pack_id=pack.pk)
    client = login(org.performance)
    page = client.get(reverse("selfeval_pack", args=[pack.pk])).content.decode()
    assert "The figures could not be counted" in page and "RuntimeError: canceling" in page
    assert "Refresh the figures to try again" in page and "Refresh the figures</button>" in page
    assert 'http-equiv="refresh"' not in page and 'id="send-for-review"' not in page
    pack.refresh_from_db()
    with pytest.raises(ValidationError, match="have not been counted"):
        services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    with counted():
        client.post(reverse("selfeval_refresh", args=[pack.pk]))
    pack.refresh_from_db()
    assert pack.figures_status == FiguresStatus.READY and pack.figures_error == ""
    assert pack.figures["know"]["audits"] == 4


def test_a_failed_refresh_keeps_the_figures_counted_before(org, login, audits):
    pack = draft_pack(org)
    before = pack.figures
    with (
        mock.patch.object(services, "compute_snapshot", side_effect=ValueError("bad")),
        counted(),
    ):
        services.pack_refresh(pack=pack, by=org.performance.user)
    pack.refresh_from_db()
    assert pack.figures_status == FiguresStatus.FAILED and pack.figures == before
    assert pack.figures_error == "ValueError: bad"
    page = login(org.performance).get(reverse("selfeval_pack", args=[pack.pk])).content.decode()
    assert "until then the pack shows the figures counted" in page
    assert "Source: 4 audits completed" in page


def test_a_narrative_written_before_the_figures_arrive_is_kept(org, login, audits):
    pack = _asked(org)
    client = login(org.performance)
    edit = client.get(reverse("selfeval_edit", args=[pack.pk])).content.decode()
    assert "The figures are being counted." in edit
    client.post(
        reverse("selfeval_edit", args=[pack.pk]),
        {
            "revision": pack.revision,
            "title": pack.title,
            "narrative_know": "Ours, written while the figures were counted.",
            "narrative_how": "",
            "narrative_doing": "",
        },
    )
    pack.refresh_from_db()
    opened_at = pack.revision  # an edit page opened now, before the figures arrive
    _count(pack)
    assert pack.narrative_know == "Ours, written while the figures were counted."
    assert pack.narrative_how == pack.figures["drafts"]["how"] != ""
    assert pack.narrative_doing == pack.figures["drafts"]["doing"] != ""
    # The figures arriving do not make the open edit page stale: its save goes through.
    assert pack.revision == opened_at
    saved = services.pack_save(
        pack=pack,
        by=org.performance.user,
        revision=opened_at,
        title=pack.title,
        narrative={"know": "Later.", "how": pack.narrative_how, "doing": "Mine."},
    )
    assert (saved.narrative_know, saved.narrative_doing) == ("Later.", "Mine.")


def test_the_pages_queries_do_not_grow_with_the_data_pending_or_ready(
    org, login, audits, django_assert_num_queries
):
    client = login(org.performance)
    pending = _asked(org)
    url = reverse("selfeval_pack", args=[pending.pk])
    client.get(url)  # warm the caches a first request fills (session, templates)
    with django_assert_num_queries(6):  # session, user, pack, access log, history, inbox
        assert BANNER in client.get(url).content.decode()
    for n in range(8):
        completed_audit(case=org.case_b, auditor=org.tm_b, scale=n % 11)
    for _ in range(3):
        draft_pack(org)
    with django_assert_num_queries(6):
        assert BANNER in client.get(url).content.decode()
    _count(pending)
    assert pending.figures["know"]["audits"] == 12
    with django_assert_num_queries(7):  # and the reviewers to choose from, once it may be sent
        assert "Source: 12 audits completed" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_count_holds_no_transaction_while_it_computes(org):
    start, end = year()
    seen = []
    real = snapshot.compute_snapshot

    def watching(**kwargs):
        seen.append(connection.in_atomic_block)
        return real(**kwargs)

    with mock.patch.object(services, "compute_snapshot", side_effect=watching):
        # No test transaction here: the task runs when pack_create commits.
        pack = services.pack_create(
            by=org.performance.user,
            title="x",
            scope_kind=PackScope.AUTHORITY,
            service=None,
            period_start=start,
            period_end=end,
        )
    pack.refresh_from_db()
    assert seen == [False] and pack.figures_status == FiguresStatus.READY


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_queue_one_recount(org):
    require_postgresql()
    pack = draft_pack(org)
    results = run_together(
        [lambda: services.pack_refresh(pack=pack, by=org.performance.user) for _ in range(2)]
    )
    assert sum(isinstance(r, TransitionConflict) for r in results) == 1
    assert PackEvent.objects.filter(pack=pack, kind=PackEventKind.REFRESHED).count() == 1
    # The creation's count and the winner's (each run when its request committed).
    assert PackEvent.objects.filter(pack=pack, kind=PackEventKind.COUNTED).count() == 2
