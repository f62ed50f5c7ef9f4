"""3. Practice quality: section scaling by theme, section, team, service and month, the
themes' monthly trend, the audits' overall scale, urgent findings, good practice, the
family's views and contact with the family."""

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audit_tools.selectors import scaling_bands
from caseaudit.audits.models import ContactMade, Satisfaction, UrgentFinding

from .. import charts
from ..charts import Series
from ..periods import month_label
from ..scope import ReportFilters, ReportScope
from ..tables import DECIMAL, MONTH, NUMBER, PERCENT, Column, Table, one_decimal, percent
from .common import SimpleReport, _month, completed_audits
from .excerpts import good_practice_table, views_table
from .summary import (
    ScaleFacts,
    _band_chart,
    _band_counts,
    _empty_group,
    _ordered,
    _scale_cells,
    _scale_columns,
    _sum_facts,
    _theme_rows,
    scale_facts,
)


def quality_report(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    full: bool = False,
    only: Collection[str] | None = None,
) -> SimpleReport:
    """The report's tables (`only`: just the tables of these keys, and the figures they
    come with, for a tab: each part is a query or two at the national scale)."""

    def wanted(*keys: str) -> bool:
        return only is None or any(key in only for key in keys)

    bands = scaling_bands()
    band_note = "Bands: " + "; ".join(f"{b.name} {b.min_score}–{b.max_score}" for b in bands) + "."
    tables: dict[str, Table] = {}
    figures: dict[str, Any] = {}
    extra: dict[str, Any] = {"bands": bands}
    if only is not None and wanted("by-team", "by-service") and not wanted(*MONTH_SECTION_TABLES):
        # The teams' tab: the rows by team alone (no grouping by month and section).
        facts = scale_facts(scope=scope, filters=filters, today=today, teams_only=True)
        tables["by-team"], tables["by-service"] = _quality_team_tables(facts, bands, band_note)
        totals = _sum_facts(facts, lambda r, s: "all", bands, by_team=True).get(
            "all", _empty_group(bands)
        )
        figures |= {"sections": totals["n"], "average": one_decimal(totals["avg"])}
        extra |= {"source": facts.source}
    elif wanted(*SCALE_TABLES):
        facts = scale_facts(scope=scope, filters=filters, today=today)
        themes = _theme_rows(facts, bands)
        tables["by-theme"] = _quality_theme_table(themes, bands, band_note)
        tables["by-section"] = _quality_section_table(facts, bands, band_note)
        if wanted("by-team", "by-service"):  # a query of their own (`facts.by_team`)
            tables["by-team"], tables["by-service"] = _quality_team_tables(facts, bands, band_note)
        tables["by-month"] = _quality_month_table(facts, filters, bands)
        tables["trend"] = _theme_trend(facts, filters, bands)
        totals = _sum_facts(facts, lambda r, s: "all", bands).get("all", _empty_group(bands))
        figures |= {"sections": totals["n"], "average": one_decimal(totals["avg"])}
        extra |= {"themes": [(r["theme_id"], r["theme"]) for r in themes], "source": facts.source}
    if wanted("urgent"):
        urgent = _urgent_findings(scope, filters)
        figures |= urgent["figures"]
        tables["urgent"] = urgent["table"]
    if wanted("overall", "contact"):
        audit_figures = _audit_figures(scope, filters, bands)
        tables["overall"] = _overall_scale(audit_figures, bands)
        tables["contact"] = _contact_table(audit_figures)
    if wanted("good-practice"):
        tables["good-practice"] = good_practice_table(
            scope=scope, filters=filters, order="recent", full=full
        )
    if wanted("views"):
        tables["views"] = views_table(scope=scope, filters=filters, full=full)
    return SimpleReport(
        figures=figures,
        tables=[tables[key] for key in TABLE_ORDER if key in tables],
        extra=extra,
    )


# The report's tables in order, and those made from the scale summary (`scale_facts`).
TABLE_ORDER = (
    "trend",
    "by-theme",
    "by-month",
    "by-team",
    "by-service",
    "by-section",
    "overall",
    "urgent",
    "good-practice",
    "views",
    "contact",
)
SCALE_TABLES = ("trend", "by-theme", "by-month", "by-team", "by-service", "by-section")
# The scaling tables added up from the facts by month and section (the others, by team).
MONTH_SECTION_TABLES = ("trend", "by-theme", "by-month", "by-section")


def _quality_theme_table(
    themes: list[dict[str, Any]], bands: list[ScalingBand], band_note: str
) -> Table:
    theme_table = Table(
        "by-theme",
        "Scaling by theme",
        [Column("theme", "Theme"), *_scale_columns(bands)],
        [[r["theme"], *_scale_cells(r, bands)] for r in themes],
        description="Every scaled section of the audits completed in the period, grouped by the "
        "procedure's purpose (theme) it maps to, across tools. " + band_note,
    )
    theme_table.chart = charts.bar_chart(
        chart_id="chart-themes",
        title="Average scale by theme",
        description="Horizontal bars: the average 0–10 scale of each theme's sections. The "
        "figures, with the count in each band, are in the table that follows.",
        categories=[r["theme"] for r in themes],
        series=[Series("Average scale", [one_decimal(r["avg"]) for r in themes])],
        horizontal=True,
        max_value=10,
    )
    return theme_table


def _quality_section_table(facts: ScaleFacts, bands: list[ScalingBand], band_note: str) -> Table:
    by_section = _sum_facts(
        facts, lambda r, s: (s["tool"], s["key"], s["title"], s["theme_name"]), bands
    )
    sections = sorted(
        (g | {"tool": k[0], "title": k[2], "theme": k[3]} for k, g in by_section.items()),
        key=lambda r: (r["tool"], r["order"], r["title"]),
    )
    return Table(
        "by-section",
        "Scaling by section",
        [
            Column("tool", "Tool"),
            Column("section", "Section"),
            Column("theme", "Theme"),
            *_scale_columns(bands),
        ],
        [[r["tool"], r["title"], r["theme"], *_scale_cells(r, bands)] for r in sections],
        description="Each section of each tool (all its versions together). " + band_note,
    )


def _quality_team_tables(
    facts: ScaleFacts, bands: list[ScalingBand], band_note: str
) -> tuple[Table, Table]:
    """Scaling by team (with its chart) and by service."""
    cols = _scale_columns(bands)
    teams = _ordered(_sum_facts(facts, lambda r, s: r["team_name"], bands, by_team=True), "team")
    team_table = Table(
        "by-team",
        "Scaling by team",
        [Column("team", "Team"), *cols],
        [[r["team"], *_scale_cells(r, bands)] for r in teams],
        description="By the audited case's team. " + band_note,
    )
    team_table.chart = _band_chart(
        "chart-quality-teams",
        "Sections in each scaling band, by team",
        "Horizontal bars: for each team, the number of scaled sections in each band. The "
        "figures are in the table that follows.",
        [r["team"] for r in teams],
        teams,
        bands,
    )
    services = _ordered(
        _sum_facts(facts, lambda r, s: r["service_name"], bands, by_team=True), "service"
    )
    service_table = Table(
        "by-service",
        "Scaling by service",
        [Column("service", "Service"), *cols],
        [[r["service"], *_scale_cells(r, bands)] for r in services],
    )
    return team_table, service_table


def _quality_month_table(
    facts: ScaleFacts, filters: ReportFilters, bands: list[ScalingBand]
) -> Table:
    by_month = _sum_facts(facts, lambda r, s: _month(r["month"]), bands)
    empty = _empty_group(bands)
    month_rows = [(m, by_month.get(m, empty)) for m in filters.months]
    month_table = Table(
        "by-month",
        "Scaling by month",
        [Column("month", "Month", MONTH), *_scale_columns(bands)],
        [[m, *_scale_cells(r, bands)] for m, r in month_rows],
    )
    month_table.chart = charts.bar_chart(
        chart_id="chart-quality-months",
        title="Sections in each scaling band, by month",
        description="Vertical bars for each month: the number of scaled sections in each band. "
        "The figures are in the table that follows.",
        categories=[month_label(m) for m, _ in month_rows],
        series=[Series(b.name, [r[f"band_{b.pk}"] for _, r in month_rows]) for b in bands],
    )
    return month_table


def _theme_trend(facts: ScaleFacts, filters: ReportFilters, bands: list[ScalingBand]) -> Table:
    """The monthly average scale of each theme: a small chart per theme (the same axes)."""
    groups = _sum_facts(
        facts, lambda r, s: (s["theme_order"], s["theme_name"], _month(r["month"])), bands
    )
    themes: dict[str, dict[dt.date, dict[str, Any]]] = {}
    for (_order, theme, month), g in sorted(groups.items(), key=lambda item: item[0][:2]):
        themes.setdefault(theme, {})[month] = g
    months = filters.months
    table = Table(
        "trend",
        "Average scale by theme and month",
        [
            Column("theme", "Theme"),
            *[Column(m.isoformat(), month_label(m), DECIMAL) for m in months],
        ],
        [
            [theme, *[one_decimal(values[m]["avg"]) if m in values else None for m in months]]
            for theme, values in themes.items()
        ],
        description="The average 0–10 scale of each theme's sections, month by month (the "
        "month the audit was completed). An empty cell: no audit scaled that theme that month.",
    )
    table.chart = charts.small_multiples(
        chart_id="chart-trend",
        title="Average scale by theme, month by month",
        description="A small chart per theme, all on the same axes: the months of the period "
        "across, the 0–10 scale up, over the shaded scaling bands. The figures are in the "
        "table that follows.",
        categories=[month_label(m) for m in months],
        series=[
            Series(theme, [one_decimal(values[m]["avg"]) if m in values else None for m in months])
            for theme, values in themes.items()
        ],
        min_value=0,
        max_value=10,
        bands=[charts.Band(b.min_score, b.max_score, b.name) for b in bands],
    )
    return table


def _audit_figures(
    scope: ReportScope, filters: ReportFilters, bands: list[ScalingBand]
) -> dict[str, Any]:
    """The overall scale and the contact with the family, from one pass over the period's
    audits (each was a pass of its own, the largest cost of the page at national scale)."""
    scaled = Q(overall_scale__isnull=False)
    counts = {
        f"contact_{c.value}": Count("pk", filter=Q(contact_made=c.value)) for c in ContactMade
    }
    counts |= {f"sat_{s.value}": Count("pk", filter=Q(satisfaction=s.value)) for s in Satisfaction}
    return completed_audits(scope=scope, filters=filters).aggregate(
        audits=Count("pk"),
        n=Count("pk", filter=scaled),
        avg=Avg("overall_scale"),
        **_band_counts(bands, "overall_scale"),
        **counts,
    )


def _overall_scale(row: Mapping[str, Any], bands: list[ScalingBand]) -> Table:
    return Table(
        "overall",
        "Overall scale of the audits",
        [
            Column("what", "Audits"),
            Column("n", "Audits scaled", NUMBER),
            *_scale_columns(bands)[1:],
        ],
        [["All completed audits", *_scale_cells(row, bands)]],
    )


def _urgent_findings(scope: ReportScope, filters: ReportFilters) -> dict[str, Any]:
    """Urgent findings raised in the period: open, acknowledged, acknowledged within a day,
    and the median hours from raising to acknowledgement (one ordered query finds it)."""
    findings = UrgentFinding.objects.filter(scope.case_q(filters)).filter(
        filters.when_q("raised_at"),
        withdrawn_at__isnull=True,  # raised in error: not counted
    )
    if filters.tool is not None:
        findings = findings.filter(audit__tool_version__tool_id=filters.tool.pk)
    acknowledged = Q(acknowledged_at__isnull=False)
    within_day = Q(acknowledged_at__lte=F("raised_at") + dt.timedelta(hours=24))
    counts = {
        "raised": Count("pk"),
        "open": Count("pk", filter=Q(acknowledged_at__isnull=True)),
        "acknowledged": Count("pk", filter=acknowledged),
        "within_day": Count("pk", filter=acknowledged & within_day),
    }
    totals = findings.aggregate(**counts)
    by_team = list(findings.values(team=F("case__team__name")).annotate(**counts).order_by("team"))
    median = _median_hours(findings.filter(acknowledged), totals["acknowledged"])
    return {
        "figures": {
            "urgent_raised": totals["raised"],
            "urgent_open": totals["open"],
            "urgent_within_day": percent(totals["within_day"], totals["acknowledged"]),
            "urgent_median_hours": median,
        },
        "table": _urgent_table(by_team),
    }


# The urgent findings by team: the columns and cells of a row (the findings report adds how
# they were chased).
URGENT_COLUMNS = [
    Column("team", "Team"),
    Column("raised", "Raised", NUMBER),
    Column("open", "Still open", NUMBER),
    Column("acknowledged", "Acknowledged", NUMBER),
    Column("within_day", "Acknowledged within 24 hours", NUMBER),
    Column("within_day_pct", "% within 24 hours", PERCENT),
]


def urgent_cells(r: Mapping[str, Any]) -> list[Any]:
    return [
        r["team"],
        r["raised"],
        r["open"],
        r["acknowledged"],
        r["within_day"],
        percent(r["within_day"], r["acknowledged"]),
    ]


def _urgent_table(by_team: Sequence[Mapping[str, Any]]) -> Table:
    return Table(
        "urgent",
        "Urgent findings by team",
        URGENT_COLUMNS,
        [urgent_cells(r) for r in by_team],
        description="Findings raised in the period by a scale in an urgent band or a serious "
        "safeguarding issue, until a manager acknowledges them.",
    )


def _median_hours(acknowledged: QuerySet[UrgentFinding], count: int) -> float | None:
    """The median time to acknowledge, in hours: the middle one or two durations in order."""
    if not count:
        return None
    middle = list(
        acknowledged.annotate(took=F("acknowledged_at") - F("raised_at"))
        .order_by("took")
        .values_list("took", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    seconds = sum(d.total_seconds() for d in middle) / len(middle)
    return round(seconds / 3600, 1)


def _contact_table(row: Mapping[str, Any]) -> Table:
    rows = [[c.label, row[f"contact_{c.value}"]] for c in ContactMade]
    rows.append(
        ["Not recorded", row["audits"] - sum(row[f"contact_{c.value}"] for c in ContactMade)]
    )
    rows += [[f"Family: {s.label.lower()}", row[f"sat_{s.value}"]] for s in Satisfaction]
    return Table(
        "contact",
        "Contact with the family",
        [Column("what", "Contact and satisfaction"), Column("n", "Audits", NUMBER)],
        rows,
        description="Whether each audit made contact with the family, and how satisfied the "
        "family said they were.",
    )
