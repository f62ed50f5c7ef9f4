"""The one answer to a restorative action, and the rules every answer keeps.

An answer is what was done, the date it was done and the evidence (where the work can be seen).
The QA response's form (`services.response_submit`, one answer per action) and an action's own
answer after the response (`actions.action_resolve`) take it in the same shape and check it
here: "what was done" is required; "date done" is required, a real date and not in the future;
the evidence may be left empty. Each error names the action and the field ("Date done for
action 2 must be today or in the past"), so it reads on its own in the error summary.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .common import clean_text

# The fields of one answer, in the order the form shows them.
ANSWER_FIELDS = ("what_done", "done_on", "evidence")
# An answer's text field holds at most this many characters (as a draft's field does).
MAX_ANSWER_LENGTH = 20_000


@dataclass(frozen=True)
class Answer:
    what_done: str
    done_on: dt.date | None
    evidence: str

    def as_detail(self) -> dict:
        """The answer as the history keeps it (JSON)."""
        return {
            "what_done": self.what_done,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "evidence": self.evidence,
        }


def parse_date(value) -> dt.date | None:
    """A date as a form, a draft or the API gives it: a `date`, "2027-01-08" or "8/1/2027"
    (None when empty). Raises `ValueError` for anything else."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        if year < 1000:
            raise ValueError("a year has four digits")
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def answer_clean(
    *,
    values: Mapping,
    number: int,
    today: dt.date,
    errors: dict[str, list[str]],
    key: Callable[[str], str] = str,
) -> Answer:
    """The cleaned answer to action `number` from `values` ("what_done", "done_on",
    "evidence"). Each problem is added to `errors` under `key(field)` (the form's field name);
    the caller raises them all at once."""
    what_done = clean_text(values.get("what_done"))
    evidence = clean_text(values.get("evidence"))
    if not what_done:
        errors[key("what_done")] = [f"Enter what was done for action {number}"]
    for name, text, label in (
        ("what_done", what_done, "What was done"),
        ("evidence", evidence, "Evidence"),
    ):
        if len(text) > MAX_ANSWER_LENGTH:
            errors[key(name)] = [
                f"{label} for action {number} must be {MAX_ANSWER_LENGTH:,} characters or fewer"
            ]
    done_on = None
    try:
        done_on = parse_date(values.get("done_on"))
    except (TypeError, ValueError):
        errors[key("done_on")] = [f"Date done for action {number} must be a real date"]
    else:
        if done_on is None:
            errors[key("done_on")] = [f"Enter the date done for action {number}"]
        elif done_on > today:
            errors[key("done_on")] = [f"Date done for action {number} must be today or in the past"]
            done_on = None
    return Answer(what_done=what_done, done_on=done_on, evidence=evidence)
