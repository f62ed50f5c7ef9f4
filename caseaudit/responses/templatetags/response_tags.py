import datetime as dt

from django import template

register = template.Library()


@register.filter
def isodate(value, fmt: str = "j F Y") -> str:
    """An ISO date kept in a history entry ("2026-12-31"), formatted as `date` would."""
    from django.utils.dateformat import format as date_format

    if not value:
        return ""
    try:
        return date_format(dt.date.fromisoformat(str(value)), fmt)
    except ValueError:
        return str(value)
