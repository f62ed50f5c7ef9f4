"""Who may do what with self-evaluation packs (docs/self-evaluation.md).

- Prepared by the Performance Assurance Team (any scope; administrators too) or a Children's
  Service Manager (their own service's pack only). The author, and for a pack prepared by
  Performance Assurance any member of it, edits the draft's narrative, refreshes its figures,
  sends it for review to a named senior manager (`reviewer_q`) and publishes it once approved.
- Reviewers: an Assistant Director or the Director for any pack; for a service's pack also
  that service's CSM, unless they wrote it. Never the pack's author.
- A draft (or one in review, or approved) is read by its author, its reviewer and Performance
  Assurance (administrators too).
- A published pack of the authority is read by the Assistant Directors, the Director,
  Performance Assurance, administrators and every Children's Service Manager; a service's by
  its CSM and the same senior readers. Nobody else (practitioners, Practice Supervisors, Team
  Managers, Business Support, IROs, CP Chairs, commissioned auditors, the Lead Member).
"""

from django.db.models import Q

from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import (
    SELF_EVALUATION_AUTHOR_ROLES,
    SELF_EVALUATION_AUTHORITY_READER_ROLES,
    SELF_EVALUATION_REVIEWER_ROLES,
    SELF_EVALUATION_SENIOR_ROLES,
    Role,
)
from caseaudit.organisation.selectors import staff_for_user

from .models import PackScope, PackStatus, SelfEvaluationPack

NOTHING = Q(pk__in=[])


def active_staff(user: Actor) -> Staff | None:
    """The user's current staff record; None for a leaver or someone without one."""
    staff = staff_for_user(user)
    return staff if staff is not None and staff.is_active else None


def is_performance_team(staff: Staff | None) -> bool:
    return staff is not None and staff.role in SELF_EVALUATION_AUTHOR_ROLES


def _csm_service(staff: Staff | None) -> int | None:
    if staff is None or staff.role != Role.SERVICE_MANAGER:
        return None
    return staff.effective_service_area_id


def can_prepare(user: Actor) -> bool:
    """Whether `user` may start self-evaluation packs (Performance Assurance, a CSM)."""
    staff = active_staff(user)
    return is_performance_team(staff) or _csm_service(staff) is not None


def can_prepare_scope(staff: Staff, *, kind: str, service_id: int | None) -> bool:
    """Whether `staff` may prepare a pack of this scope."""
    if is_performance_team(staff):
        return True
    area = _csm_service(staff)
    return kind == PackScope.SERVICE and area is not None and service_id == area


def _is_owner_side(staff: Staff | None, pack: SelfEvaluationPack) -> bool:
    if staff is None:
        return False
    if staff.pk == pack.author_id:
        return True
    return is_performance_team(staff) and pack.author.role in SELF_EVALUATION_AUTHOR_ROLES


def can_edit(user: Actor, pack: SelfEvaluationPack) -> bool:
    """The author's side, while a draft: the narrative, and refreshing the figures."""
    return pack.is_editable and _is_owner_side(active_staff(user), pack)


def can_send_for_review(user: Actor, pack: SelfEvaluationPack) -> bool:
    return can_edit(user, pack)


def can_review(user: Actor, pack: SelfEvaluationPack) -> bool:
    staff = active_staff(user)
    return (
        pack.status == PackStatus.IN_REVIEW and staff is not None and staff.pk == pack.reviewer_id
    )


def can_publish(user: Actor, pack: SelfEvaluationPack) -> bool:
    return pack.status == PackStatus.APPROVED and _is_owner_side(active_staff(user), pack)


def reviewer_q(pack: SelfEvaluationPack) -> Q:
    """On Staff: who may review `pack`: an AD or the Director; a service's CSM for its pack;
    current staff, never its author."""
    q = Q(role__in=SELF_EVALUATION_REVIEWER_ROLES)
    if pack.scope_kind == PackScope.SERVICE and pack.service_id:
        q |= Q(role=Role.SERVICE_MANAGER) & (
            Q(service_area_id=pack.service_id)
            | Q(service_area__isnull=True, team__service_area_id=pack.service_id)
        )
    return q & Q(left_on__isnull=True) & ~Q(pk=pack.author_id)


def _published_q(staff: Staff) -> Q:
    """On SelfEvaluationPack: the published packs `staff` reads."""
    published = Q(status=PackStatus.PUBLISHED)
    if staff.role in SELF_EVALUATION_SENIOR_ROLES:
        return published
    if staff.role not in SELF_EVALUATION_AUTHORITY_READER_ROLES:
        return NOTHING
    q = Q(scope_kind=PackScope.AUTHORITY)
    area = _csm_service(staff)
    if area is not None:
        q |= Q(scope_kind=PackScope.SERVICE, service_id=area)
    return published & q


def pack_visible_q(user: Actor) -> Q:
    """On SelfEvaluationPack: the packs `user` may open (unpublished: the author, the
    reviewer, Performance Assurance; published: the readers of its scope)."""
    staff = active_staff(user)
    if staff is None:
        return NOTHING
    unpublished = ~Q(status=PackStatus.PUBLISHED)
    if is_performance_team(staff):
        drafts = unpublished
    else:
        drafts = unpublished & (Q(author=staff) | Q(reviewer=staff))
    return drafts | _published_q(staff)


def can_open_packs(user: Actor) -> bool:
    """Whether the list of packs is for `user` at all (404 otherwise): those who prepare,
    review or read packs."""
    staff = active_staff(user)
    return staff is not None and (
        staff.role in SELF_EVALUATION_AUTHORITY_READER_ROLES or is_performance_team(staff)
    )
