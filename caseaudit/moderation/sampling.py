"""The monthly moderation sample, as a pure function of its inputs (no database): the same
audits, referrals, moderators and seed always give the same sample (`draw_sample`).

The rules (docs/moderation.md):
- The audits completed in the month are grouped by auditor (the strata). The sample's size is
  the share (10% unless configured) of them, rounded up; it is shared between the auditors in
  proportion to their audits (largest remainders, ties broken by the seed).
- An auditor who has no audit sampled yet this quarter (`covered`) gets at least one: every
  auditor is moderated at least once a quarter they complete an audit in.
- Within an auditor's audits the choice is random, from the seed.
- Every audit a manager referred is added (once), whatever month it was completed in.
- Each audit gets a moderator from the pool: never its auditor nor anyone who holds,
  supervises or manages its case (`Candidate.conflicts`), the least loaded first (their open
  moderations plus this sample's), ties broken by the seed. None when nobody may.
"""

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    audit_id: int
    auditor_id: int
    case_id: int
    # Who may not moderate it: its auditor, and who holds, supervises or manages its case.
    conflicts: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ReferredAudit:
    candidate: Candidate
    referral_id: int
    why: str


@dataclass(frozen=True)
class Pick:
    audit_id: int
    auditor_id: int
    case_id: int
    moderator_id: int | None
    why: str
    referral_id: int | None = None


def sample_size(*, count: int, share: int) -> int:
    """The share (percent) of `count`, rounded up (a share of a non-empty month is never 0)."""
    return math.ceil(count * share / 100)


def _apportion(strata: dict[int, list[Candidate]], total: int, rng: random.Random) -> dict:
    """Share `total` between the strata in proportion to their sizes (largest remainders)."""
    count = sum(len(v) for v in strata.values())
    if not count:
        return {}
    quotas = {a: len(v) * total / count for a, v in strata.items()}
    counts = {a: math.floor(q) for a, q in quotas.items()}
    left = total - sum(counts.values())
    order = sorted(strata)
    rng.shuffle(order)  # the seed breaks ties between equal remainders
    order.sort(key=lambda a: -(quotas[a] - counts[a]))
    for auditor in order[:left]:
        counts[auditor] += 1
    return counts


def draw_sample(
    *,
    seed: int,
    share: int,
    audits: Iterable[Candidate],
    covered: Iterable[int] = (),
    referred: Sequence[ReferredAudit] = (),
    moderators: Sequence[int],
    load: dict[int, int] | None = None,
    why_sampled: str = "Sampled: {share}% of {auditor}'s audits of the month",
    auditor_names: dict[int, str] | None = None,
) -> list[Pick]:
    """The sample (see the module's rules), ordered by auditor then audit."""
    rng = random.Random(seed)  # nosec B311  # a reproducible sample, not a secret
    names = auditor_names or {}
    strata: dict[int, list[Candidate]] = defaultdict(list)
    for c in sorted(audits, key=lambda c: c.audit_id):
        strata[c.auditor_id].append(c)
    covered_set = set(covered)
    total = sample_size(count=sum(len(v) for v in strata.values()), share=share)
    counts = _apportion(strata, total, rng)
    chosen: dict[int, tuple[Candidate, str, int | None]] = {}
    for auditor in sorted(strata):
        own = strata[auditor]
        n = counts.get(auditor, 0)
        name = names.get(auditor, "the auditor")
        why = why_sampled.format(share=share, auditor=name)
        if n == 0 and auditor not in covered_set:
            n = 1
            why = f"Sampled: {name}'s first audit moderated this quarter"
        local = random.Random(f"{seed}:{auditor}")  # nosec B311
        for c in local.sample(own, min(n, len(own))):
            chosen[c.audit_id] = (c, why, None)
    for r in sorted(referred, key=lambda r: r.candidate.audit_id):
        sampled = chosen.get(r.candidate.audit_id)
        # Sampled anyway: it says it was referred too, and takes the referral in.
        why = f"{sampled[1]}; {r.why}" if sampled else r.why
        chosen[r.candidate.audit_id] = (r.candidate, why, r.referral_id)
    return _assign(list(chosen.values()), moderators=moderators, load=dict(load or {}), rng=rng)


def _assign(chosen, *, moderators: Sequence[int], load: dict[int, int], rng: random.Random):
    pool = sorted(set(moderators))
    tiebreak = {m: i for i, m in enumerate(rng.sample(pool, len(pool)))}
    picks = []
    for c, why, referral_id in sorted(chosen, key=lambda x: (x[0].auditor_id, x[0].audit_id)):
        eligible = [m for m in pool if m not in c.conflicts and m != c.auditor_id]
        moderator = min(eligible, key=lambda m: (load.get(m, 0), tiebreak[m]), default=None)
        if moderator is not None:
            load[moderator] = load.get(moderator, 0) + 1
        picks.append(
            Pick(
                audit_id=c.audit_id,
                auditor_id=c.auditor_id,
                case_id=c.case_id,
                moderator_id=moderator,
                why=why[:300],
                referral_id=referral_id,
            )
        )
    return picks
