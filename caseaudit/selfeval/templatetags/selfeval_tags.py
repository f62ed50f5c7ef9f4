"""Template tags of the self-evaluation pack, for pages of other apps (the improvement index
links to the packs only for those they are for)."""

import datetime as dt

from django import template

from caseaudit.core.typing import Actor
from caseaudit.selfeval.policy import can_open_packs

register = template.Library()


@register.simple_tag
def can_open_self_evaluation(user: Actor) -> bool:
    return can_open_packs(user)


@register.filter
def iso_date(value: str) -> dt.date | str:
    """A date stored in the snapshot as ISO text, as a date (for the `date` filter)."""
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
