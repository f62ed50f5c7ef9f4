"""Reads of self-evaluation packs, each scoped to the user (`policy`): out of scope is a 404."""

from django.db.models import Q, QuerySet
from django.http import Http404

from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff

from . import policy
from .models import PackEvent, PackStatus, SelfEvaluationPack


def pack_list(*, user: Actor) -> QuerySet[SelfEvaluationPack]:
    """The packs the user may open: drafts they prepare or review, published ones they read."""
    return (
        SelfEvaluationPack.objects.filter(policy.pack_visible_q(user))
        .select_related("author", "reviewer", "service")
        .defer("figures")
        .order_by("-period_end", "-pk")
    )


def pack_get(*, user: Actor, pk: int) -> SelfEvaluationPack:
    pack = (
        SelfEvaluationPack.objects.filter(policy.pack_visible_q(user), pk=pk)
        .select_related("author", "reviewer", "published_by", "figures_by", "service")
        .first()
    )
    if pack is None:
        raise Http404("No such self-evaluation pack")
    return pack


def pack_history(*, pack: SelfEvaluationPack) -> list[PackEvent]:
    return list(pack.events.select_related("by__staff").order_by("at", "pk"))


def previous_pack_of(*, pack: SelfEvaluationPack) -> SelfEvaluationPack | None:
    """The last pack of the same scope published before `pack` (for a published one, the one
    recorded when it was published)."""
    if pack.is_published:
        return pack.previous
    return previous_for_scope(
        scope_kind=pack.scope_kind, service_id=pack.service_id, exclude_pk=pack.pk
    )


def previous_for_scope(
    *, scope_kind: str, service_id: int | None, exclude_pk: int | None = None
) -> SelfEvaluationPack | None:
    qs = SelfEvaluationPack.objects.filter(
        Q(status=PackStatus.PUBLISHED) & Q(scope_kind=scope_kind) & Q(service_id=service_id)
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-published_at", "-pk").first()


def reviewer_choices(*, pack: SelfEvaluationPack) -> QuerySet[Staff]:
    return Staff.objects.filter(policy.reviewer_q(pack)).order_by("name")
