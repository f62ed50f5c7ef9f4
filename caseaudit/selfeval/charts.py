"""The pack's charts, drawn from its snapshot with the reports' accessible SVG charts
(`caseaudit.reports.charts`): the page, the PDF (inline SVG) and the Word document (the same
SVG made a PNG by cairosvg) show the same pictures, always of the pack's own figures."""

from typing import Any

from django.utils.safestring import SafeString

from caseaudit.reports import charts
from caseaudit.reports.charts import Series


def pack_charts(figures: dict[str, Any]) -> dict[str, SafeString]:
    """The charts of a pack, by name: "bands", "trend" and "themes"."""
    know = figures.get("know", {})
    bands = know.get("bands", [])
    trend = know.get("trend", {"labels": [], "series": []})
    themes = know.get("themes", [])
    period = figures.get("period", {}).get("label", "")
    return {
        "bands": charts.bar_chart(
            chart_id="chart-selfeval-bands",
            title="Audits by overall grade",
            description=f"Vertical bars: the number of audits completed {period} whose final "
            "overall grade (moderated where moderation has taken place) falls in each band. "
            "The figures are in the table that follows.",
            categories=[b["name"] for b in bands],
            series=[Series("Audits", [b["audits"] for b in bands])],
        ),
        "trend": charts.bar_chart(
            chart_id="chart-selfeval-trend",
            title="Overall grades month by month",
            description="Vertical bars for each month of the period: the number of audits "
            "completed that month in each band of the overall grade.",
            categories=trend["labels"],
            series=[Series(s["band"], s["values"]) for s in trend["series"]],
        ),
        "themes": charts.bar_chart(
            chart_id="chart-selfeval-themes",
            title="Average scale by theme, strongest first",
            description="Horizontal bars: the average 0–10 scale of each theme's sections in "
            "the period's audits. The figures are in the table that follows.",
            categories=[t["theme"] for t in themes],
            series=[Series("Average scale", [t["average"] for t in themes])],
            horizontal=True,
            max_value=10,
        ),
    }
