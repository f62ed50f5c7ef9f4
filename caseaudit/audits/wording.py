"""Phrases the audits' messages share: who did something and when ("already acknowledged by
Sam Green at 14:05 on 3 December 2026")."""

import datetime as dt

from django.utils import timezone

from caseaudit.core.typing import User


def by_whom(user: User | None) -> str:
    """ " by <name>", or nothing when nobody is known."""
    if user is None:
        return ""
    return f" by {user.get_full_name() or user.get_username()}"


def at_moment(moment: dt.datetime | None) -> str:
    """ " at HH:MM on D Month YYYY" in local time, or nothing when the moment is unknown."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f" at {local:%H:%M} on {local.day} {local:%B %Y}"
