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
them in two queries whatever their number, and the bands in one.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import krippendorff
from django.db.models import F, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audit_tools.selectors import band_for, scaling_bands

from .models import Moderation, ModerationSection, ModerationStatus

SCALE_DOMAIN = list(range(11))


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def alpha_ordinal(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Krippendorff's alpha (ordinal) of (auditor, moderator) pairs, by the library."""
    if not pairs or len({v for p in pairs for v in p}) < 2:
        return None
    value = krippendorff.alpha(
        reliability_data=[[a for a, _ in pairs], [m for _, m in pairs]],
        level_of_measurement="ordinal",
        value_domain=SCALE_DOMAIN,
    )
    return None if math.isnan(value) else round(float(value), 3)


def agreement_of(pairs: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """The agreement figures of (auditor scale, moderator scale) pairs."""
    n = len(pairs)
    diffs = [a - m for a, m in pairs]
    return {
        "pairs": n,
        "exact_agreement": _pct(sum(1 for d in diffs if d == 0), n),
        "within_one": _pct(sum(1 for d in diffs if abs(d) <= 1), n),
        "mean_difference": round(sum(diffs) / n, 2) if n else None,
        "alpha_ordinal": alpha_ordinal(pairs),
    }


@dataclass
class Group:
    moderated: set = field(default_factory=set)
    pairs: list = field(default_factory=list)
    overall: list = field(default_factory=list)  # (auditor overall, moderated overall)

    def figures(self) -> dict[str, Any]:
        changed = sum(1 for a, m in self.overall if a != m)
        return {
            "moderated": len(self.moderated),
            **agreement_of(self.pairs),
            "grades_changed": _pct(changed, len(self.overall)),
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


def _section_pairs(
    done: QuerySet[Moderation], *, theme_id: int | None
) -> dict[int, list[tuple[int, int]]]:
    """(the auditor's scale, the moderator's) of each scaled section, by moderation."""
    sections = ModerationSection.objects.filter(
        moderation__in=done.values("pk"), scale__isnull=False, auditor_scale__isnull=False
    )
    if theme_id is not None:
        sections = sections.filter(section__theme_id=theme_id)
    pairs_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for moderation_id, a, m in sections.values_list("moderation_id", "auditor_scale", "scale"):
        if a is not None and m is not None:  # always, by the filter; the types cannot tell
            pairs_of[moderation_id].append((a, m))
    return pairs_of


def agreement_report(
    *,
    moderations: QuerySet[Moderation],
    months: Sequence[dt.date] = (),
    theme_id: int | None = None,
) -> AgreementReport:
    """The figures, by auditor, by month of completion (`months`: those to show, in order) and
    by band, of the completed moderations among `moderations`. With `theme_id`, only that
    theme's sections count in the section figures (the overall grades are the audits')."""
    done = completed_moderations(moderations)
    month = TruncMonth("completed_at", tzinfo=timezone.get_current_timezone())
    rows = list(
        done.values(
            "pk",
            "auditor_id",
            "overall_scale",
            "auditor_overall_scale",
            staff_id=F("auditor__staff_id"),
            name=F("auditor__name"),
            month=month,
        )
    )
    pairs_of = _section_pairs(done, theme_id=theme_id)
    bands = scaling_bands()
    total = Group()
    auditors: dict[int, Group] = defaultdict(Group)
    names: dict[int, tuple[str, str]] = {}
    by_month: dict[dt.date, Group] = defaultdict(Group)
    by_band: dict[int | None, Group] = defaultdict(Group)
    moved: dict[int | None, int] = defaultdict(int)
    for r in rows:
        names[r["auditor_id"]] = (r["staff_id"], r["name"])
        m = r["month"]
        key_month = (m.date() if isinstance(m, dt.datetime) else m).replace(day=1)
        pairs = pairs_of.get(r["pk"], [])
        overall = (
            [(r["auditor_overall_scale"], r["overall_scale"])]
            if r["auditor_overall_scale"] is not None and r["overall_scale"] is not None
            else []
        )
        band = band_for(score=r["auditor_overall_scale"], bands=bands)
        band_key = band.pk if band is not None else None
        for group in (total, auditors[r["auditor_id"]], by_month[key_month], by_band[band_key]):
            group.moderated.add(r["pk"])
            group.pairs.extend(pairs)
            group.overall.extend(overall)
        if overall and band_for(score=r["overall_scale"], bands=bands) != band:
            moved[band_key] += 1
    auditor_rows = sorted(
        (
            {"auditor_id": pk, "staff_id": names[pk][0], "name": names[pk][1], **g.figures()}
            for pk, g in auditors.items()
        ),
        key=lambda r: (-(r["mean_difference"] or 0), r["name"]),
    )
    month_keys = list(months) or sorted(by_month)
    month_rows = [{"month": m, **by_month.get(m, Group()).figures()} for m in month_keys]
    band_rows = [
        {
            "band": b.name,
            "band_id": b.pk,
            "moderated": len(by_band[b.pk].moderated),
            "changed": by_band[b.pk].figures()["grades_changed_count"],
            "changed_pct": by_band[b.pk].figures()["grades_changed"],
            "moved_band": moved[b.pk],
        }
        for b in bands
    ]
    return AgreementReport(
        figures=total.figures(),
        by_auditor=auditor_rows,
        by_month=month_rows,
        by_band=band_rows,
        bands=bands,
    )
