"""Excerpts of what auditors wrote, for reports: whitespace tidied, cut at a word, and the
case's own name taken out (reports name a case by its reference only)."""

import re
from typing import TYPE_CHECKING

EXCERPT_LENGTH = 280
REDACTED = "[name]"
WORD = re.compile(r"\w+")
REPEATED = re.compile(r"\[name\](?:\s+\[name\])+")


def redact(text: str, display_name: str = "") -> str:
    """`text` with each word of the case's name (two letters or more, any case) replaced by
    [name], and a run of them ("[name] [name]") by one. One precompiled pattern for every
    case, so thousands of excerpts cost no regex compilation."""
    parts = {w.casefold() for w in WORD.findall(display_name or "") if len(w) >= 2}
    folded = text.casefold()
    if not any(part in folded for part in parts):  # the usual case, and a cheap test
        return text
    replaced = WORD.sub(lambda m: REDACTED if m.group(0).casefold() in parts else m.group(0), text)
    return REPEATED.sub(REDACTED, replaced)


def excerpt(text: str, *, display_name: str = "", length: int = EXCERPT_LENGTH) -> str:
    """`text` on one line, without the case's name, at most `length` characters."""
    text = redact(" ".join((text or "").split()), display_name)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut.rstrip(",;: ") + "…"


# --- The report pages at a glance: their figures in words --------------------------------

if TYPE_CHECKING:
    from .selectors.headlines import Glance, Headline

PERCENT, COUNT, DECIMAL, HOURS = "percent", "count", "decimal", "hours"


def figure_value(headline: "Headline", value: float | None = None) -> str:
    """A headline's figure (or `value`, its previous one) as the page shows it."""
    value = headline.value if value is None else value
    if value is None:
        return "–"
    if headline.kind == PERCENT:
        return f"{value:.0f}%"
    if headline.kind == DECIMAL:
        signed = "+" if headline.better == "zero" and value > 0 else ""
        return f"{signed}{value:.1f}"
    if headline.kind == HOURS:
        return f"{value:.1f} hours"
    return f"{int(value):,}"


def _amount(headline: "Headline", change: float) -> str:
    size = abs(change)
    if headline.kind == PERCENT:
        points = round(size)
        return f"{points} point{'s' if points != 1 else ''}"
    if headline.kind in (DECIMAL, HOURS):
        return f"{size:.1f}" + (" hours" if headline.kind == HOURS else "")
    return f"{int(size):,}"


def figure_change(headline: "Headline", *, previous_label: str) -> str:
    """ "up 4 points from 58% in the previous 12 months", "the same as in the previous
    month", "no previous figure" (nothing to compare with) or "as at today"."""
    if not headline.comparable:
        return "as at today: no previous figure"
    change = headline.change
    if change is None:
        return "no previous figure"
    before = figure_value(headline, headline.previous)
    amount = _amount(headline, change)
    if amount in ("0 points", "0.0", "0", "0.0 hours"):
        return f"the same as in {previous_label}"
    direction = "up" if change > 0 else "down"
    return f"{direction} {amount} from {before} in {previous_label}"


def _lower(label: str) -> str:
    """A label inside a sentence: "QA responses on time" keeps its capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def glance_sentences(*, glance: "Glance", period_label: str, previous_label: str) -> list[str]:
    """A few plain sentences about a report's headlines: what got better and what got worse
    than in the period before, and what could not be compared. Made from the figures only."""
    shown = [h for h in glance.headlines if h.value is not None]
    if not shown:
        return [
            f"There is nothing to show for {period_label}: no figure of this report has any "
            "data for these filters. Try a longer period or fewer filters."
        ]
    sentences = []
    better = [h for h in shown if h.verdict == "better"]
    worse = [h for h in shown if h.verdict == "worse"]
    same = [h for h in shown if h.verdict == "same"]
    if better:
        sentences.append(
            f"Better than in {previous_label}: "
            + _listed([f"{_lower(h.label)} ({figure_value(h)})" for h in better])
            + "."
        )
    if worse:
        sentences.append(
            f"Worse than in {previous_label}: "
            + _listed([f"{_lower(h.label)} ({figure_value(h)})" for h in worse])
            + "."
        )
    if same:
        sentences.append(f"Unchanged: {_listed([_lower(h.label) for h in same])}.")
    if not (better or worse or same):
        sentences.append(
            f"None of these figures can be compared with {previous_label}: there is no data "
            "for it with these filters."
        )
    missing = [
        h for h in glance.headlines if h.comparable and h.value is not None and h.previous is None
    ]
    if missing and (better or worse or same):
        sentences.append(
            f"No figure for {previous_label} to compare "
            + _listed([_lower(h.label) for h in missing])
            + " with."
        )
    return sentences


def _figure(glance: "Glance", key: str) -> "Headline | None":
    return next((h for h in glance.headlines if h.key == key), None)


def glance_lead(*, report: str, glance: "Glance", period_label: str) -> str:
    """The first sentence of a report at a glance: its main figure in words ("" when there
    is no data for it)."""
    facts = glance.facts
    if report == "quality":
        good = _figure(glance, "sections-good")
        if good is None or good.value is None:
            return ""
        lead = (
            f"In {period_label}, {figure_value(good)} of the {facts['sections']:,} sections "
            f"the auditors scaled were {facts['good_label']}."
        )
        if facts.get("urgent_open"):
            n = facts["urgent_open"]
            lead += (
                f" {n:,} urgent finding{'s are' if n != 1 else ' is'} still waiting for a "
                "manager to acknowledge it."
            )
        return lead
    if report == "compliance":
        done = _figure(glance, "completion")
        if done is None or done.value is None:
            return ""
        lead = (
            f"In {period_label}, {figure_value(done)} of the {facts['expected']:,} audits the "
            "confirmed programme allocated were done."
        )
        if facts.get("overdue"):
            n = facts["overdue"]
            lead += f" {n:,} {'is' if n == 1 else 'are'} overdue."
        return lead
    if report == "responses":
        on_time = _figure(glance, "on-time")
        if not facts.get("requested"):
            return ""
        lead = f"{facts['requested']:,} QA responses were asked for in {period_label}"
        if on_time is not None and on_time.value is not None:
            lead += f"; {figure_value(on_time)} of those submitted were on time"
        n = facts["outstanding"]
        return lead + f". {n:,} {'is' if n == 1 else 'are'} not yet authorised."
    if report == "findings":
        good = _figure(glance, "audits-good")
        if not facts.get("audits") or good is None or good.value is None:
            return ""
        return (
            f"{facts['audits']:,} audits were completed in {period_label}; "
            f"{figure_value(good)} were graded {facts['good_label']}."
        )
    if report == "moderation":
        within = _figure(glance, "within-one")
        if not facts.get("moderated") or within is None or within.value is None:
            return ""
        return (
            f"Of {facts['moderated']:,} audits moderated in {period_label}, auditor and "
            f"moderator scaled a section within one point of each other {figure_value(within)} "
            "of the time."
        )
    return ""
