"""Reads of notifications: always the signed-in member of staff's own."""

from django.db.models import QuerySet
from django.http import Http404

from caseaudit.accounts import local_cache
from caseaudit.core.prepared import COUNT, PreparedQuery
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from .models import Notification


def notification_list(*, user: Actor) -> QuerySet[Notification]:
    """The user's notifications, newest first (none if they have no staff record)."""
    staff = staff_for_user(user)
    if staff is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=staff).order_by("-created_at", "-pk")


def notification_get(*, user: Actor, pk: int) -> Notification:
    """One of the user's own notifications; anyone else's is a 404."""
    notification = notification_list(user=user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification")
    return notification


# In the header of every page: compiled once per process (caseaudit/core/prepared.py).
_unread_count = PreparedQuery(
    lambda staff_id: Notification.objects.filter(recipient_id=staff_id, read_at__isnull=True),
    kind=COUNT,
)


def notification_unread_count(*, staff: Staff | None) -> int:
    """How many notifications a member of staff has not read (one COUNT query, or none: kept
    by the process until one of theirs changes, caseaudit/accounts/local_cache.py)."""
    if staff is None:
        return 0
    staff_id = staff.pk
    return local_cache.unread_count(staff_id, lambda: _unread_count(staff_id))


def notification_deliveries(*, staff: Staff) -> dict[str, str]:
    """The delivery of each kind a person may choose for: their choice, else the default."""
    from .models import CHOOSABLE_KINDS, KIND_DELIVERY, NotificationPreference

    chosen = dict(
        NotificationPreference.objects.filter(staff=staff).values_list("kind", "delivery")
    )
    return {kind: chosen.get(kind, KIND_DELIVERY[kind]) for kind in CHOOSABLE_KINDS}
