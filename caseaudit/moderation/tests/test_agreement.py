"""The agreement figures equal an independent computation on a constructed set: exact and
within-one agreement and the mean difference worked out here by hand, alpha from the
krippendorff library on the same pairs; and a set where the auditors are systematically two
points generous."""

import datetime as dt
from collections import Counter

import krippendorff
import pytest
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from caseaudit.factories import StaffFactory
from caseaudit.moderation.agreement import (
    agreement_of,
    agreement_report,
    alpha_of_counts,
    alpha_ordinal,
    alpha_ordinal_counts,
)
from caseaudit.moderation.models import (
    Moderation,
    ModerationSample,
    ModerationSection,
    ModerationStatus,
)
from caseaudit.organisation.models import Role

pytestmark = pytest.mark.django_db


def _moderated(audits, sample, *, case, auditor, moderator, pairs, overall, on):
    """A completed moderation with the given (auditor, moderator) scales per scaled section."""
    audit = audits.make(case=case, auditor=auditor, on=on, overall=overall[0])
    m = Moderation.objects.create(
        sample=sample,
        audit=audit,
        auditor=auditor,
        moderator=moderator,
        why="Test",
        status=ModerationStatus.COMPLETED,
        auditor_overall_scale=overall[0],
        overall_scale=overall[1],
        completed_at=timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
    )
    ModerationSection.objects.bulk_create(
        [
            ModerationSection(moderation=m, section=s, auditor_scale=a, scale=b)
            for s, (a, b) in zip(audits.scaled, pairs, strict=False)
        ]
    )
    return m


def _expected(pairs):
    n = len(pairs)
    exact = 100 * sum(a == b for a, b in pairs) / n
    within = 100 * sum(abs(a - b) <= 1 for a, b in pairs) / n
    mean = sum(a - b for a, b in pairs) / n
    alpha = krippendorff.alpha(
        reliability_data=[[a for a, _ in pairs], [b for _, b in pairs]],
        level_of_measurement="ordinal",
        value_domain=list(range(11)),
    )
    return round(exact, 1), round(within, 1), round(mean, 2), round(alpha, 3)


def test_figures_equal_an_independent_computation(org, audits):
    sample = ModerationSample.objects.create(month=dt.date(2026, 9, 1), seed=1)
    generous = org.ps1
    fair = org.ps2
    moderator = StaffFactory(role=Role.PERFORMANCE, team=None)
    n = len(audits.scaled)
    sets = [
        (generous, [(8, 6), (7, 5), (9, 6), (6, 6), (7, 4)][:n], (8, 6), dt.date(2026, 9, 3)),
        (generous, [(7, 6), (8, 8), (6, 4), (9, 7), (5, 5)][:n], (7, 7), dt.date(2026, 10, 3)),
        (fair, [(5, 5), (6, 7), (4, 4), (7, 7), (3, 4)][:n], (5, 5), dt.date(2026, 10, 9)),
    ]
    all_pairs = []
    for auditor, pairs, overall, on in sets:
        _moderated(
            audits,
            sample,
            case=org.case,
            auditor=auditor,
            moderator=moderator,
            pairs=pairs,
            overall=overall,
            on=on,
        )
        all_pairs += pairs
    report = agreement_report(
        moderations=Moderation.objects.all(),
        months=[dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)],
    )
    exact, within, mean, alpha = _expected(all_pairs)
    f = report.figures
    assert f["moderated"] == 3
    assert f["pairs"] == len(all_pairs)
    assert f["exact_agreement"] == exact
    assert f["within_one"] == within
    assert f["mean_difference"] == mean
    assert f["alpha_ordinal"] == alpha
    assert f["grades_changed"] == round(100 / 3, 1)  # one of three overall scales changed
    rows = {r["staff_id"]: r for r in report.by_auditor}
    g_pairs = sets[0][1] + sets[1][1]
    assert rows[generous.staff_id]["mean_difference"] == _expected(g_pairs)[2]
    assert rows[generous.staff_id]["alpha_ordinal"] == _expected(g_pairs)[3]
    assert report.by_auditor[0]["staff_id"] == generous.staff_id  # the most generous first
    months = {r["month"]: r for r in report.by_month}
    assert months[dt.date(2026, 9, 1)]["moderated"] == 1
    assert months[dt.date(2026, 10, 1)]["moderated"] == 2
    assert months[dt.date(2026, 11, 1)]["moderated"] == 0
    assert months[dt.date(2026, 11, 1)]["within_one"] is None
    # The band table counts the changed overall scale under the auditor's band (8).
    assert sum(r["changed"] for r in report.by_band) == 1


def test_systematically_two_points_generous():
    pairs = [(m + 2, m) for m in (2, 3, 4, 5, 6, 7, 8, 3, 5, 6)]
    figures = agreement_of(pairs)
    assert figures["exact_agreement"] == 0.0
    assert figures["within_one"] == 0.0
    assert figures["mean_difference"] == 2.0
    assert figures["alpha_ordinal"] == _expected(pairs)[3]
    assert figures["alpha_ordinal"] < 0.8  # far below the usual threshold of reliability


def test_alpha_is_none_when_undefined():
    assert agreement_of([])["alpha_ordinal"] is None
    assert agreement_of([(7, 7), (7, 7)])["alpha_ordinal"] is None
    assert agreement_of([])["mean_difference"] is None


@settings(max_examples=150, deadline=None)
@example(pairs=[(0, 0), (0, 3), (1, 4), (2, 2), (5, 6)])  # 0.5275: rounds either way
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=10)),
        max_size=60,
    )
)
def test_alpha_from_counts_is_the_library_s(pairs):
    """The closed form over the coincidence matrix (what the report computes, for speed)
    gives the krippendorff library's alpha on any set of pairs."""
    ours = alpha_of_counts(Counter(pairs))
    if len({v for p in pairs for v in p}) < 2:
        assert ours is None and alpha_ordinal(pairs) is None
        return
    theirs = krippendorff.alpha(
        reliability_data=[[a for a, _ in pairs], [m for _, m in pairs]],
        level_of_measurement="ordinal",
        value_domain=list(range(11)),
    )
    # Equal but for floating point (rounded to three places, a tie can fall either side).
    assert ours is not None and theirs == pytest.approx(ours, abs=1e-9)
    assert alpha_ordinal_counts(Counter(pairs)) == round(ours, 3)


def test_without_auditors_and_by_theme(org, audits):
    """The glance reads no auditor rows; a theme counts only its own sections' pairs while
    the moderations and overall grades stay the audits'."""
    sample = ModerationSample.objects.create(month=dt.date(2026, 9, 1), seed=1)
    moderator = StaffFactory(role=Role.PERFORMANCE, team=None)
    pairs = [(8, 6), (7, 5), (9, 6), (6, 6), (7, 4)][: len(audits.scaled)]
    _moderated(
        audits,
        sample,
        case=org.case,
        auditor=org.ps1,
        moderator=moderator,
        pairs=pairs,
        overall=(8, 6),
        on=dt.date(2026, 9, 3),
    )
    whole = agreement_report(moderations=Moderation.objects.all(), by_auditor=False)
    assert whole.by_auditor == []
    assert whole.figures["pairs"] == len(pairs)
    theme = audits.scaled[0].theme
    mine = [p for s, p in zip(audits.scaled, pairs, strict=False) if s.theme_id == theme.pk]
    themed = agreement_report(moderations=Moderation.objects.all(), theme_id=theme.pk)
    assert themed.figures["pairs"] == len(mine)
    assert themed.figures["moderated"] == 1
    assert themed.by_auditor[0]["pairs"] == len(mine)
    assert themed.figures["mean_difference"] == _expected(mine)[2]
