"""The report pages at a glance: a few headline figures of the period, each beside the same
figure of the previous period of the same length, and one chart.

Every figure comes from the reports' own public selectors, read twice (the period and the one
before), so a headline never disagrees with the table it summarises. The practice quality
figures read the scale summary (`summary.scale_facts`), which answers a period of whole
months in two small queries: the previous period is chosen to be one (`previous_filters`).
Each page runs a fixed number of queries, however much data there is."""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audit_tools.selectors import scaling_bands
from caseaudit.programme.due import add_months

from .. import charts
from ..charts import Series
from ..periods import month_label
from ..scope import ReportFilters, ReportScope
from ..tables import one_decimal, percent
from .compliance import (
    BEHIND_BELOW,
    SENIOR_MANAGERS,
    ComplianceCounts,
    Tally,
    compliance_counts,
    programme_tally,
    staff_named,
)
from .findings import urgent_findings_chased
from .grades import audit_grades
from .responses import responses_overview, responses_report
from .summary import ScaleFacts, scale_facts

PERCENT, COUNT, DECIMAL, HOURS = "percent", "count", "decimal", "hours"
# Which way a figure gets better: up, down, or toward zero (the moderation's mean difference).
UP, DOWN, ZERO, NEUTRAL = "up", "down", "zero", ""
MAX_HEADLINES = 6


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    value: float | int | None
    previous: float | int | None
    kind: str = COUNT
    better: str = UP
    detail: str = ""
    # The tab with the figure's detail (its slug), if any.
    tab: str = ""
    # False: a figure as at today, which has no previous period to compare with.
    comparable: bool = True

    @property
    def change(self) -> float | None:
        if not self.comparable or self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def verdict(self) -> str:
        """ "better", "worse", "same" or "" (no comparison, or a figure neither way)."""
        change = self.change
        if change is None or self.better == NEUTRAL:
            return ""
        if self.kind == PERCENT:
            change = round(change)
        elif self.kind in (DECIMAL, HOURS):
            change = round(change, 1)
        if self.better == ZERO:
            if self.value is None or self.previous is None:  # returned above; for the types
                raise ValueError("A change needs both figures")
            # As the page rounds them: one decimal.
            closer = round(abs(self.previous), 1) - round(abs(self.value), 1)
            return "same" if not closer else ("better" if closer > 0 else "worse")
        if not change:
            return "same"
        return "better" if (change > 0) == (self.better == UP) else "worse"


@dataclass
class Glance:
    """A report at a glance: its headlines (at most six), one chart and what the sentences
    need to know (`facts`: counts behind the figures, e.g. whether anything was audited)."""

    headlines: list[Headline]
    chart: SafeString | None = None
    chart_title: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.headlines) > MAX_HEADLINES:
            raise ValueError(f"At most {MAX_HEADLINES} headline figures")


# --- The previous period ------------------------------------------------------------------


def previous_filters(*, filters: ReportFilters) -> ReportFilters:
    """The same filters over the period of the same length just before: as many calendar
    months before a period that starts on the first of a month (the last 12 months, a quarter,
    this year, a month: whole months, which the scale summary answers), else as many days."""
    if filters.start.day == 1:
        n = len(filters.months)
        start, end = add_months(filters.start, -n), filters.start - dt.timedelta(days=1)
    else:
        days = (filters.end - filters.start).days + 1
        end = filters.start - dt.timedelta(days=1)
        start = end - dt.timedelta(days=days - 1)
    return dataclasses.replace(filters, start=start, end=end)


def previous_label(*, filters: ReportFilters) -> str:
    """ "the previous 12 months", "the previous month", "the previous 45 days"."""
    if filters.start.day == 1:
        n = len(filters.months)
        return "the previous month" if n == 1 else f"the previous {n} months"
    days = (filters.end - filters.start).days + 1
    return "the previous day" if days == 1 else f"the previous {days} days"


# --- Helpers ------------------------------------------------------------------------------


def _before_or_none(headlines: list[Headline], *, recorded: bool) -> list[Headline]:
    """The headlines, without their previous figures when nothing at all was recorded in the
    period before (before the service was used, say): "up 250 from 0" would mislead."""
    if recorded:
        return headlines
    return [dataclasses.replace(h, previous=None) for h in headlines]


def good_floor(*, bands: list[ScalingBand]) -> int:
    """The lowest scale that is "good or better": above every band that needs actions or
    raises an urgent finding (6, Good and Outstanding, by default)."""
    return max((b.max_score for b in bands if b.urgent or b.actions_required), default=-1) + 1


def good_label(*, bands: list[ScalingBand]) -> str:
    floor = good_floor(bands=bands)
    good = [b for b in bands if b.min_score >= floor]
    if not good:
        return "in the top band"
    return f"{good[0].name.lower()} or better" if len(good) > 1 else good[0].name.lower()


@dataclass(frozen=True)
class _Sections:
    n: int
    total: int
    good: int

    @property
    def average(self) -> float | None:
        return one_decimal(self.total / self.n) if self.n else None

    @property
    def good_pct(self) -> float | None:
        return percent(self.good, self.n)


def _sections(facts: ScaleFacts, bands: list[ScalingBand]) -> _Sections:
    """The scaled sections of the facts added up: how many, their total and how many are in a
    good band."""
    points = range(good_floor(bands=bands), 11)
    n = total = good_n = 0
    for r in facts.by_month_section:
        n += r["n"] or 0
        total += r["total"] or 0
        good_n += sum(r.get(f"s{p}") or 0 for p in points)
    return _Sections(n, total, good_n)


def _month_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.replace(day=1) if isinstance(value, dt.date) else None


def _audit_figures(
    scope: ReportScope, filters: ReportFilters, today: dt.date, bands: list[ScalingBand]
) -> dict[str, Any]:
    """The period's completed audits: how many, their average overall scale and how many
    were scaled good or better (one query, of the grades summary where it answers). Not of
    how many cases: counting distinct cases took two thirds of the query's time at the
    national scale; the findings report's overview says it."""
    return audit_grades(
        scope=scope, filters=filters, today=today, bands=bands, good_from=good_floor(bands=bands)
    )


# --- Practice quality ---------------------------------------------------------------------


def _quality_section_headlines(now: _Sections, then: _Sections, label: str) -> list[Headline]:
    return [
        Headline(
            "sections-good",
            f"Sections {label}",
            now.good_pct,
            then.good_pct,
            PERCENT,
            detail=f"Of {now.n:,} scaled section{'s' if now.n != 1 else ''}.",
            tab="themes",
        ),
        Headline(
            "average",
            "Average section scale",
            now.average,
            then.average,
            DECIMAL,
            detail="Out of 10 (10 best).",
            tab="months",
        ),
    ]


def _quality_audit_headlines(
    now: Mapping[str, Any], then: Mapping[str, Any], label: str
) -> list[Headline]:
    """`now` and `then`: `_audit_figures` of the period and the period before."""
    return [
        Headline(
            "audits-good",
            f"Audits graded {label}",
            percent(now["good"], now["scaled"]),
            percent(then["good"], then["scaled"]),
            PERCENT,
            detail=f"The overall scale of {now['scaled']:,} audit"
            f"{'s' if now['scaled'] != 1 else ''}.",
            tab="audits",
        ),
        Headline(
            "audits",
            "Audits completed",
            now["audits"],
            then["audits"],
            COUNT,
            better=NEUTRAL,
            detail="Completed in the period, whatever their tool.",
            tab="audits",
        ),
    ]


def _quality_urgent_headlines(now: Mapping[str, Any], then: Mapping[str, Any]) -> list[Headline]:
    """`now` and `then`: `urgent_findings_chased`'s figures (the period before's has no
    median: only the period's is shown)."""
    return [
        Headline(
            "urgent",
            "Urgent findings raised",
            now["urgent_raised"],
            then["urgent_raised"],
            COUNT,
            better=NEUTRAL,
            detail=f"{now['urgent_open']:,} not yet acknowledged.",
            tab="urgent",
        ),
        Headline(
            "urgent-within-day",
            "Acknowledged within 24 hours",
            now["urgent_within_day"],
            then["urgent_within_day"],
            PERCENT,
            detail="Of the urgent findings acknowledged."
            + (
                f" Median {now['urgent_median_hours']:.1f} hours."
                if now["urgent_median_hours"] is not None
                else ""
            ),
            tab="urgent",
        ),
    ]


def quality_glance(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> Glance:
    bands = scaling_bands()
    before = previous_filters(filters=filters)
    # By month alone: the headlines and the chart add the sections up.
    now_facts = scale_facts(scope=scope, filters=filters, today=today, by_section=False)
    then_facts = scale_facts(scope=scope, filters=before, today=today, by_section=False)
    now, then = _sections(now_facts, bands), _sections(then_facts, bands)
    audits_now = _audit_figures(scope, filters, today, bands)
    audits_then = _audit_figures(scope, before, today, bands)
    urgent_now = urgent_findings_chased(scope=scope, filters=filters, table=False)["figures"]
    urgent_then = urgent_findings_chased(scope=scope, filters=before, table=False, median=False)[
        "figures"
    ]
    label = good_label(bands=bands)
    headlines = [
        *_quality_section_headlines(now, then, label),
        *_quality_audit_headlines(audits_now, audits_then, label),
        *_quality_urgent_headlines(urgent_now, urgent_then),
    ]
    recorded = bool(then.n or audits_then["audits"] or urgent_then["urgent_raised"])
    return Glance(
        _before_or_none(headlines, recorded=recorded),
        chart=_quality_chart(now_facts, then_facts, filters, before, bands),
        chart_title="Average section scale, month by month",
        facts={
            "sections": now.n,
            "previous_sections": then.n,
            "urgent_open": urgent_now["urgent_open"],
            "good_label": label,
            "source": now_facts.source,
        },
    )


def _monthly_average(facts: ScaleFacts, months: list[dt.date]) -> list[float | None]:
    sums: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for r in facts.by_month_section:
        month = _month_of(r["month"])
        if month is not None:
            sums[month][0] += r["n"] or 0
            sums[month][1] += r["total"] or 0
    return [
        one_decimal(sums[m][1] / sums[m][0]) if m in sums and sums[m][0] else None for m in months
    ]


def _quality_chart(
    now: ScaleFacts,
    then: ScaleFacts,
    filters: ReportFilters,
    before: ReportFilters,
    bands: list[ScalingBand],
) -> SafeString:
    months = filters.months
    series = [Series("This period", _monthly_average(now, months))]
    if len(before.months) == len(months):  # the months side by side: the same place a year on
        series.append(Series("The period before", _monthly_average(then, before.months)))
    return charts.line_chart(
        chart_id="chart-glance-quality",
        title="Average section scale, month by month",
        description="The average 0–10 scale of the sections of the audits completed each "
        "month, over the shaded scaling bands"
        + (", beside the same month of the period before" if len(series) > 1 else "")
        + ". The figures by month are on the Months tab.",
        categories=[month_label(m) for m in months],
        series=series,
        min_value=0,
        max_value=10,
        bands=[charts.Band(b.min_score, b.max_score, b.name) for b in bands],
    )


# --- Programme compliance -----------------------------------------------------------------


def _teams(counts: ComplianceCounts) -> dict[tuple[str, str], Tally]:
    """The people's tallies by team, as the report's table of teams adds them up."""
    teams: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for person_id, tally in counts.people.items():
        p = counts.staff[person_id]
        teams[(p["team_name"] or SENIOR_MANAGERS, p["service_name"] or "")].merge(tally)
    return teams


def compliance_glance(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> Glance:
    before = previous_filters(filters=filters)
    # The same people either side: the period before differs only in its dates.
    staff = staff_named(scope=scope, filters=filters)
    now_counts = compliance_counts(scope=scope, filters=filters, today=today, staff=staff)
    then_counts = compliance_counts(scope=scope, filters=before, today=today, staff=staff)
    now, then = now_counts.total(), then_counts.total()
    teams_now, teams_then = _teams(now_counts), _teams(then_counts)
    due_now = sum(1 for t in teams_now.values() if t.expected_ended)
    headlines = [
        Headline(
            "completion",
            "Allocated audits done",
            now.completion,
            then.completion,
            PERCENT,
            detail=f"{now.done:,} of {now.expected:,} expected from the confirmed programme.",
            tab="months",
        ),
        Headline(
            "teams-behind",
            "Teams behind",
            sum(1 for t in teams_now.values() if t.behind),
            sum(1 for t in teams_then.values() if t.behind),
            COUNT,
            better=DOWN,
            detail=f"Of {due_now:,} team{'s' if due_now != 1 else ''} with audits due: done "
            f"fewer than {BEHIND_BELOW}% of them."
            if due_now
            else "None due yet: no allocated audit is due yet in this period.",
            tab="teams",
        ),
        Headline(
            "overdue",
            "Allocated audits overdue",
            now.overdue,
            then.overdue,
            COUNT,
            better=DOWN,
            detail="Of months that have ended, not done.",
            tab="people",
        ),
        Headline(
            "other",
            "Other audits done",
            now.other,
            then.other,
            COUNT,
            better=NEUTRAL,
            detail="Completed without an allocation (permissive, annual, closure).",
            tab="months",
        ),
    ]
    months = filters.months
    by_month = [now_counts.months.get(m) or Tally() for m in months]
    chart = charts.bar_chart(
        chart_id="chart-glance-compliance",
        title="Allocated audits expected and done, by month",
        description="Two bars for each month of the period: the audits the confirmed "
        "programme allocated, and those done. The figures are on the Months tab.",
        categories=[month_label(m) for m in months],
        series=[
            Series("Expected", [t.expected for t in by_month]),
            Series("Done", [t.done for t in by_month]),
        ],
    )
    return Glance(
        _before_or_none(headlines, recorded=bool(then.expected or then.other)),
        chart=chart,
        chart_title="Allocated audits expected and done, by month",
        facts={"expected": now.expected, "teams_due": due_now, "overdue": now.overdue},
    )


# --- Responses ----------------------------------------------------------------------------


def responses_glance(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> Glance:
    """The period's full figures (and its chart of months) and the previous period's
    overview (one query)."""
    before = previous_filters(filters=filters)
    report = responses_report(scope=scope, filters=filters, today=today)
    then = responses_overview(scope=scope, filters=before, today=today)
    f = report.figures
    actions = f["actions"]
    headlines = [
        Headline(
            "on-time",
            "Responses on time",
            f["on_time_pct"],
            then["responses_on_time"],
            PERCENT,
            detail=f"{f['on_time']:,} on time, {f['late']:,} late.",
            tab="months",
        ),
        Headline(
            "requested",
            "Responses requested",
            f["requested"],
            then["responses"],
            COUNT,
            better=NEUTRAL,
            detail="One for each audit completed in the period.",
            tab="teams",
        ),
        Headline(
            "overdue",
            "Overdue with the worker",
            f["overdue"],
            None,
            COUNT,
            better=DOWN,
            detail=f"{f['to_authorise']:,} awaiting authorisation.",
            tab="teams",
            comparable=False,
        ),
        Headline(
            "actions-overdue",
            "Restorative actions overdue",
            actions["overdue"],
            None,
            COUNT,
            better=DOWN,
            detail=f"{actions['open']:,} open of {actions['actions']:,}.",
            tab="actions",
            comparable=False,
        ),
    ]
    months = report.table("responses-by-month")
    return Glance(
        _before_or_none(headlines, recorded=bool(then["responses"])),
        chart=months.chart,
        chart_title="Responses by month",
        facts={"requested": f["requested"], "outstanding": f["outstanding"]},
    )


# --- Findings -----------------------------------------------------------------------------


def findings_glance(*, scope: ReportScope, filters: ReportFilters, today: dt.date) -> Glance:
    bands = scaling_bands()
    before = previous_filters(filters=filters)
    now = _audit_figures(scope, filters, today, bands)
    then = _audit_figures(scope, before, today, bands)
    programme_now = programme_tally(scope=scope, filters=filters, today=today)
    programme_then = programme_tally(scope=scope, filters=before, today=today)
    responses_now = responses_overview(scope=scope, filters=filters, today=today)
    responses_then = responses_overview(scope=scope, filters=before, today=today)
    label = good_label(bands=bands)
    headlines = [
        Headline(
            "audits",
            "Audits completed",
            now["audits"],
            then["audits"],
            COUNT,
            better=NEUTRAL,
            detail=f"{now['scaled']:,} with an overall scale.",
        ),
        Headline(
            "average",
            "Average overall scale",
            one_decimal(now["average"]),
            one_decimal(then["average"]),
            DECIMAL,
            detail="Out of 10 (10 best): the audits' final grades.",
            tab="themes",
        ),
        Headline(
            "audits-good",
            f"Audits graded {label}",
            percent(now["good"], now["scaled"]),
            percent(then["good"], then["scaled"]),
            PERCENT,
            tab="themes",
        ),
        Headline(
            "programme",
            "Allocated audits done",
            programme_now.completion,
            programme_then.completion,
            PERCENT,
            detail=f"{programme_now.done:,} of {programme_now.expected:,}.",
        ),
        Headline(
            "responses-on-time",
            "QA responses on time",
            responses_now["responses_on_time"],
            responses_then["responses_on_time"],
            PERCENT,
            detail=f"{responses_now['responses_overdue']:,} overdue now.",
        ),
    ]
    chart = charts.bar_chart(
        chart_id="chart-glance-findings",
        title="Audits in each band of the overall scale",
        description="For each scaling band, the number of audits whose overall scale (the "
        "final grade) is in it: this period beside the period before.",
        categories=[b.name for b in bands],
        series=[
            Series("This period", [now[f"band_{b.pk}"] for b in bands]),
            Series("The period before", [then[f"band_{b.pk}"] for b in bands]),
        ],
    )
    recorded = bool(then["audits"] or programme_then.expected or responses_then["responses"])
    return Glance(
        _before_or_none(headlines, recorded=recorded),
        chart=chart,
        chart_title="Audits in each band of the overall scale",
        facts={"audits": now["audits"], "good_label": label},
    )


# --- Moderation ---------------------------------------------------------------------------


def moderation_glance(
    *, now: Mapping[str, Any], then: Mapping[str, Any], chart: SafeString | None
) -> Glance:
    """The moderation report's figures (`moderation.moderation_report`'s, of the period and
    the period before) as headlines."""
    headlines = [
        Headline(
            "moderated",
            "Audits moderated",
            now["moderated"],
            then["moderated"],
            COUNT,
            better=NEUTRAL,
            detail=f"{now['pairs']:,} section pairs compared.",
            tab="auditors",
        ),
        Headline(
            "within-one",
            "Agreement within one point",
            now["within_one"],
            then["within_one"],
            PERCENT,
            tab="months",
        ),
        Headline(
            "exact",
            "Exact agreement",
            now["exact_agreement"],
            then["exact_agreement"],
            PERCENT,
            tab="months",
        ),
        Headline(
            "mean-difference",
            "Mean difference",
            None if now["mean_difference"] is None else round(now["mean_difference"], 2),
            None if then["mean_difference"] is None else round(then["mean_difference"], 2),
            DECIMAL,
            better=ZERO,
            detail="Auditor minus moderator, in points of the 0–10 scale.",
            tab="auditors",
        ),
        Headline(
            "grades-changed",
            "Overall grades changed",
            now["grades_changed"],
            then["grades_changed"],
            PERCENT,
            better=DOWN,
            detail=f"{now['grades_changed_count']:,} audit"
            f"{'s' if now['grades_changed_count'] != 1 else ''} had the final grade changed.",
            tab="bands",
        ),
    ]
    return Glance(
        _before_or_none(headlines, recorded=bool(then["moderated"])),
        chart=chart,
        chart_title="Agreement month by month",
        facts={"moderated": now["moderated"], "alpha": now["alpha_ordinal"]},
    )


GLANCES = {
    "compliance": compliance_glance,
    "responses": responses_glance,
    "quality": quality_glance,
    "findings": findings_glance,
}


def report_glance(
    *, report: str, scope: ReportScope, filters: ReportFilters, today: dt.date
) -> Glance:
    """A report (compliance, responses, quality, findings) at a glance."""
    return GLANCES[report](scope=scope, filters=filters, today=today)
