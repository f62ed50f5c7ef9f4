"""The sample engine (caseaudit/campaigns/sample.py): criteria, a reproducible draw, auditors
never given a case they hold or supervise, and the words that explain each pick."""

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from caseaudit.campaigns.sample import (
    NEVER,
    AuditorRow,
    Band,
    CaseRow,
    Criteria,
    age_on,
    criteria_words,
    draw,
    matches,
    months_open,
)

TODAY = dt.date(2026, 12, 5)
BANDS = [
    Band("inadequate", "Inadequate", 0, 2),
    Band("requires_improvement", "Requires improvement", 3, 5),
    Band("good", "Good", 6, 8),
    Band("outstanding", "Outstanding", 9, 10),
]
ALICE, BOB, CAROL = AuditorRow(1, "Alice"), AuditorRow(2, "Bob"), AuditorRow(3, "Carol")


def row(i, **kw) -> CaseRow:
    values = {
        "id": i,
        "reference": f"C{i:03d}",
        "team_id": 10,
        "team_name": "North A",
        "case_type": "cin",
        "case_type_label": "Child in need",
        "date_of_birth": dt.date(2016, 6, 1),
        "opened_on": dt.date(2025, 6, 1),
        "worker_id": 100 + i,
        "worker_name": f"Worker {i}",
        "supervisor_id": 200,
        "last_scale": None,
        "last_scaled_on": None,
    }
    values.update(kw)
    return CaseRow(**values)


CASES = [row(i) for i in range(1, 31)]


ANY = Criteria()


def sample(cases=CASES, criteria=ANY, auditors=(ALICE, BOB), size=5, seed=7):
    return draw(
        cases=list(cases),
        criteria=criteria,
        auditors=list(auditors),
        size=size,
        seed=seed,
        today=TODAY,
        bands=BANDS,
    )


def test_the_same_cases_and_seed_draw_the_same_sample_whatever_their_order():
    first = sample()
    shuffled = CASES[:]
    random.Random(3).shuffle(shuffled)
    again = sample(cases=shuffled)
    assert first.case_ids == again.case_ids
    assert first.fingerprint == again.fingerprint
    assert [p.reason for p in first.picks] == [p.reason for p in again.picks]


def test_another_seed_draws_another_sample():
    assert sample(seed=7).case_ids != sample(seed=8).case_ids


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 999_999), order=st.randoms(use_true_random=False))
def test_reproducible_for_any_seed_and_order(seed, order):
    shuffled = CASES[:]
    order.shuffle(shuffled)
    a, b = sample(seed=seed, size=7), sample(cases=shuffled, seed=seed, size=7)
    assert a.case_ids == b.case_ids and len(a.case_ids) == 7
    assert len(set(a.case_ids)) == 7


def test_a_new_case_that_does_not_match_leaves_the_sample_unchanged():
    extra = row(99, case_type="cp", case_type_label="Child protection")
    criteria = Criteria(case_types=frozenset({"cin"}))
    assert (
        sample(criteria=criteria).case_ids
        == sample(cases=CASES + [extra], criteria=criteria).case_ids
    )


def test_the_sample_stops_at_its_size_or_the_pool():
    assert len(sample(size=5).picks) == 5
    small = sample(size=50)
    assert len(small.picks) == small.pool == 30


def test_criteria_team_case_type_and_worker():
    cases = [
        row(1, team_id=11),
        row(2, case_type="cp"),
        row(3, worker_id=555),
        row(4),
    ]
    assert not matches(cases[0], Criteria(team_ids=frozenset({10})), today=TODAY, bands=BANDS)
    assert matches(cases[3], Criteria(team_ids=frozenset({10})), today=TODAY, bands=BANDS)
    assert not matches(cases[1], Criteria(case_types=frozenset({"cin"})), today=TODAY, bands=BANDS)
    assert matches(cases[2], Criteria(worker_id=555), today=TODAY, bands=BANDS)
    assert not matches(cases[3], Criteria(worker_id=555), today=TODAY, bands=BANDS)


def test_criterion_age_counts_whole_years_and_needs_a_date_of_birth():
    assert age_on(dt.date(2016, 12, 6), TODAY) == 9
    assert age_on(dt.date(2016, 12, 5), TODAY) == 10
    ten = row(1, date_of_birth=dt.date(2016, 12, 5))
    nine = row(2, date_of_birth=dt.date(2016, 12, 6))
    unknown = row(3, date_of_birth=None)
    c = Criteria(age_min=10, age_max=12)
    assert matches(ten, c, today=TODAY, bands=BANDS)
    assert not matches(nine, c, today=TODAY, bands=BANDS)
    assert not matches(unknown, c, today=TODAY, bands=BANDS)
    assert matches(unknown, Criteria(), today=TODAY, bands=BANDS)
    assert not matches(ten, Criteria(age_max=9), today=TODAY, bands=BANDS)


def test_criterion_time_open_in_whole_months():
    assert months_open(dt.date(2026, 6, 5), TODAY) == 6
    assert months_open(dt.date(2026, 6, 6), TODAY) == 5
    six = row(1, opened_on=dt.date(2026, 6, 5))
    assert matches(six, Criteria(open_months_min=6), today=TODAY, bands=BANDS)
    assert not matches(six, Criteria(open_months_min=7), today=TODAY, bands=BANDS)
    assert matches(six, Criteria(open_months_max=6), today=TODAY, bands=BANDS)
    assert not matches(six, Criteria(open_months_max=5), today=TODAY, bands=BANDS)


def test_criterion_last_overall_scale_band_or_never_audited():
    poor = row(1, last_scale=4, last_scaled_on=dt.date(2026, 3, 1))
    good = row(2, last_scale=7)
    never = row(3)
    ri = Criteria(last_scale_bands=frozenset({"requires_improvement"}))
    assert matches(poor, ri, today=TODAY, bands=BANDS)
    assert not matches(good, ri, today=TODAY, bands=BANDS)
    assert not matches(never, ri, today=TODAY, bands=BANDS)
    with_never = Criteria(last_scale_bands=frozenset({"requires_improvement", NEVER}))
    assert matches(never, with_never, today=TODAY, bands=BANDS)


def test_no_auditor_is_given_a_case_they_hold_or_supervise():
    cases = [row(1, worker_id=1), row(2, supervisor_id=2), row(3)]
    result = sample(cases=cases, size=3)
    given_to = {p.case.id: p.auditor.id for p in result.picks}
    assert given_to[1] == BOB.id and given_to[2] == ALICE.id
    reasons = {p.case.id: p.reason for p in result.picks}
    assert "worker or supervisor was not given it" in reasons[1]
    assert "not given it" not in reasons[3]


def test_a_case_every_auditor_holds_or_supervises_is_passed_over():
    cases = [row(1, worker_id=1, supervisor_id=2), row(2), row(3)]
    result = sample(cases=cases, size=3)
    assert 1 not in result.case_ids and [c.id for c in result.passed_over] == [1]
    assert len(result.picks) == 2


def test_cases_are_shared_out_evenly():
    result = sample(size=9, auditors=(ALICE, BOB, CAROL))
    counts = {}
    for pick in result.picks:
        counts[pick.auditor.name] = counts.get(pick.auditor.name, 0) + 1
    assert counts == {"Alice": 3, "Bob": 3, "Carol": 3}


def test_each_pick_says_why_in_words():
    case = row(1, last_scale=4, last_scaled_on=dt.date(2026, 3, 12))
    result = sample(cases=[case], size=1)
    reason = result.picks[0].reason
    assert reason.startswith("Child in need, North A; child aged 10; open 18 months")
    assert "last overall scale 4 (Requires improvement) on 12 Mar 2026" in reason
    assert "held by Worker 1" in reason
    assert reason.endswith(
        "Drawn 1 of 1 matching cases (seed 7); given to Alice, who had the fewest of its "
        "cases so far (0)."
    )


def test_the_criteria_in_words():
    words = criteria_words(
        Criteria(
            team_ids=frozenset({10}),
            case_types=frozenset({"cin"}),
            age_min=5,
            age_max=11,
            open_months_min=6,
            last_scale_bands=frozenset({"inadequate", NEVER}),
        ),
        team_names={10: "North A"},
        case_type_labels={"cin": "Child in need"},
        worker_name=None,
        bands=BANDS,
    )
    assert words == [
        "Team: North A",
        "Case type: Child in need",
        "Child aged 5 to 11",
        "Open at least 6 months",
        "Last overall scale: Inadequate, never audited here",
    ]
    assert criteria_words(
        Criteria(), team_names={}, case_type_labels={}, worker_name=None, bands=BANDS
    ) == ["Any open case in scope"]
