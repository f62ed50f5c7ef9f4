"""`{% load dates %}`: Django's `date` filter, each result remembered.

A page shows the same dates on every visit (its audits, history, who accessed it), and Django
formats each one afresh: the active language's month names, every letter of the format
(a tenth of a case page's template time, `make bench`). Loaded into a template, this `date`
takes the place of Django's (`{{ event.at|date:"j M Y H:i" }}` unchanged) and gives the same
text: a result is kept by the value as written out in full (so a time in another zone or
offset is another key), the format and the active language. Without a format (the
DATE_FORMAT setting) it is Django's filter as it is.
"""

from django import template
from django.template import defaultfilters
from django.utils.translation import get_language

register = template.Library()

KEPT = 20_000
_formatted: dict[tuple, str] = {}


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    if value in (None, "") or arg is None or not hasattr(value, "isoformat"):
        return defaultfilters.date(value, arg)
    key = (type(value), value.isoformat(), arg, get_language())
    text = _formatted.get(key)
    if text is None:
        text = defaultfilters.date(value, arg)
        if len(_formatted) >= KEPT:
            _formatted.clear()
        _formatted[key] = text
    return text
