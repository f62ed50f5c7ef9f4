"""Writes of self-evaluation packs. Each runs in one transaction, records who did it (a
`PackEvent`), and moves the lifecycle by compare-and-set: of two people acting at once, one
wins and the other gets `TransitionConflict`.

Draft (its figures computed when it is started; the authors rewrite each part's generated
narrative and may refresh the figures) -> in review (a named senior manager, told by
SELF_EVALUATION_REVIEW) -> approved, or returned to draft with a comment (the author told) ->
published: a fixed version. Publishing does not recompute the figures: what the reviewer
approved is what is published (the figures say the date they are "as at"); only the
comparison with the previous published pack of the scope is brought up to date, and the
readers of the scope are told (SELF_EVALUATION_PUBLISHED).
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from caseaudit.core.exceptions import TransitionConflict, not_allowed
from caseaudit.core.typing import User
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.models import ServiceArea, Staff
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import staff_acting

from . import policy
from .models import PARTS, PackEvent, PackEventKind, PackScope, PackStatus, SelfEvaluationPack
from .selectors import previous_for_scope, previous_pack_of
from .snapshot import comparison_of, compute_snapshot

NARRATIVE_MAX = 20000
# The longest period a pack covers: a year, or a financial year, with room to spare.
PERIOD_MAX_DAYS = 2 * 366


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
    """Start a draft pack of a period and scope: its figures are computed now, and each
    part's narrative starts as the draft generated from them."""
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
    previous = previous_for_scope(scope_kind=scope_kind, service_id=service.pk if service else None)
    figures = compute_snapshot(
        service=service,
        period_start=period_start,
        period_end=period_end,
        today=today,
        previous=previous,
    )
    drafts = figures["drafts"]
    with transaction.atomic():
        pack = SelfEvaluationPack.objects.create(
            title=title.strip() or "Self-evaluation",
            scope_kind=scope_kind,
            service=service,
            period_start=period_start,
            period_end=period_end,
            narrative_know=drafts["know"],
            narrative_how=drafts["how"],
            narrative_doing=drafts["doing"],
            author=staff,
            created_at=now,
            updated_at=now,
            figures=figures,
            figures_at=now,
            figures_by=staff,
        )
        _event(pack, PackEventKind.CREATED, by, now)
    return pack


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
    """Compute the draft's figures again from today's data (the narrative is kept: the new
    generated drafts are offered beside it)."""
    if not policy.can_edit(by, pack):
        raise not_allowed("Only the author may refresh the figures of a draft.")
    staff = staff_acting(by)
    now = timezone.now()
    figures = compute_snapshot(
        service=pack.service,
        period_start=pack.period_start,
        period_end=pack.period_end,
        today=timezone.localdate(now),
        previous=previous_pack_of(pack=pack),
    )
    with transaction.atomic():
        moved = SelfEvaluationPack.objects.filter(pk=pack.pk, status=PackStatus.DRAFT).update(
            figures=figures,
            figures_at=now,
            figures_by=staff,
            updated_at=now,
            revision=F("revision") + 1,
        )
        if not moved:
            raise TransitionConflict("This pack is no longer a draft: its figures are fixed.")
        _event(pack, PackEventKind.REFRESHED, by, now, audits=figures["know"]["audits"])
    pack.refresh_from_db()
    return pack


def pack_send_for_review(
    *, pack: SelfEvaluationPack, by: User, reviewer: Staff
) -> SelfEvaluationPack:
    """Send the draft to a named senior manager for review (SELF_EVALUATION_REVIEW)."""
    if not policy.can_send_for_review(by, pack):
        raise not_allowed("Only the author may send this draft for review.")
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
        moved = SelfEvaluationPack.objects.filter(pk=pack.pk, status=PackStatus.DRAFT).update(
            status=PackStatus.IN_REVIEW, reviewer=reviewer, review_requested_at=now
        )
        if not moved:
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
