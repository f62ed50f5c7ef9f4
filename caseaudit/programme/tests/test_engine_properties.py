"""Property-based tests of the allocation engine over random organisations (hypothesis)."""

import datetime as dt
import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from caseaudit.programme import engine
from caseaudit.programme.engine import CSM, DIRECTOR, PS, TM, CaseRow, StaffRow

MONTH = dt.date(2026, 12, 1)
MANAGERS = {TM, CSM, engine.AD, DIRECTOR}


@st.composite
def organisations(draw):
    rng = random.Random(draw(st.integers(0, 2**32)))
    services = draw(st.integers(1, 3))
    team_count = draw(st.integers(1, 6))
    staff, cases = [], []

    def person(role, team_id, area_id):
        row = StaffRow(
            len(staff) + 1, f"S{len(staff) + 1:04d}", f"P{len(staff) + 1}", role, team_id, area_id
        )
        staff.append(row)
        return row

    for area in range(1, services + 1):
        if rng.random() < 0.8:
            person(CSM, None, area)
    for _ in range(rng.randint(0, 2)):
        person(engine.AD, None, None)
    if rng.random() < 0.8:
        person(DIRECTOR, None, None)
    for team_id in range(1, team_count + 1):
        area = rng.randint(1, services)
        tms = [person(TM, team_id, area) for _ in range(rng.choice([0, 1, 1, 1, 2]))]
        pss = [person(PS, team_id, area) for _ in range(rng.choice([0, 1, 2, 2, 3, 4]))]
        workers = [person("practitioner", team_id, area) for _ in range(rng.randint(0, 5))]
        holders = workers + pss  # a PS may hold cases too (supervised by a TM)
        for holder in holders:
            if holder.role == PS:
                supervisor = tms[0].id if tms else None
            else:
                supervisor = rng.choice(pss).id if pss else (tms[0].id if tms else None)
            for _ in range(rng.randint(0, 4)):
                opened = MONTH - dt.timedelta(days=rng.randint(10, 2000))
                last = None
                if rng.random() < 0.6:
                    last = opened + dt.timedelta(days=rng.randint(0, (MONTH - opened).days))
                carer = rng.random() < 0.15
                cases.append(
                    CaseRow(
                        1000 + len(cases),
                        f"C{len(cases)}",
                        team_id,
                        area,
                        holder.id,
                        supervisor,
                        carer,
                        opened,
                        last,
                        opened + dt.timedelta(days=90) if carer else None,
                    )
                )
    seed = draw(st.integers(0, 2**31))
    return staff, cases, seed


def run(org):
    staff, cases, seed = org
    return engine.allocate(month=MONTH, seed=seed, staff=staff, cases=cases)


def eligible_for(pick, case):
    return engine.is_eligible(pick.rule, pick.auditor, case, pick.peer)


@settings(max_examples=150, deadline=None)
@given(organisations())
def test_counts_per_team_and_one_per_manager(org):
    staff, cases, seed = org
    result = run(org)
    for team_id in {s.team_id for s in staff if s.team_id}:
        pss = [s for s in staff if s.team_id == team_id and s.role == PS]
        tms = [s for s in staff if s.team_id == team_id and s.role == TM]
        peer_picks = [p for p in result.picks if p.rule == "ps-peer" and p.auditor in pss]
        k = len(pss)
        assert len(peer_picks) == (k * (k - 1) if k >= 2 else 0)
        assert len({(p.auditor.id, p.peer.id) for p in peer_picks}) == len(peer_picks)
        single = [p for p in result.picks if p.rule == "tm-single-ps" and p.auditor in tms]
        assert len(single) == (len(tms) if k == 1 else 0)
    manager_picks = Counter(p.auditor.id for p in result.picks if p.rule == "manager-peer")
    assert manager_picks == Counter(s.id for s in staff if s.role in MANAGERS)


@settings(max_examples=150, deadline=None)
@given(organisations())
def test_every_pick_obeys_the_rules(org):
    result = run(org)
    chosen = [p.case.id for p in result.allocations]
    assert len(chosen) == len(set(chosen)), "a case was allocated twice in a month"
    for pick in result.allocations:
        case, auditor = pick.case, pick.auditor
        assert auditor.id not in (case.worker_id, case.supervisor_id)
        assert pick.tool_code == ("carers" if case.is_carer else "generic")
        assert pick.reason
        if pick.rule == "manager-peer":
            assert not case.is_carer
            if auditor.role == TM:
                assert case.team_id != auditor.team_id
            if auditor.role == CSM:
                assert case.service_area_id != auditor.service_area_id
        if pick.rule == "ps-peer":
            assert case.supervisor_id == pick.peer.id != auditor.id
        if pick.rule == "tm-single-ps":
            assert case.team_id == auditor.team_id


@settings(max_examples=150, deadline=None)
@given(organisations())
def test_unfilled_only_when_no_eligible_case_was_left(org):
    staff, cases, seed = org
    result = run(org)
    used = {p.case.id for p in result.allocations}
    for pick in result.unfilled:
        assert pick.reason
        assert not [c for c in cases if c.id not in used and eligible_for(pick, c)]


@settings(max_examples=150, deadline=None)
@given(organisations())
def test_need_comes_first(org):
    """No case left unallocated was in a more urgent tier than the one chosen for a slot."""
    staff, cases, seed = org
    result = run(org)
    last_day = engine.month_end(MONTH)
    tier = {c.id: engine._Need(c, last_day, seed).tier for c in cases}
    used = {p.case.id for p in result.allocations}
    for pick in result.allocations:
        better = [
            c
            for c in cases
            if c.id not in used and eligible_for(pick, c) and tier[c.id] < tier[pick.case.id]
        ]
        assert not better


@settings(max_examples=100, deadline=None)
@given(organisations(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_order_of_the_rows(org, shuffler):
    staff, cases, seed = org
    first = run(org)
    staff2, cases2 = list(staff), list(cases)
    shuffler.shuffle(staff2)
    shuffler.shuffle(cases2)
    second = engine.allocate(month=MONTH, seed=seed, staff=staff2, cases=cases2)

    def key(result):
        return [
            (p.auditor.id, p.rule, p.peer and p.peer.id, p.case and p.case.id, p.reason)
            for p in result.picks
        ]

    assert sorted(key(first), key=str) == sorted(key(second), key=str)
