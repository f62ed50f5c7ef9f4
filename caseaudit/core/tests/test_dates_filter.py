"""`{% load dates %}` (caseaudit/core/templatetags/dates.py): Django's date filter's text, kept."""

import datetime as dt
import zoneinfo

from django.template import engines
from django.utils import timezone, translation

DJANGO = (
    '{{ value|date:"j M Y H:i" }} {{ day|date:"j F Y" }} {{ value|date }} {{ none|date:"j M" }}'
)
OURS = "{% load dates %}" + DJANGO


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_the_same_text_as_djangos_filter_in_each_zone_and_language():
    moment = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # the night the clocks change
    later = moment + dt.timedelta(hours=1)
    context = {"value": moment, "day": dt.date(2026, 12, 4), "none": None}
    seen = set()
    for zone in ("Europe/London", "UTC", "America/New_York"):
        for language in ("en-gb", "cy"):
            with timezone.override(zoneinfo.ZoneInfo(zone)), translation.override(language):
                for value in (moment, later, moment):  # the second time from what was kept
                    context["value"] = value
                    ours = render(OURS, **context)
                    assert ours == render(DJANGO, **context)
                    seen.add(ours)
    assert len(seen) > 6  # zones and languages do give other texts
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert render(OURS, value=moment, day=dt.date(2026, 12, 4), none=None).startswith(
            "29 Mar 2026 00:30 4 December 2026"
        )
