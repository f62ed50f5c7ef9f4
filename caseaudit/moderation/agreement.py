"""Agreement between auditors and moderators, over completed moderations (docs/moderation.md).

Each (audit, section) scaled by both is a pair: the auditor's scale and the moderator's. Of a
set of pairs:
- exact agreement: % of pairs equal; within one: % of pairs at most one point apart;
- mean difference: the mean of auditor minus moderator (positive: auditors more generous, the
  "optimism gap");
- Krippendorff's alpha, ordinal metric, each pair a unit coded by two coders, computed by the
  `krippendorff` library over the 0-10 value domain (None when it is undefined: no pairs, or
  every scale the same).
Of the overall scales: how many moderations changed the audit's overall scale (its final
grade), by the band of the auditor's scale.

The caller scopes the moderations (the report's scope and filters); `agreement_report` reads
them in two grouped queries whatever their number (counts by auditor, month and value, not a
row each), and the bands in one.
"""

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import krippendorff
from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audit_tools.selectors import band_for, scaling_bands

from .models import Moderation, ModerationStatus

SCALE_DOMAIN = list(range(11))


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def alpha_ordinal(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Krippendorff's alpha (ordinal) of (auditor, moderator) pairs, by the library: the
    definition `alpha_ordinal_counts` is tested against."""
    if not pairs or len({v for p in pairs for v in p}) < 2:
        return None
    value = krippendorff.alpha(
        reliability_data=[[a for a, _ in pairs], [m for _, m in pairs]],
        level_of_measurement="ordinal",
        value_domain=SCALE_DOMAIN,
    )
    return None if math.isnan(value) else round(float(value), 3)


def alpha_ordinal_counts(counts: Mapping[tuple[int, int], int]) -> float | None:
    """`alpha_of_counts`, rounded to three places as the reports show it."""
    value = alpha_of_counts(counts)
    return None if value is None else round(value, 3)


def alpha_of_counts(counts: Mapping[tuple[int, int], int]) -> float | None:
    """Krippendorff's alpha (ordinal) of pairs given as {(auditor, moderator): how many}: the
    same figure as `alpha_ordinal`, from the 11 x 11 coincidence matrix rather than one unit
    per pair. Every pair is a unit of two values, so it adds one to o[a][m] and one to
    o[m][a]; with n_c the values' totals, alpha = 1 - (n - 1) * sum(o * d2) / sum(n_c n_k d2),
    where the ordinal d2(c, k) = (n_c + ... + n_k - (n_c + n_k) / 2) ** 2. A report of
    thousands of auditors needs it: the library takes milliseconds a group."""
    size = len(SCALE_DOMAIN)
    o = [[0] * size for _ in range(size)]
    for (a, m), n in counts.items():
        o[a][m] += n
        o[m][a] += n
    totals = [sum(row) for row in o]
    n_values = sum(totals)
    if sum(1 for t in totals if t) < 2:
        return None
    cumulative = [0]
    for t in totals:
        cumulative.append(cumulative[-1] + t)

    def d2(c: int, k: int) -> float:
        low, high = min(c, k), max(c, k)
        return (cumulative[high + 1] - cumulative[low] - (totals[low] + totals[high]) / 2) ** 2

    observed = expected = 0.0
    for c in range(size):
        for k in range(size):
            if totals[c] and totals[k]:
                distance = d2(c, k)
                observed += o[c][k] * distance
                expected += totals[c] * totals[k] * distance
    if not expected:
        return None
    return 1 - (n_values - 1) * observed / expected


def agreement_of_counts(counts: Mapping[tuple[int, int], int]) -> dict[str, Any]:
    """The agreement figures of pairs given as {(auditor scale, moderator scale): how many}."""
    n = sum(counts.values())
    return {
        "pairs": n,
        "exact_agreement": _pct(sum(c for (a, m), c in counts.items() if a == m), n),
        "within_one": _pct(sum(c for (a, m), c in counts.items() if abs(a - m) <= 1), n),
        "mean_difference": (
            round(sum((a - m) * c for (a, m), c in counts.items()) / n, 2) if n else None
        ),
        "alpha_ordinal": alpha_ordinal_counts(counts),
    }


def agreement_of(pairs: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """The agreement figures of (auditor scale, moderator scale) pairs."""
    return agreement_of_counts(Counter(pairs))


@dataclass
class Group:
    """The moderations of one row of the report: how many, and their pairs and overall scales
    counted by value."""

    moderated: int = 0
    pairs: Counter = field(default_factory=Counter)  # (auditor, moderator) -> how many
    overall: Counter = field(default_factory=Counter)  # (auditor overall, moderated overall)

    def figures(self) -> dict[str, Any]:
        changed = sum(n for (a, m), n in self.overall.items() if a != m)
        return {
            "moderated": self.moderated,
            **agreement_of_counts(self.pairs),
            "grades_changed": _pct(changed, sum(self.overall.values())),
            "grades_changed_count": changed,
        }


@dataclass
class AgreementReport:
    figures: dict[str, Any]
    by_auditor: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_band: list[dict[str, Any]]
    bands: list[ScalingBand]


def completed_moderations(moderations: QuerySet[Moderation]) -> QuerySet[Moderation]:
    return moderations.filter(status=ModerationStatus.COMPLETED)


def _month_key(value: dt.date | dt.datetime) -> dt.date:
    return (value.date() if isinstance(value, dt.datetime) else value).replace(day=1)


def _pairs(done: QuerySet[Moderation], *, theme_id: int | None) -> QuerySet[Moderation]:
    """The moderations joined to their sections scaled by both (one join, the moderations'
    own filters applied to it: no subquery), to be grouped by the values of the pairs."""
    # One filter() call: conditions on a multi-valued relation in separate calls would each
    # join the sections anew.
    conditions: dict[str, Any] = {
        "sections__scale__isnull": False,
        "sections__auditor_scale__isnull": False,
    }
    if theme_id is not None:
        conditions["sections__section__theme_id"] = theme_id
    return done.filter(**conditions)


def agreement_report(
    *,
    moderations: QuerySet[Moderation],
    months: Sequence[dt.date] = (),
    theme_id: int | None = None,
    by_auditor: bool = True,
) -> AgreementReport:
    """The figures, by month of completion (`months`: those to show, in order), by band and
    (unless `by_auditor` is False: none then) by auditor, of the completed moderations among
    `moderations`. With `theme_id`, only that theme's sections count in the section figures
    (the overall grades are the audits'). Every query is grouped by the values counted, so
    its rows do not grow with the moderations: two, and two more for the auditors."""
    done = completed_moderations(moderations)
    month = TruncMonth("completed_at", tzinfo=timezone.get_current_timezone())
    bands = scaling_bands()
    band_of = {score: band_for(score=score, bands=bands) for score in SCALE_DOMAIN}

    def band_key(score: int | None) -> int | None:
        band = band_of.get(score) if score is not None else None
        return band.pk if band is not None else None

    total = Group()
    by_month: dict[dt.date, Group] = defaultdict(Group)
    by_band: dict[int | None, Group] = defaultdict(Group)
    moved: dict[int | None, int] = defaultdict(int)
    overall_rows = (
        done.values("auditor_overall_scale", "overall_scale", month=month)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in overall_rows:
        before, after = r["auditor_overall_scale"], r["overall_scale"]
        key = band_key(before)
        for group in (total, by_month[_month_key(r["month"])], by_band[key]):
            _add_moderations(group, r["n"], before, after)
        if before is not None and after is not None and band_key(after) != key:
            moved[key] += r["n"]
    pair_rows = (
        _pairs(done, theme_id=theme_id)
        .values(
            month=month,
            overall=F("auditor_overall_scale"),
            a=F("sections__auditor_scale"),
            m=F("sections__scale"),
        )
        .annotate(n=Count("sections"))
        .order_by()
    )
    for p in pair_rows:
        pair = (p["a"], p["m"])
        for group in (total, by_month[_month_key(p["month"])], by_band[band_key(p["overall"])]):
            group.pairs[pair] += p["n"]
    month_keys = list(months) or sorted(by_month)
    band_rows = []
    for b in bands:
        figures = by_band[b.pk].figures()
        band_rows.append(
            {
                "band": b.name,
                "band_id": b.pk,
                "moderated": by_band[b.pk].moderated,
                "changed": figures["grades_changed_count"],
                "changed_pct": figures["grades_changed"],
                "moved_band": moved[b.pk],
            }
        )
    return AgreementReport(
        figures=total.figures(),
        by_auditor=_auditor_rows(done, theme_id=theme_id) if by_auditor else [],
        by_month=[{"month": m, **by_month.get(m, Group()).figures()} for m in month_keys],
        by_band=band_rows,
        bands=bands,
    )


def _add_moderations(group: Group, n: int, before: int | None, after: int | None) -> None:
    group.moderated += n
    if before is not None and after is not None:
        group.overall[(before, after)] += n


def _auditor_rows(done: QuerySet[Moderation], *, theme_id: int | None) -> list[dict[str, Any]]:
    """Each auditor's figures, the most generous first (the largest mean difference)."""
    auditors: dict[int, Group] = defaultdict(Group)
    names: dict[int, tuple[str, str]] = {}
    rows = (
        done.values(
            "auditor_id",
            "auditor_overall_scale",
            "overall_scale",
            staff_id=F("auditor__staff_id"),
            name=F("auditor__name"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in rows:
        names[r["auditor_id"]] = (r["staff_id"], r["name"])
        _add_moderations(
            auditors[r["auditor_id"]], r["n"], r["auditor_overall_scale"], r["overall_scale"]
        )
    pairs = (
        _pairs(done, theme_id=theme_id)
        .values_list("auditor_id", "sections__auditor_scale", "sections__scale")
        .annotate(n=Count("sections"))
        .order_by()
    )
    for auditor_id, a, m, n in pairs:
        auditors[auditor_id].pairs[(a, m)] += n
    return sorted(
        (
            {"auditor_id": pk, "staff_id": names[pk][0], "name": names[pk][1], **g.figures()}
            for pk, g in auditors.items()
            if pk in names
        ),
        key=lambda r: (-(r["mean_difference"] or 0), r["name"]),
    )
