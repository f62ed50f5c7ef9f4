"""The auditors' own words in the reports, as excerpts with the child's and family's names
replaced: good practice and the family's views (practice quality, findings), and the
findings report's ranking of each theme's best and worst scaled sections' texts."""

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import Case, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from caseaudit.audits.models import Satisfaction, SectionAnswer

from ..models import SCALE_POINTS, TEXT_PREFIXES
from ..scope import ReportFilters, ReportScope
from ..tables import DATE, NUMBER, Column, Link, Table
from ..text import excerpt
from .common import _audit_link, _midnight, _month, completed_audits
from .summary import ScaleFacts

EXCERPTS_SHOWN = 12
THEME_EXCERPTS = 3

EXCERPT_FIELDS = (
    "pk",
    "completed_at",
    "overall_scale",
    "case__reference",
    "case__display_name",
    "case__team__name",
    "tool_version__tool__name",
)


def good_practice_table(
    *, scope: ReportScope, filters: ReportFilters, order: str, full: bool = False
) -> Table:
    """Good practice the auditors recorded: the most recent (or the best scaled) first."""
    audits = completed_audits(scope=scope, filters=filters).exclude(good_practice="")
    ordering = (
        ("-completed_at", "-pk") if order == "recent" else ("-overall_scale", "-completed_at")
    )
    rows = audits.order_by(*ordering).values(*EXCERPT_FIELDS, "good_practice")
    rows = rows if full else rows[:EXCERPTS_SHOWN]
    return Table(
        "good-practice",
        "Good practice to share",
        [
            Column("case", "Case"),
            Column("date", "Audited", DATE),
            Column("team", "Team"),
            Column("tool", "Tool"),
            Column("scale", "Overall scale", NUMBER),
            Column("text", "Good practice (excerpt)"),
        ],
        [
            [
                _audit_link(r["case__reference"], r["pk"]),
                timezone.localdate(r["completed_at"]),
                r["case__team__name"],
                r["tool_version__tool__name"],
                r["overall_scale"],
                excerpt(r["good_practice"], display_name=r["case__display_name"]),
            ]
            for r in rows
        ],
        description="What the auditors recorded as good practice to feed back, "
        + ("most recent first." if order == "recent" else "best scaled audits first.")
        + " Names of the child or family are replaced by [name].",
    )


def views_table(*, scope: ReportScope, filters: ReportFilters, full: bool = False) -> Table:
    audits = completed_audits(scope=scope, filters=filters).filter(
        ~Q(child_views="") | ~Q(family_views="") | ~Q(voice_of_child="")
    )
    rows = audits.order_by("-completed_at", "-pk").values(
        *EXCERPT_FIELDS, "child_views", "family_views", "voice_of_child", "satisfaction"
    )
    rows = rows if full else rows[:EXCERPTS_SHOWN]
    return Table(
        "views",
        "The child's and the family's views",
        [
            Column("case", "Case"),
            Column("date", "Audited", DATE),
            Column("team", "Team"),
            Column("child", "The child's views and voice (excerpt)"),
            Column("family", "The family's views (excerpt)"),
            Column("satisfaction", "Family satisfaction"),
        ],
        [
            [
                _audit_link(r["case__reference"], r["pk"]),
                timezone.localdate(r["completed_at"]),
                r["case__team__name"],
                excerpt(
                    " ".join(t for t in (r["child_views"], r["voice_of_child"]) if t),
                    display_name=r["case__display_name"],
                ),
                excerpt(r["family_views"], display_name=r["case__display_name"]),
                Satisfaction(r["satisfaction"]).label if r["satisfaction"] else "",
            ]
            for r in rows
        ],
        description="From the audits' contact with the family and the voice of the child, most "
        "recent first. Names of the child or family are replaced by [name].",
    )


# --- The findings report's excerpts of each theme -----------------------------------------

RANKED_TEXTS = (
    # (field, best first?) for the findings report's excerpts of each theme.
    ("working_well", True),
    ("worried_about", False),
    ("needs_to_happen", False),
)
ALL_COLUMNS = tuple(name for name, _best in RANKED_TEXTS)


@dataclass
class Candidates:
    """The answers the findings excerpts are ranked among, in parts: each part a condition
    and the (theme, column) pairs whose excerpts it holds; `pairs` None: all of them."""

    parts: list[tuple[frozenset[tuple[int, str]] | None, Q]]

    @property
    def q(self) -> Q:
        """Any candidate."""
        return reduce(operator.or_, (condition for _pairs, condition in self.parts))


EVERY_ANSWER = Candidates([(None, Q())])


def _excerpt_candidates(facts: ScaleFacts, columns: Collection[str] = ALL_COLUMNS) -> Candidates:
    """The answers the excerpts of each theme and column can come from, found from the facts'
    counts of written columns per month and point of the scale. Ranking is by scale, then the
    most recent: so for each theme and column the excerpts are the answers scaled beyond some
    point p (fewer than THEME_EXCERPTS of them) and the most recent at p, which lie in the last
    months that have enough of them. Ranking only these gives the same excerpts as ranking
    every answer (any answer that outranks one of them is among them).

    Most themes and columns find theirs in the latest month that has any; a sparse one (few
    answers at the ends of the scale) goes back further. They are two parts, ranked apart:
    the first reads only that month's audits, the second only its sections' answers at its
    points of the scale (the index on section and scale), not months of every audit."""
    theme_sections: dict[int, list[int]] = defaultdict(list)
    for section_id, section in facts.sections.items():
        theme_sections[section["theme_id"]].append(section_id)
    # (theme, column) -> (the earliest month it needs, its candidates' condition)
    pairs: dict[tuple[int, str], tuple[dt.date, Q]] = {}
    for (theme_id, name), by_point in _written_counts(facts).items():
        if name not in columns:  # the page shows only some columns' excerpts
            continue
        since, wanted = _pair_candidates(by_point, best_first=dict(RANKED_TEXTS)[name])
        condition = Q(section_id__in=theme_sections[theme_id]) & ~Q(**{name: ""}) & wanted
        pairs[(theme_id, name)] = (since, condition)
    if not pairs:
        return Candidates([(frozenset(), Q(pk__in=[]))])
    latest = max(since for since, _condition in pairs.values())
    parts: list[tuple[frozenset[tuple[int, str]] | None, Q]] = []
    for recent in (True, False):
        chosen = {k: v for k, v in pairs.items() if (v[0] == latest) == recent}
        if chosen:
            condition = reduce(operator.or_, (c for _since, c in chosen.values()))
            # one bound for the query planner: the audits completed since then
            since = min(since for since, _condition in chosen.values())
            parts.append(
                (frozenset(chosen), condition & Q(audit__completed_at__gte=_midnight(since)))
            )
    return Candidates(parts)


WrittenCounts = dict[tuple[int, str], dict[int, dict[dt.date, int]]]


def _written_counts(facts: ScaleFacts) -> WrittenCounts:
    """(theme, column) -> point -> month -> how many answers have that column written."""
    counts: WrittenCounts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for r in facts.by_month_section:
        theme_id = facts.sections[r["section_key"]]["theme_id"]
        month = _month(r["month"])
        for name, _best in RANKED_TEXTS:
            for point in SCALE_POINTS:
                n = r[f"{TEXT_PREFIXES[name]}{point}"]
                if n:
                    counts[(theme_id, name)][point][month] += n
    return counts


def _pair_candidates(
    by_point: dict[int, dict[dt.date, int]], *, best_first: bool
) -> tuple[dt.date, Q]:
    """For one theme and column (its counts by point and month): the earliest month its
    excerpts can come from, and the condition on its answers' scale and date."""
    points = sorted(by_point, reverse=best_first)  # best first: the ranking's order
    above, taken = [], 0
    for point in points:
        in_point = sum(by_point[point].values())
        if taken + in_point >= THEME_EXCERPTS:
            break
        above.append(point)
        taken += in_point
    else:
        point = None  # fewer than THEME_EXCERPTS in all: every one is an excerpt
    months = {m for p in above for m in by_point[p]}
    wanted = Q(scale__in=above)
    if point is not None:
        # the most recent at this point: back from the last month until there are enough
        newest_first = sorted(by_point[point], reverse=True)  # never empty: it was counted
        needed, first = THEME_EXCERPTS - taken, newest_first[0]
        for month in newest_first:
            needed -= by_point[point][month]
            first = month
            if needed <= 0:
                break
        months.add(first)
        wanted |= Q(scale=point, audit__completed_at__gte=_midnight(first))
    return min(months), wanted


Excerpt = tuple[Link, str, int]


def _ranked_texts(
    answers: QuerySet[SectionAnswer],
    candidates: Candidates,
    columns: Collection[str] = ALL_COLUMNS,
) -> dict[str, dict[int, list[Excerpt]]]:
    """For each Signs of Safety column, up to THEME_EXCERPTS texts per theme from its highest
    ("working well") or lowest scaled sections, most recent first among equals; blank texts
    rank last and are dropped. Two queries: the ranking (a window function per column over
    one pass of each part of the candidates, carrying no text through its sorts; the parts
    joined by UNION ALL), then the few winners' texts. `columns`: only these columns' (a tab
    shows one or two; each is a window function of the ranking); the others' are empty.
    """
    ranked = [(name, best) for name, best in RANKED_TEXTS if name in columns]
    ranks = _ranks(answers, candidates, ranked)
    rows = SectionAnswer.objects.filter(pk__in=list(ranks)).values(
        "pk",
        "scale",
        "audit_id",
        *(name for name, _best in ranked),
        theme_id=F("section__theme_id"),
        reference=F("audit__case__reference"),
        display_name=F("audit__case__display_name"),
    )
    found: dict[str, dict[int, list]] = {name: defaultdict(list) for name, _best in RANKED_TEXTS}
    for r in rows:
        for name, _best in ranked:
            for pairs, rank in ranks[r["pk"]][name]:
                holds = pairs is None or (r["theme_id"], name) in pairs
                if holds and r[name] and rank <= THEME_EXCERPTS:
                    found[name][r["theme_id"]].append((rank, r))
    texts: dict[str, dict[int, list]] = {}
    for name, by_theme in found.items():
        texts[name] = {
            theme_id: [
                (
                    _audit_link(r["reference"], r["audit_id"]),
                    excerpt(r[name], display_name=r["display_name"]),
                    r["scale"],
                )
                for _rank, r in sorted(rows, key=lambda item: item[0])
            ]
            for theme_id, rows in by_theme.items()
        }
    return texts


def _ranks(
    answers: QuerySet[SectionAnswer],
    candidates: Candidates,
    order: Sequence[tuple[str, bool]] = RANKED_TEXTS,
) -> dict[int, Any]:
    """(answer, column) -> its ranks (each with the pairs of the part it came from) for the
    answers near the top of some theme and column (`order`: the columns, and whether best
    first): the ranking query."""
    windows = {}
    for name, best_first in order:
        blank_last = Case(When(**{name: ""}, then=Value(1)), default=Value(0))
        scale_order = F("scale").desc() if best_first else F("scale").asc()
        windows[f"rank_{name}"] = Window(
            RowNumber(),
            partition_by=[F("section__theme_id")],
            order_by=[
                blank_last.asc(),
                scale_order,
                F("audit__completed_at").desc(),
                F("pk").desc(),
            ],
        )
    near_top = Q()
    for name, _best in order:
        near_top |= Q(**{f"rank_{name}__lte": THEME_EXCERPTS})
    ranked = [
        answers.filter(condition)
        .annotate(**windows)
        .filter(near_top)
        .values("pk", *windows)
        .annotate(part=Value(i))
        for i, (_pairs, condition) in enumerate(candidates.parts)
    ]
    if len(ranked) > 1:
        ranked = [ranked[0].union(*ranked[1:], all=True)]
    # (answer, theme, column) -> rank, only where the part it came from holds that pair
    ranks: dict = {}
    for r in ranked[0]:
        pairs = candidates.parts[r["part"]][0]
        for name, _best in order:
            ranks.setdefault(r["pk"], {}).setdefault(name, [])
            ranks[r["pk"]][name].append((pairs, r[f"rank_{name}"]))
    return ranks
