"""Properties of the monthly sample (`sampling.draw_sample`), over generated months: its size
is the share, it is stratified by auditor, it never gives an audit to a conflicted moderator,
every auditor not yet covered this quarter is in it, referrals are in it, and the same inputs
and seed give the same sample."""

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from caseaudit.moderation.sampling import Candidate, ReferredAudit, draw_sample, sample_size

MODERATORS = list(range(1000, 1008))


@st.composite
def months(draw):
    auditors = draw(st.lists(st.integers(1, 40), min_size=0, max_size=12, unique=True))
    audits = []
    next_id = 1
    for auditor in auditors:
        for _ in range(draw(st.integers(1, 12))):
            # Any set of the moderators, as the bits of one number: one draw per audit rather
            # than one per moderator (the months took a third of the moderation tests' time).
            mask = draw(st.integers(0, 2 ** len(MODERATORS) - 1))
            conflicts = frozenset(m for bit, m in enumerate(MODERATORS) if mask >> bit & 1)
            audits.append(
                Candidate(
                    audit_id=next_id,
                    auditor_id=auditor,
                    case_id=next_id * 7,
                    conflicts=conflicts | {auditor},
                )
            )
            next_id += 1
    covered = set(draw(st.lists(st.sampled_from(auditors), unique=True))) if auditors else set()
    referred = [
        ReferredAudit(
            candidate=Candidate(audit_id=5000 + i, auditor_id=99, case_id=9000 + i),
            referral_id=i + 1,
            why="Referred",
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    share = draw(st.integers(1, 100))
    seed = draw(st.integers(0, 2**31))
    return audits, covered, referred, share, seed


def _draw(month, **extra):
    audits, covered, referred, share, seed = month
    return draw_sample(
        seed=seed,
        share=share,
        audits=audits,
        covered=covered,
        referred=referred,
        moderators=MODERATORS,
        **extra,
    )


@settings(max_examples=150, deadline=None)
@given(months())
def test_share_strata_and_minimum(month):
    audits, covered, referred, share, _seed = month
    picks = _draw(month)
    sampled = [p for p in picks if p.referral_id is None]
    by_auditor = Counter(c.auditor_id for c in audits)
    chosen = Counter(p.auditor_id for p in sampled)
    target = sample_size(count=len(audits), share=share)
    uncovered = {a for a in by_auditor if a not in covered}
    # The share (rounded up), plus at most one for each auditor not yet covered this quarter.
    assert target <= len(sampled) <= target + len(uncovered)
    for auditor, n in by_auditor.items():
        quota = n * target / len(audits)
        # Proportional to the auditor's audits (within one), or the quarterly minimum of one.
        assert math.floor(quota) <= chosen[auditor] <= max(math.ceil(quota), 1)
        assert chosen[auditor] <= n
        if auditor not in covered:
            assert chosen[auditor] >= 1
    # Every audit once; only this month's audits (and the referrals).
    ids = [p.audit_id for p in picks]
    assert len(ids) == len(set(ids))
    assert {p.audit_id for p in sampled} <= {c.audit_id for c in audits}
    assert {r.candidate.audit_id for r in referred} <= set(ids)


@settings(max_examples=150, deadline=None)
@given(months())
def test_never_a_conflicted_moderator(month):
    audits, _covered, referred, _share, _seed = month
    conflicts = {c.audit_id: c.conflicts for c in audits}
    conflicts |= {r.candidate.audit_id: r.candidate.conflicts for r in referred}
    for p in _draw(month):
        if p.moderator_id is None:  # nobody may: every moderator conflicted
            assert set(MODERATORS) <= conflicts[p.audit_id] | {p.auditor_id}
        else:
            assert p.moderator_id not in conflicts[p.audit_id]
            assert p.moderator_id != p.auditor_id
            assert p.moderator_id in MODERATORS


@settings(max_examples=100, deadline=None)
@given(months())
def test_same_inputs_same_sample(month):
    audits, covered, referred, share, seed = month
    first = _draw(month)
    # The same audits in another order, the same seed: the same sample.
    again = _draw((list(reversed(audits)), set(covered), list(referred), share, seed))
    assert first == again


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 60), st.integers(0, 2**31))
def test_load_is_spread_when_nobody_is_conflicted(count, seed):
    audits = [Candidate(audit_id=i, auditor_id=i % 5 + 1, case_id=i) for i in range(1, count + 1)]
    picks = draw_sample(seed=seed, share=100, audits=audits, moderators=MODERATORS)
    loads = Counter(p.moderator_id for p in picks)
    assert max(loads[m] for m in MODERATORS) - min(loads[m] for m in MODERATORS) <= 1
