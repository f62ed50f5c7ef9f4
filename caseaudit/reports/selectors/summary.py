"""Section scaling read as "facts": sums of scaled sections grouped by month and section, and
by team, from the scale summary (`reports.services`, ADR 0005) when it can answer for the
scope and period (two small queries; for the whole authority, its rows added up over the
teams), else from the audits themselves (two grouped queries).
Every scaling table of the practice quality and findings reports is added up from these in
Python, with the helpers here for their columns and cells."""

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar, cast

from django.db import models
from django.db.models import Aggregate, Count, F, Q, QuerySet, Sum
from django.utils.safestring import SafeString

from caseaudit.audit_tools.models import ScalingBand, Section
from caseaudit.audits.models import SectionAnswer
from caseaudit.organisation.models import Team

from .. import charts
from ..charts import Series
from ..models import SCALE_POINTS, AuthorityScaleSummary, ScaleSummary
from ..scope import ReportFilters, ReportScope
from ..services import (
    AUTHORITY_SCALE,
    COUNT_COLUMNS,
    SCALE,
    summaries_built,
    summary_counts,
    summary_is_built,
)
from ..tables import DECIMAL, NUMBER, Column, one_decimal
from .common import audit_q, month_of, whole_months

TEAM_COLUMNS = ("n", "total", *[f"s{point}" for point in SCALE_POINTS])
M = TypeVar("M", bound=models.Model)


@dataclass
class ScaleFacts:
    by_month_section: list[dict[str, Any]]  # month, section, and the ScaleSummary counts
    # section id: tool, key, title, order, theme_id, theme, theme_order
    sections: dict[int, Mapping[str, Any]]
    source: str  # "summary" or "audits"
    team_rows: QuerySet[Any, Any]  # grouped by team id, read only by the reports that show teams

    @cached_property
    def by_team(self) -> list[dict[str, Any]]:
        """team_name, service_name and the scale counts (no written-column counts) by team."""
        rows = [r for r in self.team_rows if r["n"]]
        teams = {
            t["id"]: t
            for t in Team.objects.filter(pk__in={r["team_id"] for r in rows}).values(
                "id", "name", service_name=F("service_area__name")
            )
        }
        return [
            r
            | {
                "team_name": teams[r["team_id"]]["name"],
                "service_name": teams[r["team_id"]]["service_name"],
            }
            for r in rows
        ]


def section_answers(*, scope: ReportScope, filters: ReportFilters) -> QuerySet[SectionAnswer]:
    qs = SectionAnswer.objects.filter(
        audit_q(scope=scope, filters=filters, prefix="audit__"), scale__isnull=False
    )
    if filters.theme is not None:
        qs = qs.filter(section__theme_id=filters.theme.pk)
    return qs


def _summary_answers_for(
    scope: ReportScope, filters: ReportFilters, today: dt.date, name: str = SCALE
) -> bool:
    """Whether the scale summary can answer: a scope of whole teams, a period of whole months
    (one that ends today covers its month: nothing is completed after today) and a summary
    that is built."""
    if not scope.by_team or not whole_months(filters=filters, today=today):
        return False
    return summary_is_built(name=name)


def team_summary_rows(
    *, qs: QuerySet[M], scope: ReportScope, filters: ReportFilters
) -> QuerySet[M]:
    """Rows of a summary kept by month, team and case type (`ScaleSummary`, the responses'
    `ActionSummary`) in the scope and matching the period, team, service and case type; the
    caller adds the filters of its own keys (tool, theme)."""
    qs = qs.filter(month__gte=filters.start, month__lte=filters.end)
    if not scope.authority_wide:
        qs = qs.filter(team__in=Team.objects.filter(scope.team_q))
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team.pk)
    if filters.service is not None:
        qs = qs.filter(team__service_area_id=filters.service.pk)
    if filters.case_type:
        qs = qs.filter(case_type=filters.case_type)
    return qs


def _scale_source(scope: ReportScope, filters: ReportFilters, today: dt.date) -> str:
    """Where the scaling is read from: "authority" (the authority's rows, and the teams' for
    the tables by team) for the whole authority with no team or service chosen, "teams"
    (the teams' rows) where the scale summary answers otherwise, else "audits". One query."""
    if not scope.by_team or not whole_months(filters=filters, today=today):
        return "audits"
    whole = scope.authority_wide and filters.team is None and filters.service is None
    if not whole:
        return "teams" if summary_is_built(name=SCALE) else "audits"
    built = summaries_built(names=(SCALE, AUTHORITY_SCALE))
    if SCALE not in built:
        return "audits"
    return "authority" if AUTHORITY_SCALE in built else "teams"


def _authority_rows(filters: ReportFilters) -> QuerySet[AuthorityScaleSummary]:
    qs = AuthorityScaleSummary.objects.filter(month__gte=filters.start, month__lte=filters.end)
    if filters.case_type:
        qs = qs.filter(case_type=filters.case_type)
    return _section_filters(qs, filters)


def _summary_rows(scope: ReportScope, filters: ReportFilters) -> QuerySet[ScaleSummary]:
    qs = team_summary_rows(qs=ScaleSummary.objects.all(), scope=scope, filters=filters)
    return _section_filters(qs, filters)


def _section_filters(qs: QuerySet[M], filters: ReportFilters) -> QuerySet[M]:
    """Either summary's rows of the sections of the tool and theme chosen."""
    if filters.tool is not None:
        qs = qs.filter(section__version__tool_id=filters.tool.pk)
    if filters.theme is not None:
        qs = qs.filter(section__theme_id=filters.theme.pk)
    return qs


def scale_facts(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    by_section: bool = True,
    teams_only: bool = False,
) -> ScaleFacts:
    """The period's section scaling grouped by month and section (`by_section=False`: by
    month alone, with the scale counts only, no sections: what the figures at a glance
    add up, in a third of the time), from the summary where it answers, else the audits.
    `teams_only`: no grouping by month at all, only the rows by team (`by_team`), for the
    tables by team and service."""
    # Rows of either table, grouped the same way: dicts of the same names.
    grouped: QuerySet[Any, Any]
    by_team: QuerySet[Any, Any]
    counts: dict[str, Aggregate]
    section_key = {"section_key": F("section_id")} if by_section else {}
    read_from = _scale_source(scope, filters, today)
    if read_from != "audits":
        source, counts = "summary", {name: Sum(name) for name in COUNT_COLUMNS}
        rows = _summary_rows(scope, filters)
        by_team = rows.values("team_id")
        grouped = (_authority_rows(filters) if read_from == "authority" else rows).values(
            "month", **section_key
        )
    else:
        source, counts = "audits", summary_counts()
        answers = section_answers(scope=scope, filters=filters)
        grouped = answers.values(
            month=month_of(field_name="audit__completed_at", months=filters.months),
            **section_key,
        )
        by_team = answers.values(team_id=F("audit__case__team_id"))
    if teams_only:
        team_only_counts = {name: counts[name] for name in TEAM_COLUMNS}
        return ScaleFacts([], {}, source, by_team.annotate(**team_only_counts).order_by())
    if not by_section:
        counts = {name: counts[name] for name in TEAM_COLUMNS}
    # Rows of the grouping and `counts`' names (which the stubs do not see through `**`).
    with_counts = cast("QuerySet[Any, dict[str, Any]]", grouped.annotate(**counts).order_by())
    by_month_section = [r for r in with_counts if r["n"]]
    if not by_section:
        return ScaleFacts(by_month_section, {}, source, by_team.none())
    # The tables by team and service need the scale counts only, not the written columns.
    team_counts = {name: counts[name] for name in TEAM_COLUMNS}
    sections: dict[int, Mapping[str, Any]] = {
        s["id"]: s
        for s in Section.objects.filter(pk__in={r["section_key"] for r in by_month_section}).values(
            "id",
            "key",
            "title",
            "order",
            "theme_id",
            theme_name=F("theme__name"),
            theme_order=F("theme__order"),
            tool=F("version__tool__name"),
        )
    }
    return ScaleFacts(
        by_month_section, sections, source, by_team.annotate(**team_counts).order_by()
    )


# The key a table's rows are added up by, from a row of facts and its section (empty by team).
FactKey = Callable[[Mapping[str, Any], Mapping[str, Any]], Hashable]


def _sum_facts(
    facts: ScaleFacts, key: FactKey, bands: list[ScalingBand], *, by_team: bool = False
) -> dict[Any, dict[str, Any]]:
    """Add the facts (by month and section, or `by_team`) up by `key(row, section)`: for each
    key a row with "n", "avg", a count per band ("band_<pk>"), the Signs of Safety columns
    written, and "order" (the sections' average position, weighted by count)."""
    groups: dict[Any, dict[str, Any]] = {}
    columns = TEAM_COLUMNS if by_team else COUNT_COLUMNS
    for r in facts.by_team if by_team else facts.by_month_section:
        section: Mapping[str, Any] = {} if by_team else facts.sections[r["section_key"]]
        k = key(r, section)
        g = groups.get(k)
        if g is None:
            g = groups[k] = dict.fromkeys(COUNT_COLUMNS, 0) | {"order_sum": 0}
        for name in columns:
            g[name] += r[name] or 0
        g["order_sum"] += section["order"] * r["n"] if section else 0
    for g in groups.values():
        _finish(g, bands)
    return groups


def _finish(g: dict[str, Any], bands: list[ScalingBand]) -> dict[str, Any]:
    n = g["n"]
    g["avg"] = g["total"] / n if n else None
    g["order"] = g["order_sum"] / n if n else 0
    for b in bands:
        g[f"band_{b.pk}"] = sum(g[f"s{point}"] for point in range(b.min_score, b.max_score + 1))
    return g


def _empty_group(bands: list[ScalingBand]) -> dict[str, Any]:
    """A group of no scaled sections."""
    return _finish(dict.fromkeys(COUNT_COLUMNS, 0) | {"order_sum": 0}, bands)


def _theme_rows(facts: ScaleFacts, bands: list[ScalingBand]) -> list[dict[str, Any]]:
    groups = _sum_facts(
        facts, lambda r, s: (s["theme_order"], s["theme_name"], s["theme_id"]), bands
    )
    return [
        g | {"theme_id": theme_id, "theme": theme, "theme_order": order}
        for (order, theme, theme_id), g in sorted(groups.items(), key=lambda item: item[0][:2])
    ]


def _ordered(groups: dict[Any, dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [g | {name: k} for k, g in sorted(groups.items(), key=lambda item: item[0] or "")]


# --- Columns and cells of the scaling tables --------------------------------------------


def _band_counts(bands: list[ScalingBand], field_name: str = "scale") -> dict[str, Count]:
    return {
        f"band_{b.pk}": Count(
            "pk",
            filter=Q(**{f"{field_name}__gte": b.min_score, f"{field_name}__lte": b.max_score}),
        )
        for b in bands
    }


def _band_columns(bands: list[ScalingBand]) -> list[Column]:
    return [
        Column(f"band_{b.pk}", f"{b.name} ({b.min_score}–{b.max_score})", NUMBER) for b in bands
    ]


def _scale_cells(row: Mapping[str, Any], bands: list[ScalingBand]) -> list[Any]:
    return [row["n"], one_decimal(row["avg"]), *[row[f"band_{b.pk}"] for b in bands]]


def _scale_columns(bands: list[ScalingBand]) -> list[Column]:
    return [
        Column("n", "Sections scaled", NUMBER),
        Column("avg", "Average scale", DECIMAL),
        *_band_columns(bands),
    ]


def _band_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    bands: list[ScalingBand],
) -> SafeString:
    """Stacked-as-grouped bars of counts per band for each category."""
    return charts.bar_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        categories=categories,
        series=[Series(b.name, [r[f"band_{b.pk}"] for r in rows]) for b in bands],
        horizontal=True,
    )
