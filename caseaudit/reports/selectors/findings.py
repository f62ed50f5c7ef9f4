"""4. The findings report: an overview of the period, then for each theme what is working well
and what worries the auditors (in their own words), recommendations and good practice."""

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audit_tools.selectors import band_for, scaling_bands
from caseaudit.audits.models import UrgentFinding

from .. import charts
from ..charts import Series
from ..scope import ReportFilters, ReportScope
from ..tables import DECIMAL, NUMBER, PERCENT, Column, Table, one_decimal, percent
from .common import completed_audits
from .compliance import programme_tally
from .excerpts import (
    RANKED_TEXTS,
    Excerpt,
    _excerpt_candidates,
    _ranked_texts,
    good_practice_table,
)
from .grades import audit_grades
from .quality import URGENT_COLUMNS, _median_hours, urgent_cells
from .responses import responses_overview
from .summary import (
    _band_counts,
    _scale_cells,
    _scale_columns,
    _theme_rows,
    scale_facts,
    section_answers,
)

RECOMMENDATIONS_MAX = 5


@dataclass
class ThemeFinding:
    theme: str
    n: int
    average: float | None
    band: ScalingBand | None
    working_well_count: int
    worried_count: int
    working_well: list[Excerpt] = field(default_factory=list)
    worries: list[Excerpt] = field(default_factory=list)


@dataclass
class Recommendation:
    theme: str
    average: float | None
    band: ScalingBand | None
    urgent_sections: int
    reason: str
    needs: list[Excerpt] = field(default_factory=list)


@dataclass
class FindingsReport:
    figures: dict
    themes: list[ThemeFinding]
    recommendations: list[Recommendation]
    tables: list[Table]
    bands: list[ScalingBand]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def band_of_average(*, average: float | None, bands: list[ScalingBand]) -> ScalingBand | None:
    """The band of an average scale, rounded half up to a whole score as bands are."""
    return None if average is None else band_for(score=int(average + 0.5), bands=bands)


def findings_report(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    only: Collection[str] | None = None,
) -> FindingsReport:
    """An overview of the period, then for each theme what is working well and what worries
    the auditors (in their own words: the texts of its best and worst scaled sections),
    recommendations (the lowest scaled themes, with what the auditors said needs to happen)
    and good practice to share. `only`: just the tables of these keys (and what they need),
    for a tab; the overview's figures come with the whole report only."""

    def wanted(*keys: str) -> bool:
        return only is None or any(key in only for key in keys)

    bands = scaling_bands()
    tables: dict[str, Table] = {}
    figures: dict[str, Any] = {}
    if wanted("overall-bands"):
        overview = _overview(scope, filters, today, bands, whole=only is None)
        figures |= {**overview, "average": one_decimal(overview["average"])}
        tables["overall-bands"] = _overall_bands_table(overview, bands)
    words = _Words(
        themes=wanted("themes", "working-well", "worries"), needs=wanted("recommendations")
    )
    if words.themes or words.needs:
        words.read(scope, filters, today, bands)
        tables |= words.tables
    if only is None:
        responses = responses_overview(scope=scope, filters=filters, today=today)
        programme = programme_tally(scope=scope, filters=filters, today=today)
        figures |= {
            "programme_expected": programme.expected,
            "programme_done": programme.done,
            "programme_completion": programme.completion,
            **responses,
        }
    if wanted("good-practice"):
        tables["good-practice"] = good_practice_table(scope=scope, filters=filters, order="best")
    if wanted("urgent"):
        urgent = urgent_findings_chased(scope=scope, filters=filters)
        figures |= urgent["figures"]
        tables["urgent"] = urgent["table"]
    return FindingsReport(
        figures=figures,
        themes=words.found,
        recommendations=words.recommendations,
        tables=[tables[key] for key in TABLE_ORDER if key in tables],
        bands=bands,
    )


def _overview(
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    bands: list[ScalingBand],
    *,
    whole: bool,
) -> Mapping[str, Any]:
    """The period's audits: how many, their average and bands. The whole report's overview
    also names the cases (a distinct count, most of the query's time); a tab reads the grades
    summary where it answers."""
    if not whole:
        return audit_grades(scope=scope, filters=filters, today=today, bands=bands)
    return completed_audits(scope=scope, filters=filters).aggregate(
        audits=Count("pk"),
        cases=Count("case_id", distinct=True),
        average=Avg("overall_scale"),
        scaled=Count("pk", filter=Q(overall_scale__isnull=False)),
        **_band_counts(bands, "overall_scale"),
    )


@dataclass
class _Words:
    """The auditors' words by theme: what is working well and what worries them (`themes`),
    and the recommendations with what needs to happen (`needs`); each only if asked for."""

    themes: bool
    needs: bool
    found: list[ThemeFinding] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)

    def read(
        self, scope: ReportScope, filters: ReportFilters, today: dt.date, bands: list[ScalingBand]
    ) -> None:
        answers = section_answers(scope=scope, filters=filters)
        facts = scale_facts(scope=scope, filters=filters, today=today)
        theme_rows = _theme_rows(facts, bands)
        # Only the columns the tables asked for are ranked (a window function each).
        columns = (["working_well", "worried_about"] if self.themes else []) + (
            ["needs_to_happen"] if self.needs else []
        )
        texts = _ranked_texts(answers, _excerpt_candidates(facts, columns), columns)
        well, worries, needs = (texts[name] for name, _best in RANKED_TEXTS)
        if self.themes:
            self.found = [
                ThemeFinding(
                    theme=r["theme"],
                    n=r["n"],
                    average=one_decimal(r["avg"]),
                    band=band_of_average(average=r["avg"], bands=bands),
                    working_well_count=r["working_well"],
                    worried_count=r["worried_about"],
                    working_well=well.get(r["theme_id"], []),
                    worries=worries.get(r["theme_id"], []),
                )
                for r in theme_rows
            ]
            self.tables["themes"] = _findings_theme_table(theme_rows, bands)
            self.tables["working-well"] = _excerpt_table(
                "working-well", "What is working well", self.found, lambda t: t.working_well
            )
            self.tables["worries"] = _excerpt_table(
                "worries", "What we are worried about", self.found, lambda t: t.worries
            )
        if self.needs:
            self.recommendations = _recommendations(theme_rows, bands, needs)
            self.tables["recommendations"] = _recommendation_table(self.recommendations)


# The report's tables in order.
TABLE_ORDER = (
    "overall-bands",
    "themes",
    "working-well",
    "worries",
    "recommendations",
    "good-practice",
    "urgent",
)


def _recommendations(
    theme_rows: list[dict[str, Any]], bands: list[ScalingBand], needs: Mapping[int, list[Excerpt]]
) -> list[Recommendation]:
    """The lowest scaled themes: those below the average across all themes or with sections
    scaled in an urgent band (at least the lowest one), with what needs to happen."""
    urgent_band_ids = [b.pk for b in bands if b.urgent]
    scaled = [r for r in theme_rows if r["avg"] is not None]
    overall_avg = (
        sum(r["avg"] * r["n"] for r in scaled) / sum(r["n"] for r in scaled) if scaled else None
    )
    recommendations: list[Recommendation] = []
    for r in sorted(scaled, key=lambda r: r["avg"]):
        urgent_sections = sum(r[f"band_{pk}"] for pk in urgent_band_ids)
        below = r["avg"] < overall_avg
        if not (below or urgent_sections) and recommendations:
            continue
        reasons = []
        if below:
            reasons.append(f"below the average across all themes ({overall_avg:.1f})")
        if urgent_sections:
            reasons.append(
                f"{urgent_sections} section{'s' if urgent_sections != 1 else ''} scaled in an "
                "urgent band"
            )
        if not reasons:
            reasons.append("the lowest scaled theme")
        recommendations.append(
            Recommendation(
                theme=r["theme"],
                average=one_decimal(r["avg"]),
                band=band_of_average(average=r["avg"], bands=bands),
                urgent_sections=urgent_sections,
                reason="; ".join(reasons),
                needs=needs.get(r["theme_id"], []),
            )
        )
        if len(recommendations) >= RECOMMENDATIONS_MAX:
            break
    return recommendations


def _findings_theme_table(theme_rows: list[dict[str, Any]], bands: list[ScalingBand]) -> Table:
    theme_table = Table(
        "themes",
        "Scaling by theme",
        [
            Column("theme", "Theme"),
            *_scale_columns(bands),
            Column("working_well", "Sections with strengths written", NUMBER),
            Column("worried_about", "Sections with worries written", NUMBER),
        ],
        [
            [r["theme"], *_scale_cells(r, bands), r["working_well"], r["worried_about"]]
            for r in theme_rows
        ],
        description="Every scaled section of the audits in the period, by theme.",
    )
    theme_table.chart = charts.bar_chart(
        chart_id="chart-findings-themes",
        title="Average scale by theme",
        description="Horizontal bars: the average 0–10 scale of each theme's sections in the "
        "period. The figures are in the table that follows.",
        categories=[r["theme"] for r in theme_rows],
        series=[Series("Average scale", [one_decimal(r["avg"]) for r in theme_rows])],
        horizontal=True,
        max_value=10,
    )
    return theme_table


def _overall_bands_table(overview: Mapping[str, Any], bands: list[ScalingBand]) -> Table:
    overall_table = Table(
        "overall-bands",
        "Overall scale of the audits, by band",
        [Column("band", "Band"), Column("audits", "Audits", NUMBER), Column("share", "%", PERCENT)],
        [
            [
                f"{b.name} ({b.min_score}–{b.max_score})",
                overview[f"band_{b.pk}"],
                percent(overview[f"band_{b.pk}"], overview["scaled"]),
            ]
            for b in bands
        ],
    )
    overall_table.chart = charts.bar_chart(
        chart_id="chart-findings-overall",
        title="Audits by overall scale band",
        description="Vertical bars: the number of audits whose overall scale falls in each band. "
        "The figures are in the table that follows.",
        categories=[b.name for b in bands],
        series=[Series("Audits", [overview[f"band_{b.pk}"] for b in bands])],
    )
    return overall_table


def _excerpt_table(
    key: str,
    what: str,
    themes: list[ThemeFinding],
    excerpts: Callable[[ThemeFinding], Sequence[Excerpt]],
) -> Table:
    """A findings table of each theme's excerpts of one Signs of Safety column."""
    return Table(
        key,
        f"{what}, by theme",
        [
            Column("theme", "Theme"),
            Column("case", "Case"),
            Column("scale", "Scale", NUMBER),
            Column("text", f"{what} (excerpt)"),
        ],
        [[t.theme, link, scale, text] for t in themes for link, text, scale in excerpts(t)],
    )


def _recommendation_table(recommendations: list[Recommendation]) -> Table:
    return Table(
        "recommendations",
        "Recommendations",
        [
            Column("theme", "Theme"),
            Column("average", "Average scale", DECIMAL),
            Column("reason", "Why"),
            Column("case", "Case"),
            Column("text", "What needs to happen (excerpt)"),
        ],
        [row for rec in recommendations for row in _recommendation_rows(rec)],
    )


def _recommendation_rows(rec: Recommendation) -> list[list[Any]]:
    """A row per excerpt of what needs to happen, or one row with none."""
    first = [rec.theme, rec.average, rec.reason]
    if not rec.needs:
        return [[*first, "", ""]]
    return [[*first, link, text] for link, text, _scale in rec.needs]


def urgent_findings_chased(
    *, scope: ReportScope, filters: ReportFilters, table: bool = True, median: bool = True
) -> dict[str, Any]:
    """Urgent findings raised in the period: how many, how fast they were acknowledged (within
    a day, the median hours), and how many had to be chased because nobody acknowledged them:
    reminded after 1 working day, escalated to the Children's Service Manager after 2 and to
    the Assistant Director after 5. Those withdrawn by their auditor as raised in error are
    counted apart, not as raised. Three queries (the totals, by team, the median); no "table"
    without `table`, and no median hours (None) without `median` (the period before, at a
    glance, whose median is not shown)."""
    findings = UrgentFinding.objects.filter(scope.case_q(filters)).filter(
        filters.when_q("raised_at")
    )
    if filters.tool is not None:
        findings = findings.filter(audit__tool_version__tool_id=filters.tool.pk)
    live = Q(withdrawn_at__isnull=True)
    acknowledged = live & Q(acknowledged_at__isnull=False)
    within_day = Q(acknowledged_at__lte=F("raised_at") + dt.timedelta(hours=24))
    counts = {
        "raised": Count("pk", filter=live),
        "open": Count("pk", filter=live & Q(acknowledged_at__isnull=True)),
        "acknowledged": Count("pk", filter=acknowledged),
        "within_day": Count("pk", filter=acknowledged & within_day),
        "reminded": Count("pk", filter=live & Q(reminded_at__isnull=False)),
        "to_csm": Count("pk", filter=live & Q(escalated_to_csm_at__isnull=False)),
        "to_ad": Count("pk", filter=live & Q(escalated_to_ad_at__isnull=False)),
        "withdrawn": Count("pk", filter=Q(withdrawn_at__isnull=False)),
    }
    totals = findings.aggregate(**counts)
    median_hours = (
        _median_hours(findings.filter(acknowledged), totals["acknowledged"]) if median else None
    )
    figures = {
        "urgent_raised": totals["raised"],
        "urgent_open": totals["open"],
        "urgent_within_day": percent(totals["within_day"], totals["acknowledged"]),
        "urgent_median_hours": median_hours,
        "urgent_reminded": totals["reminded"],
        "urgent_to_csm": totals["to_csm"],
        "urgent_to_ad": totals["to_ad"],
        "urgent_withdrawn": totals["withdrawn"],
    }
    if not table:
        return {"figures": figures}
    by_team: list[Mapping[str, Any]] = list(
        findings.values(team=F("case__team__name")).annotate(**counts).order_by("team")
    )
    return {"figures": figures, "table": _urgent_table(by_team)}


# The quality report's columns, and how the findings were chased.
CHASED_COLUMNS = [
    *URGENT_COLUMNS,
    Column("reminded", "Reminded (1 working day)", NUMBER),
    Column("to_csm", "Escalated to the CSM (2 working days)", NUMBER),
    Column("to_ad", "Escalated to the AD (5 working days)", NUMBER),
    Column("withdrawn", "Withdrawn as raised in error", NUMBER),
]


def _urgent_table(by_team: list[Mapping[str, Any]]) -> Table:
    """The urgent findings' counts by team (a row of `urgent_findings_chased`' counts each)."""
    return Table(
        "urgent",
        "Urgent findings by team",
        CHASED_COLUMNS,
        [
            [*urgent_cells(r), r["reminded"], r["to_csm"], r["to_ad"], r["withdrawn"]]
            for r in by_team
        ],
        description="Findings raised in the period by a scale in an urgent band or a serious "
        "safeguarding issue, until a manager acknowledges them; those nobody acknowledged in "
        "time were reminded and escalated.",
    )
