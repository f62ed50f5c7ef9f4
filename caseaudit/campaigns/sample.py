"""A campaign's sample: pure Python over plain rows, so it is testable and reproducible (the
same rows, criteria and seed draw the same cases, in the same order, for the same auditors).

1. The pool: the open cases in the creator's scope the campaign's tool applies to that meet
   every criterion (team, case type, allocated worker, child's age, time open, last overall
   scale's band, or never audited).
2. The draw: the pool ordered by a hash of the seed and each case's id (random, but the same
   seed gives the same order whatever order the rows come in), then taken in that order.
3. Each case drawn goes to the invited auditor with the fewest cases so far (ties: by name)
   who neither holds nor supervises it; a case every auditor holds or supervises is passed
   over, and the next one drawn instead. The draw stops at the sample size.
Every pick carries its reason in words, as the monthly programme's allocations do.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    team_id: int
    team_name: str
    case_type: str
    case_type_label: str
    date_of_birth: dt.date | None
    opened_on: dt.date
    worker_id: int | None
    worker_name: str
    supervisor_id: int | None
    last_scale: int | None
    last_scaled_on: dt.date | None


@dataclass(frozen=True)
class AuditorRow:
    id: int
    name: str


@dataclass(frozen=True)
class Band:
    code: str
    name: str
    min_score: int
    max_score: int


@dataclass(frozen=True)
class Criteria:
    team_ids: frozenset[int] = frozenset()
    case_types: frozenset[str] = frozenset()
    worker_id: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    open_months_min: int | None = None
    open_months_max: int | None = None
    # Band codes, and/or NEVER ("never audited here").
    last_scale_bands: frozenset[str] = frozenset()


NEVER = "never"


@dataclass
class Pick:
    case: CaseRow
    auditor: AuditorRow
    position: int
    reason: str


@dataclass
class Sample:
    seed: int
    size: int
    pool: int
    picks: list[Pick] = field(default_factory=list)
    passed_over: list[CaseRow] = field(default_factory=list)

    @property
    def case_ids(self) -> list[int]:
        return [pick.case.id for pick in self.picks]

    @property
    def fingerprint(self) -> str:
        """What the preview showed, to compare when it is confirmed: the cases and auditors
        in draw order."""
        text = ";".join(f"{p.case.id}:{p.auditor.id}" for p in self.picks)
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _draw_key(seed: int, case_id: int) -> int:
    digest = hashlib.blake2b(f"campaign:{seed}:{case_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def age_on(date_of_birth: dt.date, today: dt.date) -> int:
    """Age in whole years on `today`."""
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def months_open(opened_on: dt.date, today: dt.date) -> int:
    """Whole months a case has been open on `today`."""
    months = (today.year - opened_on.year) * 12 + today.month - opened_on.month
    if today.day < opened_on.day:
        months -= 1
    return max(months, 0)


def band_of(scale: int | None, bands: list[Band]) -> Band | None:
    if scale is None:
        return None
    return next((b for b in bands if b.min_score <= scale <= b.max_score), None)


def matches(case: CaseRow, criteria: Criteria, *, today: dt.date, bands: list[Band]) -> bool:
    """Whether `case` meets every criterion."""
    if criteria.team_ids and case.team_id not in criteria.team_ids:
        return False
    if criteria.case_types and case.case_type not in criteria.case_types:
        return False
    if criteria.worker_id is not None and case.worker_id != criteria.worker_id:
        return False
    if criteria.age_min is not None or criteria.age_max is not None:
        if case.date_of_birth is None:
            return False
        age = age_on(case.date_of_birth, today)
        if criteria.age_min is not None and age < criteria.age_min:
            return False
        if criteria.age_max is not None and age > criteria.age_max:
            return False
    opened = months_open(case.opened_on, today)
    if criteria.open_months_min is not None and opened < criteria.open_months_min:
        return False
    if criteria.open_months_max is not None and opened > criteria.open_months_max:
        return False
    if criteria.last_scale_bands:
        if case.last_scale is None:
            return NEVER in criteria.last_scale_bands
        band = band_of(case.last_scale, bands)
        return band is not None and band.code in criteria.last_scale_bands
    return True


def _fmt(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def case_words(case: CaseRow, *, today: dt.date, bands: list[Band]) -> str:
    """What the case is, in the terms of the criteria."""
    parts = [f"{case.case_type_label}, {case.team_name}"]
    if case.date_of_birth is not None:
        parts.append(f"child aged {age_on(case.date_of_birth, today)}")
    opened = months_open(case.opened_on, today)
    parts.append(f"open {opened} month{'s' if opened != 1 else ''} (since {_fmt(case.opened_on)})")
    if case.last_scale is None:
        parts.append("never audited here")
    else:
        band = band_of(case.last_scale, bands)
        named = f" ({band.name})" if band else ""
        when = f" on {_fmt(case.last_scaled_on)}" if case.last_scaled_on else ""
        parts.append(f"last overall scale {case.last_scale}{named}{when}")
    parts.append(f"held by {case.worker_name or 'no one (unallocated)'}")
    return "; ".join(parts)


def draw(
    *,
    cases: list[CaseRow],
    criteria: Criteria,
    auditors: list[AuditorRow],
    size: int,
    seed: int,
    today: dt.date,
    bands: list[Band],
) -> Sample:
    """The campaign's sample (see the module's rules)."""
    pool = [c for c in cases if matches(c, criteria, today=today, bands=bands)]
    pool.sort(key=lambda c: (_draw_key(seed, c.id), c.id))
    sample = Sample(seed=seed, size=size, pool=len(pool))
    ordered = sorted(auditors, key=lambda a: (a.name, a.id))
    given: dict[int, int] = dict.fromkeys((a.id for a in ordered), 0)
    for index, case in enumerate(pool, start=1):
        if len(sample.picks) >= size or not ordered:
            break
        eligible = [a for a in ordered if a.id not in (case.worker_id, case.supervisor_id)]
        if not eligible:
            sample.passed_over.append(case)
            continue
        auditor = min(eligible, key=lambda a: given[a.id])  # min keeps the first of equals
        given[auditor.id] += 1
        before = given[auditor.id] - 1
        reason = (
            f"{case_words(case, today=today, bands=bands)}. Drawn {index} of {len(pool)} "
            f"matching cases (seed {seed}); given to {auditor.name}, who had the fewest of "
            f"its cases so far ({before})"
        )
        if len(eligible) < len(ordered):
            reason += " (the case's worker or supervisor was not given it)"
        sample.picks.append(Pick(case, auditor, len(sample.picks) + 1, reason + "."))
    return sample


def criteria_words(
    criteria: Criteria,
    *,
    team_names: dict[int, str],
    case_type_labels: dict[str, str],
    worker_name: str | None,
    bands: list[Band],
) -> list[str]:
    """The criteria as sentences, for the preview and the progress page."""
    words = []
    if criteria.team_ids:
        names = sorted(team_names.get(t, f"team {t}") for t in criteria.team_ids)
        words.append("Team: " + ", ".join(names))
    if criteria.case_types:
        words.append(
            "Case type: "
            + ", ".join(sorted(case_type_labels.get(t, t) for t in criteria.case_types))
        )
    if criteria.worker_id is not None:
        words.append(f"Held by {worker_name or 'a member of staff'}")
    if criteria.age_min is not None or criteria.age_max is not None:
        low, high = criteria.age_min, criteria.age_max
        if low is not None and high is not None:
            words.append(f"Child aged {low} to {high}")
        elif low is not None:
            words.append(f"Child aged {low} or over")
        else:
            words.append(f"Child aged {high} or under")
    if criteria.open_months_min is not None or criteria.open_months_max is not None:
        low, high = criteria.open_months_min, criteria.open_months_max
        if low is not None and high is not None:
            words.append(f"Open {low} to {high} months")
        elif low is not None:
            words.append(f"Open at least {low} months")
        else:
            words.append(f"Open at most {high} months")
    if criteria.last_scale_bands:
        names = [b.name for b in bands if b.code in criteria.last_scale_bands]
        if NEVER in criteria.last_scale_bands:
            names.append("never audited here")
        words.append("Last overall scale: " + ", ".join(names))
    return words or ["Any open case in scope"]
