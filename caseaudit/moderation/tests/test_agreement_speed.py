"""The agreement figures made fast stay the same figures: alpha over the values that occur is
the full 11 x 11 matrix's to the last bit; the auditors' tab lists the auditors with the most
moderations with the very rows of the full report (which the CSV file has, all of them); and
on PostgreSQL the pairs by month, the month worked out before the join, are the ORM query's."""

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from caseaudit.factories import StaffFactory
from caseaudit.moderation import agreement
from caseaudit.moderation.agreement import agreement_report, alpha_of_counts
from caseaudit.moderation.models import Moderation, ModerationSample
from caseaudit.moderation.tests.test_agreement import _moderated
from caseaudit.organisation.models import Role
from caseaudit.reports import moderation as moderation_report

pytestmark = pytest.mark.django_db


def _alpha_over_the_whole_matrix(counts):
    """The closed form as first written: every cell of the 11 x 11 coincidence matrix."""
    size = 11
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

    def d2(c, k):
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


scales = st.integers(min_value=0, max_value=10)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.tuples(scales, scales),
        st.one_of(st.integers(0, 5), st.integers(0, 10**9)),
        max_size=40,
    )
)
def test_alpha_over_the_values_present_is_the_whole_matrix_s_to_the_last_bit(counts):
    # Equal, not approximately: the same floats added in the same order (large counts too,
    # where the sums are no longer exact and an order changed would show).
    assert alpha_of_counts(counts) == _alpha_over_the_whole_matrix(counts)


def test_alpha_of_a_large_table_is_the_whole_matrix_s():
    counts = Counter({(a, m): 1 + (7 * a + 3 * m) ** 5 for a in range(11) for m in range(11)})
    assert alpha_of_counts(counts) == _alpha_over_the_whole_matrix(counts)


@pytest.fixture
def three_auditors(org, audits):
    """ps1 with three moderations, ps2 with two, worker with one (the least generous first
    by mean difference is not the most moderated), all in the last twelve months."""
    today = timezone.localdate()
    sample = ModerationSample.objects.create(month=today.replace(day=1), seed=1)
    moderator = StaffFactory(role=Role.PERFORMANCE, team=None)
    n = len(audits.scaled)
    plan = [
        (org.ps1, [(6, 6), (7, 6), (5, 5), (8, 7), (4, 4)], (6, 6)),
        (org.ps1, [(7, 7), (6, 6), (5, 6), (8, 8), (4, 5)], (7, 7)),
        (org.ps1, [(6, 5), (7, 7), (5, 5), (8, 8), (4, 4)], (6, 5)),
        (org.ps2, [(9, 6), (8, 5), (9, 7), (7, 4), (8, 6)], (9, 6)),
        (org.ps2, [(8, 6), (9, 6), (7, 5), (8, 5), (9, 7)], (8, 7)),
        (org.worker, [(5, 7), (4, 6), (3, 6), (5, 8), (4, 7)], (4, 7)),
    ]
    for i, (auditor, pairs, overall) in enumerate(plan):
        _moderated(
            audits,
            sample,
            case=org.case,
            auditor=auditor,
            moderator=moderator,
            pairs=pairs[:n],
            overall=overall,
            on=today - dt.timedelta(days=3 + i),
        )
    return org


def test_auditors_shown_are_the_most_moderated_with_the_full_report_s_rows(three_auditors):
    org = three_auditors
    full = agreement_report(moderations=Moderation.objects.all())
    shown = agreement_report(moderations=Moderation.objects.all(), auditors_shown=2)
    assert full.auditors == shown.auditors == 3
    assert len(full.by_auditor) == 3
    assert {r["staff_id"] for r in shown.by_auditor} == {org.ps1.staff_id, org.ps2.staff_id}
    # The same rows, in the full report's order (the most generous first: ps2, then ps1).
    assert shown.by_auditor == [r for r in full.by_auditor if r["staff_id"] != org.worker.staff_id]
    assert [r["staff_id"] for r in shown.by_auditor] == [org.ps2.staff_id, org.ps1.staff_id]
    assert shown.figures == full.figures and shown.by_month == full.by_month
    # Each auditor's grades changed, from the counts by auditor.
    rows = {r["staff_id"]: r for r in full.by_auditor}
    assert rows[org.ps1.staff_id]["grades_changed_count"] == 1
    assert rows[org.ps2.staff_id]["grades_changed_count"] == 2
    assert rows[org.ps1.staff_id]["moderated"] == 3
    # Enough room for every auditor: every row.
    assert agreement_report(moderations=Moderation.objects.all(), auditors_shown=3).by_auditor == (
        full.by_auditor
    )
    # The auditors' tab counts only the auditors: the same rows, and nothing by month.
    alone = agreement_report(
        moderations=Moderation.objects.all(), auditors_shown=2, months_and_bands=False
    )
    assert alone.by_auditor == shown.by_auditor and alone.auditors == 3
    assert full.figures["moderated"] > 0 and alone.figures["moderated"] == 0


def test_the_tab_lists_the_auditors_shown_and_the_csv_everyone(three_auditors, login, monkeypatch):
    org = three_auditors
    monkeypatch.setattr(moderation_report, "AUDITORS_SHOWN", 2)
    client = login(org.performance)
    body = client.get(reverse("report_moderation_tab", kwargs={"tab": "auditors"})).content.decode()
    table = body[
        body.index('id="table-by-auditor"') : body.index(
            "</table>", body.index('id="table-by-auditor"')
        )
    ]
    # Staff IDs are of one width (ST00012): none is part of another.
    assert org.ps1.staff_id in table and org.ps2.staff_id in table
    assert org.worker.staff_id not in table
    assert "The 2 auditors with the most moderated audits, of 3" in body
    response = client.get(reverse("report_moderation_csv", args=["by-auditor"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Auditor", "Staff ID"]
    assert sorted(row[1] for row in rows[1:]) == sorted(
        [org.ps1.staff_id, org.ps2.staff_id, org.worker.staff_id]
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own query")
@pytest.mark.parametrize("by_theme", [False, True])
def test_postgres_pairs_by_month_are_the_orm_query_s(three_auditors, audits, by_theme):
    from django.db.models.functions import TruncMonth

    done = Moderation.objects.all()
    theme_id = audits.scaled[0].theme_id if by_theme else None
    month = TruncMonth("completed_at", tzinfo=timezone.get_current_timezone())

    def rows(found):
        return sorted((agreement._month_key(m), o, a, s, n) for m, o, a, s, n in found)

    ours = agreement._pairs_by_month(done, theme_id=theme_id, month=month)
    orm = agreement._pairs_by_month_orm(done, theme_id=theme_id, month=month)
    assert ours and rows(ours) == rows(orm)
