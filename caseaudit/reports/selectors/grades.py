"""The period's completed audits and their overall scale (each audit's final grade): how many,
how many scaled, their average and how many in each band, from the grades summary
(`models.GradeSummary`) where it can answer for the scope and period, else from the audits;
one query either way. At the national scale a year is 300,000 audits but 26,000 rows of the
summary."""

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.moderation.selectors import grades_changed

from ..models import GRADE_COLUMNS, SCALE_POINTS, GradeSummary
from ..scope import ReportFilters, ReportScope
from ..services import GRADES
from .common import completed_audits
from .summary import _band_counts, _summary_answers_for, team_summary_rows


def grade_summary_rows(
    *, scope: ReportScope, filters: ReportFilters, today: dt.date
) -> QuerySet[GradeSummary] | None:
    """The grades summary's rows of the scope, period and filters, or None where it cannot
    answer (not built or not current, a scope not of whole teams, a period not of whole
    months): the caller then counts the audits."""
    if not _summary_answers_for(scope, filters, today, name=GRADES):
        return None
    rows = team_summary_rows(qs=GradeSummary.objects.all(), scope=scope, filters=filters)
    if filters.tool is not None:
        rows = rows.filter(tool_id=filters.tool.pk)
    return rows


def audit_grades(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    bands: list[ScalingBand],
    good_from: int | None = None,
) -> dict[str, Any]:
    """{"audits", "scaled", "average" (None without a scaled audit), "band_<pk>" for each
    band, and with `good_from` "good": how many were scaled `good_from` or better}."""
    rows = grade_summary_rows(scope=scope, filters=filters, today=today)
    if rows is None:
        good: dict[str, Count] = {}
        if good_from is not None:
            good["good"] = Count("pk", filter=Q(overall_scale__gte=good_from))
        return completed_audits(scope=scope, filters=filters).aggregate(
            audits=Count("pk"),
            scaled=Count("pk", filter=Q(overall_scale__isnull=False)),
            average=Avg("overall_scale"),
            **good,
            **_band_counts(bands, "overall_scale"),
        )
    sums = rows.aggregate(audits=Sum("audits"), **{name: Sum(name) for name in GRADE_COLUMNS})
    points = {point: sums[f"o{point}"] or 0 for point in SCALE_POINTS}
    scaled = sum(points.values())
    counted: dict[str, int] = {}
    if good_from is not None:
        counted["good"] = sum(n for p, n in points.items() if p >= good_from)
    return {
        "audits": sums["audits"] or 0,
        "scaled": scaled,
        "average": sum(p * n for p, n in points.items()) / scaled if scaled else None,
        **counted,
        **{
            f"band_{b.pk}": sum(points.get(p, 0) for p in range(b.min_score, b.max_score + 1))
            for b in bands
        },
    }


def grades_changed_count(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> int:
    """How many of the period's completed audits had their overall scale changed by a
    completed moderation (from the grades summary where it answers)."""
    rows = grade_summary_rows(scope=scope, filters=filters, today=today)
    if rows is None:
        return grades_changed(audits=completed_audits(scope=scope, filters=filters))
    return rows.aggregate(n=Sum("regraded"))["n"] or 0
