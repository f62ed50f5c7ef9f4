"""Writes to the organisation that matter beyond its own tables."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caseaudit.accounts.services import account_disable
from caseaudit.core.typing import By

from .models import Staff


def staff_mark_left(*, staff: Staff, by: By, left_on: dt.date | None = None) -> Staff:
    """Record that a member of staff has left (on `left_on`, default today) and disable their
    account through `account_disable` (sessions end, the security log says who), in one
    transaction. `by` is who did it (None: the system). Again for someone who has left keeps
    the first date and makes sure the account is disabled."""
    with transaction.atomic():
        locked = Staff.objects.select_for_update().select_related("user").get(pk=staff.pk)
        if locked.left_on is None:
            locked.left_on = left_on or timezone.localdate()
            locked.save(update_fields=["left_on"])
        account_disable(user=locked.user, by=by, reason="left")
    staff.left_on = locked.left_on
    staff.user.is_active = False
    return staff
