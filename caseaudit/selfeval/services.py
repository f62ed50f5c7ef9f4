"""Writes of self-evaluation packs. Each runs in one transaction, records who did it (a
`PackEvent`), and moves the lifecycle by compare-and-set: of two people acting at once, one
wins and the other gets `TransitionConflict`.

Draft (its figures counted in the background when it is started and whenever the authors
refresh them; the authors rewrite each part's generated narrative) -> in review (a named
senior manager, told by SELF_EVALUATION_REVIEW) -> approved, or returned to draft with a
comment (the author told) -> published: a fixed version. Publishing does not recompute the
figures: what the reviewer approved is what is published (the figures say the date they are
"as at"); only the comparison with the previous published pack of the scope is brought up to
date, and the readers of the scope are told (SELF_EVALUATION_PUBLISHED).

Counting the figures takes seconds at national scale, so no request does it: `pack_create`
and `pack_refresh` mark the figures pending (`figures_asked_at`, `figures_asked_by`) and queue
`tasks.pack_count_figures_task` on commit; the task calls `pack_count_figures`, which counts
outside any transaction and then stores the figures in a short one, by compare-and-set on the
request it answers (a newer request wins; a pack no longer a draft takes nothing). While they
are pending the pack cannot be sent for review or published.
"""

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.urls import reverse
from django.utils import timezone

from caseaudit.core.exceptions import TransitionConflict, not_allowed
from caseaudit.core.typing import User
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.models import ServiceArea, Staff
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import staff_acting

from . import policy
from .models import (
    FIGURES_STALE,
    PARTS,
    FiguresStatus,
    PackEvent,
    PackEventKind,
    PackScope,
    PackStatus,
    SelfEvaluationPack,
)
from .selectors import previous_for_scope, previous_pack_of
from .snapshot import comparison_of, compute_snapshot
from .tasks import pack_count_figures_task

logger = logging.getLogger(__name__)

NARRATIVE_MAX = 20000
# The longest period a pack covers: a year, or a financial year, with room to spare.
PERIOD_MAX_DAYS = 2 * 366
# The longest error of a failed count kept on the pack (`SelfEvaluationPack.figures_error`).
FIGURES_ERROR_MAX = 160
FIGURES_PENDING_MESSAGE = (
    "The figures are still being counted: send the pack for review or publish it once they "
    "are ready."
)


def _event(
    pack: SelfEvaluationPack, kind: str, by: User | None, now: dt.datetime, **detail: Any
) -> None:
    PackEvent.objects.create(pack=pack, kind=kind, at=now, by=by, detail=detail)


def _url(pack: SelfEvaluationPack) -> str:
    return reverse("selfeval_pack", args=[pack.pk])


def pack_create(
    *,
    by: User,
    title: str,
    scope_kind: str,
    service: ServiceArea | None,
    period_start: dt.date,
    period_end: dt.date,
) -> SelfEvaluationPack:
    """Start a draft pack of a period and scope. It is saved at once with its figures pending
    and their count queued (`pack_count_figures`, once this commits): the figures, and each
    part's narrative as the draft generated from them, arrive when the count is done."""
    staff = staff_acting(by)
    if scope_kind not in PackScope.values:
        raise ValidationError({"scope_kind": "Choose the scope"})
    if scope_kind == PackScope.SERVICE:
        if service is None:
            raise ValidationError({"service": "Choose the service"})
    else:
        service = None
    if not policy.can_prepare_scope(
        staff, kind=scope_kind, service_id=service.pk if service else None
    ):
        raise not_allowed("You may not prepare a self-evaluation pack of this scope.")
    if period_start > period_end:
        raise ValidationError({"period_end": "The period must end on or after the day it starts"})
    if (period_end - period_start).days > PERIOD_MAX_DAYS:
        raise ValidationError({"period_end": "A pack covers two years at most"})
    now = timezone.now()
    today = timezone.localdate(now)
    if period_start > today:
        raise ValidationError({"period_start": "The period must start today or earlier"})
    with transaction.atomic():
        pack = SelfEvaluationPack.objects.create(
            title=title.strip() or "Self-evaluation",
            scope_kind=scope_kind,
            service=service,
            period_start=period_start,
            period_end=period_end,
            author=staff,
            created_at=now,
            updated_at=now,
            figures={},
            figures_at=None,
            figures_by=staff,
            figures_status=FiguresStatus.PENDING,
            figures_asked_at=now,
            figures_asked_by=staff,
        )
        _event(pack, PackEventKind.CREATED, by, now)
        _queue_count(pack)
    return pack


def _queue_count(pack: SelfEvaluationPack) -> None:
    pack_id = pack.pk
    transaction.on_commit(lambda: pack_count_figures_task.enqueue(pack_id=pack_id))


def pack_save(
    *,
    pack: SelfEvaluationPack,
    by: User,
    revision: int,
    title: str,
    narrative: dict[str, str],
) -> SelfEvaluationPack:
    """Save the draft's title and each part's narrative (`narrative`: by part key). Refused
    unless the draft is still at `revision`."""
    if not policy.can_edit(by, pack):
        raise not_allowed("Only the author may edit this pack while it is a draft.")
    texts = {key: (narrative.get(key) or "").strip() for key, _heading in PARTS}
    for key, text in texts.items():
        if len(text) > NARRATIVE_MAX:
            raise ValidationError(
                {f"narrative_{key}": f"Write at most {NARRATIVE_MAX:,} characters"}
            )
    now = timezone.now()
    with transaction.atomic():
        moved = SelfEvaluationPack.objects.filter(
            pk=pack.pk, status=PackStatus.DRAFT, revision=revision
        ).update(
            title=title.strip() or pack.title,
            updated_at=now,
            revision=F("revision") + 1,
            **{f"narrative_{key}": text for key, text in texts.items()},
        )
        if not moved:
            raise TransitionConflict(
                "Someone else changed this pack since you opened it: your changes were not "
                "saved. Open it again to see theirs."
            )
        _event(pack, PackEventKind.EDITED, by, now)
    pack.refresh_from_db()
    return pack


def pack_refresh(*, pack: SelfEvaluationPack, by: User) -> SelfEvaluationPack:
    """Ask for the draft's figures to be counted again from today's data, in the background
    (`pack_count_figures`, queued once this commits). The figures already counted stay shown
    until the new ones are stored; the narrative is kept (the new generated drafts are offered
    beside it). Of two requests at once one is queued: the other, and any request while a
    count is pending (unless it is older than FIGURES_STALE), gets `TransitionConflict`."""
    if not policy.can_edit(by, pack):
        raise not_allowed("Only the author may refresh the figures of a draft.")
    staff = staff_acting(by)
    now = timezone.now()
    with transaction.atomic():
        moved = (
            SelfEvaluationPack.objects.filter(pk=pack.pk, status=PackStatus.DRAFT)
            .filter(
                ~Q(figures_status=FiguresStatus.PENDING)
                | Q(figures_asked_at__lt=now - FIGURES_STALE)
            )
            .update(
                figures_status=FiguresStatus.PENDING,
                figures_asked_at=now,
                figures_asked_by=staff,
                figures_error="",
                updated_at=now,
            )
        )
        if not moved:
            status = (
                SelfEvaluationPack.objects.filter(pk=pack.pk)
                .values_list("status", flat=True)
                .first()
            )
            if status != PackStatus.DRAFT:
                raise TransitionConflict("This pack is no longer a draft: its figures are fixed.")
            raise TransitionConflict(
                "The figures are already being counted: the pack shows them when they are ready."
            )
        _event(pack, PackEventKind.REFRESHED, by, now)
        _queue_count(pack)
    pack.refresh_from_db()
    return pack


def _answering(pack_id: int, asked_at: dt.datetime | None) -> QuerySet[SelfEvaluationPack]:
    """The pack, if it is still a draft whose figures are pending for the request asked at
    `asked_at` (the compare-and-set of a count's result)."""
    return SelfEvaluationPack.objects.filter(
        pk=pack_id,
        status=PackStatus.DRAFT,
        figures_status=FiguresStatus.PENDING,
        figures_asked_at=asked_at,
    )


def _short_error(error: BaseException) -> str:
    """A failed count's error as kept on the pack: its kind and the first line of its
    message, cut short."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= FIGURES_ERROR_MAX else text[: FIGURES_ERROR_MAX - 1] + "…"


def pack_count_figures(*, pack_id: int) -> str:
    """Count the figures of a draft whose count is pending, and store them with, for each part
    whose narrative is still empty, the draft generated from them (a narrative the authors
    have written is kept). Run by `tasks.pack_count_figures_task`; safe to run twice.

    The count (seconds at national scale) runs outside any transaction and holds no lock; the
    result is stored in a short transaction by compare-and-set on the request it answers
    (`figures_asked_at`): a newer refresh wins, and a pack no longer a draft takes nothing.
    `figures_at` is when the count began, `figures_by` who asked for it. A failed count is
    stored as failed with its short error (the figures already counted stay) and its error
    raised again for the task's record. Returns what happened: "ready", or why nothing was
    stored ("superseded", "not pending", "not a draft", "no such pack")."""
    pack = (
        SelfEvaluationPack.objects.filter(pk=pack_id)
        .select_related("service", "figures_asked_by__user")
        .first()
    )
    if pack is None:
        return "no such pack"
    if pack.status != PackStatus.DRAFT:
        return "not a draft"
    if not pack.figures_pending:
        return "not pending"
    asked_at, asker = pack.figures_asked_at, pack.figures_asked_by
    asker_user = asker.user if asker is not None else None
    now = timezone.now()
    try:
        figures = compute_snapshot(
            service=pack.service,
            period_start=pack.period_start,
            period_end=pack.period_end,
            today=timezone.localdate(now),
            previous=previous_pack_of(pack=pack),
        )
    except Exception as error:
        logger.exception("self-evaluation pack %s: the figures could not be counted", pack_id)
        try:
            _count_failed(pack, asked_at=asked_at, by=asker_user, error=_short_error(error))
        except Exception:  # the database itself gone: the count stays pending until stale
            logger.exception("self-evaluation pack %s: the failure was not recorded", pack_id)
        raise
    drafts = figures["drafts"]
    with transaction.atomic():
        moved = _answering(pack_id, asked_at).update(
            figures=figures,
            figures_at=now,
            figures_by=F("figures_asked_by"),
            figures_status=FiguresStatus.READY,
            figures_error="",
            **{
                f"narrative_{key}": Case(
                    When(**{f"narrative_{key}": ""}, then=Value(drafts[key])),
                    default=F(f"narrative_{key}"),
                    output_field=TextField(),
                )
                for key, _heading in PARTS
            },
        )
        if not moved:
            return "superseded"
        _event(
            pack,
            PackEventKind.COUNTED,
            asker_user,
            timezone.now(),
            audits=figures["know"]["audits"],
            figures_at=now.isoformat(),
        )
    return "ready"


def _count_failed(
    pack: SelfEvaluationPack, *, asked_at: dt.datetime | None, by: User | None, error: str
) -> None:
    with transaction.atomic():
        moved = _answering(pack.pk, asked_at).update(
            figures_status=FiguresStatus.FAILED, figures_error=error
        )
        if moved:
            _event(pack, PackEventKind.COUNT_FAILED, by, timezone.now(), error=error)


def pack_send_for_review(
    *, pack: SelfEvaluationPack, by: User, reviewer: Staff
) -> SelfEvaluationPack:
    """Send the draft to a named senior manager for review (SELF_EVALUATION_REVIEW)."""
    if not policy.can_send_for_review(by, pack):
        raise not_allowed("Only the author may send this draft for review.")
    if pack.figures_pending:
        raise ValidationError(FIGURES_PENDING_MESSAGE, code="figures_pending")
    if not pack.has_figures:
        raise ValidationError(
            "The figures have not been counted yet: refresh the figures, then send the pack "
            "for review once they are ready.",
            code="no_figures",
        )
    if not Staff.objects.filter(policy.reviewer_q(pack), pk=reviewer.pk).exists():
        raise ValidationError({"reviewer": "Choose a senior manager who may review this pack"})
    missing = [heading for key, heading in PARTS if not pack.narrative(key).strip()]
    if missing:
        raise ValidationError(
            "Write the narrative of every part before sending it for review: "
            + "; ".join(missing)
            + "."
        )
    now = timezone.now()
    with transaction.atomic():
        moved = (
            SelfEvaluationPack.objects.filter(
                pk=pack.pk, status=PackStatus.DRAFT, figures_at__isnull=False
            )
            .exclude(figures_status=FiguresStatus.PENDING)
            .update(status=PackStatus.IN_REVIEW, reviewer=reviewer, review_requested_at=now)
        )
        if not moved:
            current = SelfEvaluationPack.objects.filter(pk=pack.pk).values("status").first()
            if current is not None and current["status"] == PackStatus.DRAFT:
                # A refresh asked for since the page was read.
                raise TransitionConflict(FIGURES_PENDING_MESSAGE)
            raise TransitionConflict("This pack is no longer a draft.")
        _event(pack, PackEventKind.SENT_FOR_REVIEW, by, now, reviewer=reviewer.name)
        notify(
            recipient=reviewer,
            kind=NotificationKind.SELF_EVALUATION_REVIEW,
            subject=f"Self-evaluation pack for your review: {pack.title}",
            body=(
                f"{staff_acting(by).name} asks you to review the self-evaluation pack "
                f"“{pack.title}” ({pack.scope_label.lower()}, {pack.period_label}). Approve it "
                "for publishing or return it with your comments."
            ),
            url=_url(pack),
            idempotency_key=f"self-evaluation-review:{pack.pk}:{now.isoformat()}",
        )
    pack.refresh_from_db()
    return pack


def pack_review(
    *, pack: SelfEvaluationPack, by: User, approve: bool, comment: str
) -> SelfEvaluationPack:
    """The reviewer approves the pack for publishing, or returns it to draft with a comment
    (the author is told either way)."""
    if not policy.can_review(by, pack):
        raise not_allowed("Only the named reviewer may review this pack.")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "Say what should change"})
    now = timezone.now()
    target = PackStatus.APPROVED if approve else PackStatus.DRAFT
    with transaction.atomic():
        moved = SelfEvaluationPack.objects.filter(pk=pack.pk, status=PackStatus.IN_REVIEW).update(
            status=target,
            reviewed_at=now,
            review_comment=comment.strip(),
            revision=F("revision") + 1,
        )
        if not moved:
            raise TransitionConflict("This pack is no longer waiting for review.")
        _event(
            pack,
            PackEventKind.APPROVED if approve else PackEventKind.RETURNED,
            by,
            now,
            comment=comment.strip(),
        )
        verb = "approved" if approve else "returned for changes"
        notify(
            recipient=pack.author,
            kind=NotificationKind.SELF_EVALUATION_REVIEW,
            subject=f"Self-evaluation pack {verb}: {pack.title}",
            body=(
                f"{staff_acting(by).name} {verb} the self-evaluation pack “{pack.title}”."
                + (f" Their comments: {comment.strip()}" if comment.strip() else "")
                + (" You can publish it now." if approve else "")
            ),
            url=_url(pack),
            idempotency_key=f"self-evaluation-reviewed:{pack.pk}:{now.isoformat()}",
        )
    pack.refresh_from_db()
    return pack


def readers_to_tell(pack: SelfEvaluationPack) -> list[Staff]:
    """Who is told a pack is published: the Assistant Directors and the Director, and the
    CSMs who read it (every CSM for the authority's pack, the service's for a service's)."""
    q = Q(role__in=[Role.ASSISTANT_DIRECTOR, Role.DIRECTOR])
    if pack.scope_kind == PackScope.AUTHORITY:
        q |= Q(role=Role.SERVICE_MANAGER)
    else:
        q |= Q(role=Role.SERVICE_MANAGER) & (
            Q(service_area_id=pack.service_id)
            | Q(service_area__isnull=True, team__service_area_id=pack.service_id)
        )
    return list(Staff.objects.active().filter(q).select_related("user").order_by("pk"))


def pack_publish(
    *, pack: SelfEvaluationPack, by: User, now: dt.datetime | None = None
) -> SelfEvaluationPack:
    """Publish an approved pack as a fixed version: its figures as approved, the previous
    published pack of its scope recorded and compared with, and its readers told."""
    if not policy.can_publish(by, pack):
        raise not_allowed("Only the author may publish this pack, once it is approved.")
    publisher = staff_acting(by)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            SelfEvaluationPack.objects.select_for_update()
            .filter(pk=pack.pk, status=PackStatus.APPROVED)
            .first()
        )
        if locked is None:
            raise TransitionConflict("This pack is no longer waiting to be published.")
        if locked.figures_pending or not locked.has_figures:
            raise ValidationError(FIGURES_PENDING_MESSAGE, code="figures_pending")
        previous = previous_for_scope(
            scope_kind=locked.scope_kind, service_id=locked.service_id, exclude_pk=locked.pk
        )
        figures = dict(locked.figures)
        figures["comparison"] = comparison_of(figures=figures, previous=previous)
        figures["published_on"] = timezone.localdate(now).isoformat()
        moved = SelfEvaluationPack.objects.filter(pk=locked.pk, status=PackStatus.APPROVED).update(
            status=PackStatus.PUBLISHED,
            published_at=now,
            published_by=publisher,
            figures=figures,
            previous=previous,
        )
        if not moved:  # pragma: no cover  (the row is locked: nobody moved it since)
            raise TransitionConflict("This pack is no longer waiting to be published.")
        _event(locked, PackEventKind.PUBLISHED, by, now)
        for reader in readers_to_tell(locked):
            if reader.pk == publisher.pk:
                continue
            notify(
                recipient=reader,
                kind=NotificationKind.SELF_EVALUATION_PUBLISHED,
                subject=f"Self-evaluation pack published: {locked.title}",
                body=(
                    f"The self-evaluation pack “{locked.title}” ({locked.scope_label.lower()}, "
                    f"{locked.period_label}) is published: what we know about the quality of "
                    "our practice, how we know it, and what we are doing to improve."
                ),
                url=_url(locked),
                idempotency_key=f"self-evaluation-published:{locked.pk}:{reader.pk}",
            )
    pack.refresh_from_db()
    return pack
