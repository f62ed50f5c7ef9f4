"""Excerpts of what auditors wrote, for reports: whitespace tidied, cut at a word, and the
case's own name taken out (reports name a case by its reference only)."""

import re

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
