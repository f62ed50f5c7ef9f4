"""The pack's life: each transition, who may do it, two people at once (the stale loser gets
TransitionConflict: publish twice makes one version), a published pack never changes, and the
notifications of review and publishing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caseaudit.audits.tests.concurrency import require_postgresql, run_together
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.notifications.models import Notification, NotificationKind
from caseaudit.selfeval import policy, services
from caseaudit.selfeval.models import (
    FiguresStatus,
    PackEvent,
    PackEventKind,
    PackScope,
    PackStatus,
)

from .conftest import approved_pack, completed_audit, counted, draft_pack, published_pack, year

pytestmark = pytest.mark.django_db


def _not_allowed(call):
    with pytest.raises(ValidationError) as error:
        call()
    assert error.value.code == "not_allowed"


def _kinds(pack):
    return list(PackEvent.objects.filter(pack=pack).values_list("kind", flat=True))


def test_a_draft_is_started_with_its_figures_and_a_generated_narrative(org, audits):
    pack = draft_pack(org)  # its figures counted by the task queued on commit
    assert pack.status == PackStatus.DRAFT
    assert pack.figures_status == FiguresStatus.READY and pack.figures_at is not None
    assert pack.figures["know"]["audits"] == 4
    assert pack.figures_by == org.performance
    for key in ("know", "how", "doing"):
        assert pack.narrative(key) == pack.figures["drafts"][key] != ""
    assert "4 audits of 4 cases" in pack.narrative_know
    assert _kinds(pack) == [PackEventKind.CREATED, PackEventKind.COUNTED]
    counted_event = PackEvent.objects.get(pack=pack, kind=PackEventKind.COUNTED)
    assert counted_event.by == org.performance.user
    assert counted_event.detail == {"audits": 4, "figures_at": pack.figures_at.isoformat()}


@pytest.mark.parametrize(
    ("who", "kind", "service", "allowed"),
    [
        ("performance", PackScope.AUTHORITY, None, True),
        ("performance", PackScope.SERVICE, "south", True),
        ("csm_north", PackScope.SERVICE, "north", True),
        ("csm_north", PackScope.SERVICE, "south", False),
        ("csm_north", PackScope.AUTHORITY, None, False),
        ("director", PackScope.AUTHORITY, None, False),
        ("tm", PackScope.SERVICE, "north", False),
        ("worker", PackScope.AUTHORITY, None, False),
        ("business_support", PackScope.AUTHORITY, None, False),
    ],
)
def test_who_may_prepare_which_scope(org, who, kind, service, allowed):
    def start():
        return draft_pack(
            org, author=getattr(org, who), kind=kind, service=getattr(org, service or "", None)
        )

    if allowed:
        assert start().author == getattr(org, who)
    else:
        _not_allowed(start)


def test_bad_periods_and_a_missing_service_name_the_field(org):
    start, end = year()
    for kwargs, field in (
        ({"period_start": end, "period_end": start}, "period_end"),
        ({"period_start": start - dt.timedelta(days=800), "period_end": end}, "period_end"),
        (
            {
                "period_start": timezone.localdate() + dt.timedelta(days=1),
                "period_end": timezone.localdate() + dt.timedelta(days=2),
            },
            "period_start",
        ),
    ):
        with pytest.raises(ValidationError) as error:
            services.pack_create(
                by=org.performance.user,
                title="x",
                scope_kind=PackScope.AUTHORITY,
                service=None,
                **kwargs,
            )
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.pack_create(
            by=org.performance.user,
            title="x",
            scope_kind=PackScope.SERVICE,
            service=None,
            period_start=start,
            period_end=end,
        )
    assert "service" in error.value.message_dict


def test_the_author_edits_the_narrative_by_revision(org):
    pack = draft_pack(org)
    first_revision = pack.revision
    saved = services.pack_save(
        pack=type(pack).objects.get(pk=pack.pk),
        by=org.performance.user,
        revision=first_revision,
        title="Our self-evaluation",
        narrative={"know": "We know.", "how": "Audits.", "doing": "Actions."},
    )
    assert (saved.title, saved.narrative_know, saved.revision) == (
        "Our self-evaluation",
        "We know.",
        first_revision + 1,
    )
    with pytest.raises(TransitionConflict):  # a second tab, opened before the save
        services.pack_save(
            pack=pack,
            by=org.performance.user,
            revision=first_revision,
            title="Stale",
            narrative={"know": "Old."},
        )
    saved.refresh_from_db()
    assert saved.title == "Our self-evaluation"
    _not_allowed(
        lambda: services.pack_save(
            pack=saved, by=org.director.user, revision=saved.revision, title="", narrative={}
        )
    )


def test_refresh_recomputes_from_live_data_and_records_who(org, audits):
    pack = draft_pack(org)
    pack = services.pack_save(
        pack=pack,
        by=org.performance.user,
        revision=pack.revision,
        title=pack.title,
        narrative={"know": "Mine.", "how": "Mine.", "doing": "Mine."},
    )
    completed_audit(case=org.case, auditor=org.director, scale=8)
    admin_side = org.performance  # any of Performance Assurance
    with counted():
        asked = services.pack_refresh(pack=pack, by=admin_side.user)
        # Asked for: pending until the task runs (on commit), the old figures still there.
        assert asked.figures_status == FiguresStatus.PENDING
        assert asked.figures["know"]["audits"] == 4 and asked.figures_at == pack.figures_at
    refreshed = type(pack).objects.get(pk=pack.pk)
    assert refreshed.figures_status == FiguresStatus.READY
    assert refreshed.figures["know"]["audits"] == 5
    assert refreshed.narrative_know == "Mine."  # the authors' words are kept
    assert "5 audits" in refreshed.figures["drafts"]["know"]
    assert refreshed.figures_by == admin_side and refreshed.figures_at >= pack.figures_at
    event = PackEvent.objects.get(pack=pack, kind=PackEventKind.REFRESHED)
    assert event.by == admin_side.user and event.detail == {}
    counted_event = PackEvent.objects.filter(pack=pack, kind=PackEventKind.COUNTED).last()
    assert counted_event.by == admin_side.user and counted_event.detail["audits"] == 5


def test_send_for_review_needs_a_reviewer_of_the_scope_and_every_part_written(org):
    pack = draft_pack(org)
    with pytest.raises(ValidationError) as error:
        services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.tm)
    assert "reviewer" in error.value.message_dict
    # The authority's pack: not a CSM.
    with pytest.raises(ValidationError):
        services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.csm_north)
    pack = services.pack_save(
        pack=pack,
        by=org.performance.user,
        revision=pack.revision,
        title=pack.title,
        narrative={"know": "Written.", "how": "", "doing": "Written."},
    )
    with pytest.raises(ValidationError, match="How we know it"):
        services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    _not_allowed(
        lambda: services.pack_send_for_review(
            pack=pack, by=org.director.user, reviewer=org.director
        )
    )


def test_a_service_pack_may_be_reviewed_by_its_csm_unless_they_wrote_it(org):
    by_pa = draft_pack(org, kind=PackScope.SERVICE, service=org.north)
    assert set(policy.reviewer_q(by_pa).children) and org.csm_north in list(
        type(org.csm_north).objects.filter(policy.reviewer_q(by_pa))
    )
    by_csm = draft_pack(org, author=org.csm_north, kind=PackScope.SERVICE, service=org.north)
    reviewers = list(type(org.csm_north).objects.filter(policy.reviewer_q(by_csm)))
    assert org.csm_north not in reviewers and org.director in reviewers


def test_review_returns_with_a_comment_or_approves_and_the_author_is_told(org):
    pack = draft_pack(org)
    pack = services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    assert pack.status == PackStatus.IN_REVIEW
    told = Notification.objects.get(kind=NotificationKind.SELF_EVALUATION_REVIEW)
    assert told.recipient == org.director and f"/self-evaluation/{pack.pk}/" == told.url
    assert not policy.can_edit(org.performance.user, pack)
    _not_allowed(
        lambda: services.pack_review(pack=pack, by=org.performance.user, approve=True, comment="")
    )
    with pytest.raises(ValidationError) as error:
        services.pack_review(pack=pack, by=org.director.user, approve=False, comment=" ")
    assert "comment" in error.value.message_dict
    pack = services.pack_review(
        pack=pack, by=org.director.user, approve=False, comment="Say more about coverage."
    )
    assert pack.status == PackStatus.DRAFT and pack.review_comment == "Say more about coverage."
    assert Notification.objects.filter(
        kind=NotificationKind.SELF_EVALUATION_REVIEW, recipient=org.performance
    ).exists()
    pack = services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    pack = services.pack_review(pack=pack, by=org.director.user, approve=True, comment="")
    assert pack.status == PackStatus.APPROVED
    assert _kinds(pack) == [
        PackEventKind.CREATED,
        PackEventKind.COUNTED,
        PackEventKind.SENT_FOR_REVIEW,
        PackEventKind.RETURNED,
        PackEventKind.SENT_FOR_REVIEW,
        PackEventKind.APPROVED,
    ]


def test_publishing_fixes_the_version_and_tells_the_readers(org, audits):
    pack = approved_pack(org)
    _not_allowed(lambda: services.pack_publish(pack=pack, by=org.director.user))
    approved_figures = pack.figures
    completed_audit(case=org.case, auditor=org.director, scale=8)  # after approval
    pack = services.pack_publish(pack=pack, by=org.performance.user)
    assert pack.status == PackStatus.PUBLISHED and pack.published_by == org.performance
    # What the reviewer approved is what is published.
    assert pack.figures["know"] == approved_figures["know"]
    assert pack.figures["published_on"] == timezone.localdate().isoformat()
    told = set(
        Notification.objects.filter(kind=NotificationKind.SELF_EVALUATION_PUBLISHED).values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {org.director.pk, org.csm_north.pk}


def test_a_published_pack_never_changes(org, audits):
    pack = published_pack(org)
    for user in (org.performance.user, org.director.user):
        _not_allowed(lambda u=user: services.pack_refresh(pack=pack, by=u))
        _not_allowed(
            lambda u=user: services.pack_save(
                pack=pack, by=u, revision=pack.revision, title="New", narrative={}
            )
        )
    before = pack.figures
    pack.refresh_from_db()
    assert pack.figures == before


def test_publish_twice_makes_one_version(org):
    pack = approved_pack(org)
    stale = type(pack).objects.get(pk=pack.pk)
    services.pack_publish(pack=pack, by=org.performance.user)
    with pytest.raises(TransitionConflict):
        services.pack_publish(pack=stale, by=org.performance.user)
    assert PackEvent.objects.filter(pack=pack, kind=PackEventKind.PUBLISHED).count() == 1


def test_refresh_after_it_was_sent_for_review_is_refused(org):
    pack = draft_pack(org)
    stale = type(pack).objects.get(pk=pack.pk)
    services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    with pytest.raises(TransitionConflict):
        services.pack_refresh(pack=stale, by=org.performance.user)


def test_the_previous_pack_of_the_scope_is_recorded_on_publishing(org, audits):
    first = published_pack(org)
    second = published_pack(org, title="Self-evaluation 2027")
    assert second.previous == first
    assert second.figures["comparison"]["id"] == first.pk


@pytest.mark.django_db(transaction=True)
def test_two_publish_requests_at_once_make_one_version(org):
    require_postgresql()
    pack = approved_pack(org)
    results = run_together(
        [lambda: services.pack_publish(pack=pack, by=org.performance.user) for _ in range(2)]
    )
    assert sum(isinstance(r, TransitionConflict) for r in results) == 1
    assert PackEvent.objects.filter(pack=pack, kind=PackEventKind.PUBLISHED).count() == 1
