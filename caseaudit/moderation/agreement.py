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
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand, Section
from caseaudit.audit_tools.selectors import band_for, scaling_bands

from .models import Moderation, ModerationSection, ModerationStatus

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
    thousands of auditors needs it: the library takes milliseconds a group.

    Only the values that occur are visited (an auditor's pairs use a few of the eleven), in
    ascending order as over the whole matrix: a value that does not occur adds nothing to
    either sum, so the sums, added in the same order, are the same floats to the last bit."""
    size = len(SCALE_DOMAIN)
    o: dict[tuple[int, int], int] = {}
    totals = [0] * size
    for (a, m), n in counts.items():
        o[a, m] = o.get((a, m), 0) + n
        o[m, a] = o.get((m, a), 0) + n
        totals[a] += n
        totals[m] += n
    present = [c for c in range(size) if totals[c]]
    if len(present) < 2:
        return None
    n_values = sum(totals)
    cumulative = [0]
    for t in totals:
        cumulative.append(cumulative[-1] + t)
    distances: dict[tuple[int, int], float] = {}
    for i, low in enumerate(present):
        for high in present[i:]:
            distances[low, high] = distances[high, low] = (
                cumulative[high + 1] - cumulative[low] - (totals[low] + totals[high]) / 2
            ) ** 2
    observed = expected = 0.0
    for c in present:
        total_c = totals[c]
        for k in present:
            distance = distances[c, k]
            observed += o.get((c, k), 0) * distance
            expected += total_c * totals[k] * distance
    if not expected:
        return None
    return 1 - (n_values - 1) * observed / expected


def agreement_of_counts(counts: Mapping[tuple[int, int], int]) -> dict[str, Any]:
    """The agreement figures of pairs given as {(auditor scale, moderator scale): how many}."""
    n = exact = within = difference = 0
    for (a, m), c in counts.items():
        n += c
        d = a - m
        difference += d * c
        if d == 0:
            exact += c
        if -1 <= d <= 1:
            within += c
    return {
        "pairs": n,
        "exact_agreement": _pct(exact, n),
        "within_one": _pct(within, n),
        "mean_difference": round(difference / n, 2) if n else None,
        "alpha_ordinal": alpha_ordinal_counts(counts),
    }


def agreement_of(pairs: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """The agreement figures of (auditor scale, moderator scale) pairs."""
    return agreement_of_counts(Counter(pairs))


@dataclass
class Group:
    """The moderations of one row of the report: how many, their pairs counted by value, and
    of those with both overall scales, how many and how many changed."""

    moderated: int = 0
    pairs: Counter = field(default_factory=Counter)  # (auditor, moderator) -> how many
    overall_scaled: int = 0  # with the auditor's and the moderated overall scale
    overall_changed: int = 0  # of those, the moderated one differs

    def figures(self) -> dict[str, Any]:
        return {
            "moderated": self.moderated,
            **agreement_of_counts(self.pairs),
            "grades_changed": _pct(self.overall_changed, self.overall_scaled),
            "grades_changed_count": self.overall_changed,
        }


@dataclass
class AgreementReport:
    figures: dict[str, Any]
    by_auditor: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_band: list[dict[str, Any]]
    bands: list[ScalingBand]
    # How many auditors have moderations (`by_auditor` may list only some of them).
    auditors: int = 0


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


def _pairs_by_month(
    done: QuerySet[Moderation], *, theme_id: int | None, month: TruncMonth
) -> list[tuple[Any, int | None, int, int, int]]:
    """The pairs counted by month of completion, the auditor's overall scale and the values:
    rows of (month, overall, auditor scale, moderator scale, how many).

    On PostgreSQL the month of each moderation is worked out before the join to its sections
    (a derived table behind `OFFSET 0`, which the planner does not flatten): grouped by the
    month after the join, the time zone and truncation run once a section, not once a
    moderation, and were most of the query's time (100 ms of 250,000 sections, 60 ms so). The
    same rows as `_pairs_by_month_orm`'s query, which SQLite runs."""
    if connection.vendor != "postgresql":
        return _pairs_by_month_orm(done, theme_id=theme_id, month=month)
    inner, params = (
        done.annotate(month=month)
        .values_list("pk", "auditor_overall_scale", "month")
        .order_by()
        .query.sql_with_params()
    )
    theme_join = ""
    if theme_id is not None:
        theme_join = f"JOIN {Section._meta.db_table} t ON t.id = s.section_id AND t.theme_id = %s "
        params = (*params, theme_id)
    # Our own SQL around the ORM's (as reports' `_by_month_and_person`): table names from the
    # models, every value a parameter.
    sql = (
        "SELECT mm.month, mm.overall, s.auditor_scale, s.scale, COUNT(*) "  # noqa: S608  # nosec B608
        f"FROM ({inner} OFFSET 0) AS mm (id, overall, month) "
        f"JOIN {ModerationSection._meta.db_table} s ON s.moderation_id = mm.id "
        f"{theme_join}"
        "WHERE s.auditor_scale IS NOT NULL AND s.scale IS NOT NULL "
        "GROUP BY 1, 2, 3, 4"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _pairs_by_month_orm(
    done: QuerySet[Moderation], *, theme_id: int | None, month: TruncMonth
) -> list[tuple[Any, int | None, int, int, int]]:
    return list(
        _pairs(done, theme_id=theme_id)
        .values_list(month, "auditor_overall_scale", "sections__auditor_scale", "sections__scale")
        .annotate(n=Count("sections"))
        .order_by()
    )


def agreement_report(
    *,
    moderations: QuerySet[Moderation],
    months: Sequence[dt.date] = (),
    theme_id: int | None = None,
    by_auditor: bool = True,
    auditors_shown: int | None = None,
    months_and_bands: bool = True,
) -> AgreementReport:
    """The figures, by month of completion (`months`: those to show, in order), by band and
    (unless `by_auditor` is False: none then) by auditor, of the completed moderations among
    `moderations`. With `theme_id`, only that theme's sections count in the section figures
    (the overall grades are the audits'). Every query is grouped by the values counted, so
    its rows do not grow with the moderations: two, and two more for the auditors. With
    `auditors_shown`, `by_auditor` lists only the rows of that many auditors, those with the
    most moderations (`auditors` says how many there are). Without `months_and_bands`, only the
    auditors' rows are counted: the figures, months and bands are left at nought (the
    auditors' tab shows none of them, and the months' pairs were most of its time)."""
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
        if months_and_bands
        else []
    )
    for r in overall_rows:
        before, after = r["auditor_overall_scale"], r["overall_scale"]
        key = band_key(before)
        for group in (total, by_month[_month_key(r["month"])], by_band[key]):
            _add_moderations(group, r["n"], before, after)
        if before is not None and after is not None and band_key(after) != key:
            moved[key] += r["n"]
    pairs = _pairs_by_month(done, theme_id=theme_id, month=month) if months_and_bands else []
    for month_value, overall, a, m, n in pairs:
        pair = (a, m)
        for group in (total, by_month[_month_key(month_value)], by_band[band_key(overall)]):
            group.pairs[pair] += n
    auditor_rows, auditors = (
        _auditor_rows(done, theme_id=theme_id, shown=auditors_shown) if by_auditor else ([], 0)
    )
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
        by_auditor=auditor_rows,
        by_month=[{"month": m, **by_month.get(m, Group()).figures()} for m in month_keys],
        by_band=band_rows,
        bands=bands,
        auditors=auditors,
    )


def _add_moderations(group: Group, n: int, before: int | None, after: int | None) -> None:
    group.moderated += n
    if before is not None and after is not None:
        group.overall_scaled += n
        if before != after:
            group.overall_changed += n


def _auditor_rows(
    done: QuerySet[Moderation], *, theme_id: int | None, shown: int | None
) -> tuple[list[dict[str, Any]], int]:
    """Each auditor's figures, the most generous first (the largest mean difference), and how
    many auditors there are. With `shown`, only the rows of the `shown` auditors with the most
    moderations (then by name), in that order still: only their pairs are read, and the
    others' figures (their alpha above all) are not worked out. Two queries: the moderations
    counted by auditor (a row each), then the pairs by auditor and values."""
    both = Q(auditor_overall_scale__isnull=False, overall_scale__isnull=False)
    rows = (
        done.values_list("auditor_id", "auditor__staff_id", "auditor__name")
        .annotate(
            n=Count("pk"),
            scaled=Count("pk", filter=both),
            changed=Count("pk", filter=both & ~Q(auditor_overall_scale=F("overall_scale"))),
        )
        .order_by()
    )
    auditors: dict[int, Group] = {}
    names: dict[int, tuple[str, str]] = {}
    for auditor_id, staff_id, name, n, scaled, changed in rows:
        names[auditor_id] = (staff_id, name)
        auditors[auditor_id] = Group(moderated=n, overall_scaled=scaled, overall_changed=changed)
    pairs = _pairs(done, theme_id=theme_id)
    if shown is not None and len(auditors) > shown:
        chosen = sorted(auditors, key=lambda pk: (-auditors[pk].moderated, names[pk][1], pk))
        auditors = {pk: auditors[pk] for pk in chosen[:shown]}
        pairs = pairs.filter(auditor_id__in=list(auditors))
    for auditor_id, a, m, n in (
        pairs.values_list("auditor_id", "sections__auditor_scale", "sections__scale")
        .annotate(n=Count("sections"))
        .order_by()
    ):
        group = auditors.get(auditor_id)
        if group is not None:
            group.pairs[(a, m)] += n
    return sorted(
        (
            {"auditor_id": pk, "staff_id": names[pk][0], "name": names[pk][1], **g.figures()}
            for pk, g in auditors.items()
        ),
        key=lambda r: (-(r["mean_difference"] or 0), r["name"]),
    ), len(names)
