"""Planning an import: check the parsed rows against the database and work out what would be
created, updated, closed or marked as left, with every row error. Reads only, never writes:
`caseaudit.imports.apply` writes a plan, `caseaudit.imports.services` runs parse → plan → apply.

Every lookup is loaded once into a dict before the rows are checked (no query per row)."""

import difflib

from ..parsers.common import name_key

# Suggestions are the names whose likeness (difflib's ratio, 0 to 1) is within this of the best.
SUGGESTION_SPREAD = 0.1


def closest_names(name: str, known: list[str]) -> list[str]:
    """Up to three of `known` nearest to `name` (letter case and spacing do not matter): the
    suggestions of an unknown team or service area."""
    by_key: dict[str, str] = {}
    for known_name in known:
        by_key.setdefault(name_key(known_name), known_name)
    wanted = name_key(name)
    close = difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.6)
    if not close:
        return []
    # Only those about as near as the nearest ("North A" for "Nort A", not "North B" too),
    # nearest first, then in alphabetical order.
    ratios = {key: difflib.SequenceMatcher(None, wanted, key).ratio() for key in close}
    best = max(ratios.values())
    near = [key for key in close if ratios[key] >= best - SUGGESTION_SPREAD]
    return [by_key[key] for key in sorted(near, key=lambda key: (-ratios[key], by_key[key]))]


def did_you_mean(suggestions: list[str]) -> str:
    """' (did you mean A?)', ' (did you mean A, B or C?)'; "" for none."""
    if not suggestions:
        return ""
    if len(suggestions) == 1:
        return f" (did you mean {suggestions[0]}?)"
    return f" (did you mean {', '.join(suggestions[:-1])} or {suggestions[-1]}?)"
