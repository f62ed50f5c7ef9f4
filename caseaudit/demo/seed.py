"""`seed_demo`: the whole demo authority, step by step (`manage.py seed_demo`).

The organisation and its cases (`organisation`), then with `history` the audit history
(`history.audits_demo`), this month's programme generated and confirmed through the programme's
own services with some of its audits started or done (`history.audits_demo_programme`), the QA
responses (`responses.responses_demo`) and the reports' summary. Each step is skipped when
already done, so running it again changes nothing.
"""

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

from caseaudit.organisation.models import Role, Staff
from caseaudit.programme.models import ProgrammeMonth
from caseaudit.programme.services import programme_confirm, programme_generate
from caseaudit.reports.services import summary_all_built, summary_rebuild

from .authority import SCALES, demo_email, is_seeded
from .campaigns import campaigns_demo
from .feedback import feedback_demo
from .history import TARGET_AUDITS, audits_demo, audits_demo_programme
from .improvement import improvement_demo
from .moderation import moderation_demo
from .organisation import OrganisationBuilder
from .responses import responses_demo

# Above this many audits in the history the QA responses are not made: `responses_demo`
# plays each response's story in Python and holds every row it makes in memory until it
# writes them (about 2 CPU ms an audit; the county's 4,400 took 8 s).
RESPONSES_DEMO_MAX_AUDITS = 10_000


def seed_demo(
    *,
    scale: str = "county",
    seed: int = 2026,
    today: dt.date | None = None,
    history: bool = False,
    responses: bool | None = None,
    log=None,
) -> dict:
    """Build the demo county in one transaction. Does nothing if it is already there.

    With `history` (as `manage.py seed_demo` does) it also gets its audit history, this month's
    programme (generated and confirmed, some of it started or done) and the QA responses
    (`seed_history`); each step is skipped if done before.
    `responses`: make the QA responses (None: when the history is small enough).
    `log(message)` is told each step's time."""
    today = today or timezone.localdate()
    counts = {}
    if not is_seeded():
        started = time.monotonic()
        with transaction.atomic():
            counts = OrganisationBuilder(SCALES[scale], seed, today).build()
        _step(log, "organisation and cases", started)
    if history:
        counts |= seed_history(scale=scale, seed=seed, today=today, responses=responses, log=log)
    return counts


def _step(log, name: str, started: float) -> None:
    if log:
        log(f"  {name}: {time.monotonic() - started:.1f}s")


def seed_history(
    *, scale: str, seed: int, today: dt.date, responses: bool | None = None, log=None
) -> dict:
    """The demo county's audit history, this month's confirmed programme with some of its
    audits started or done, and the QA responses. Each step is skipped when already done."""
    asked = responses
    if responses is None:
        responses = audits_expected(scale) <= RESPONSES_DEMO_MAX_AUDITS
    counts = {}
    made = _seed_audits(counts, scale=scale, seed=seed, today=today, responses=responses, log=log)
    _seed_programme(counts, seed=seed, today=today, responses=responses, log=log)
    counts |= moderation_demo(today=today, rng_seed=seed)
    counts |= campaigns_demo(today=today, rng_seed=seed)
    counts |= feedback_demo(today=today, rng_seed=seed)
    if responses:
        started = time.monotonic()
        made_responses = responses_demo(today=today)
        if made_responses:
            counts["QA responses"] = sum(v for k, v in made_responses.items() if k != "overdue")
            _step(log, f"QA responses ({counts['QA responses']})", started)
    elif log and made:
        why = (
            "not asked for" if asked is False else f"more than {RESPONSES_DEMO_MAX_AUDITS:,} audits"
        )
        log(f"  QA responses: not made ({why}); restorative actions resolved with the history")
    if counts or not summary_all_built():  # the history was written with bulk inserts
        started = time.monotonic()
        rows = summary_rebuild()
        _step(log, f"report summary ({rows} rows)", started)
    counts |= improvement_demo(today=today, rng_seed=seed)  # after the summary: its figures
    return counts


def _seed_audits(counts, *, scale, seed, today, responses, log) -> dict:
    """The audit history (its restorative actions resolved here unless the QA responses,
    made next, resolve them)."""
    started = time.monotonic()
    made = audits_demo(today=today, scale_name=scale, rng_seed=seed, resolve_actions=not responses)
    if made:
        counts["audits"] = made["audits"]
        _step(log, f"audit history ({made['audits']} audits)", started)
    return made


def _seed_programme(counts, *, seed, today, responses, log) -> None:
    """This month's programme, generated and confirmed by Performance Assurance's demo login
    through the programme's services, then some of its audits started or done."""
    started = time.monotonic()
    month = today.replace(day=1)
    programme = ProgrammeMonth.objects.filter(month=month).first()
    performance = (
        Staff.objects.filter(role=Role.PERFORMANCE, user__email=demo_email(Role.PERFORMANCE))
        .select_related("user")
        .first()
    )
    user = performance.user if performance else None
    if programme is None:
        programme = programme_generate(month=month, by=user, seed=seed)
        programme = programme_confirm(programme=programme, by=user)
        counts["programme allocations"] = programme.allocations.count()
        _step(log, f"programme for {month:%B %Y} generated and confirmed", started)
    if programme.is_confirmed:
        started = time.monotonic()
        done = audits_demo_programme(
            programme=programme, today=today, rng_seed=seed, resolve_actions=not responses
        )
        if done:
            _step(
                log,
                f"this month's audits ({done['allocations started']} started, "
                f"{done['allocations completed']} completed)",
                started,
            )


def audits_expected(scale: str) -> int:
    """Roughly how many audits the history of a scale has (to choose what else to make)."""
    if scale in TARGET_AUDITS:
        return TARGET_AUDITS[scale]
    s = SCALES[scale]
    return s.open_cases + s.closed_cases + s.carers
