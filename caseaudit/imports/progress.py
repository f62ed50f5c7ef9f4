"""How far a background import has got, written to its `ImportRun` while it works.

The task opens `reporting(Progress(run))`; the parsers (`parsers.common.csv_rows` and
`sheet_rows`) and the row checks in `plan` report to whatever `current()` is, and do
nothing at all when no import is being reported (the pages and the commands). Each report is one
UPDATE of the run's row every `EVERY` rows: the task runs outside any transaction until it
writes, so each is committed at once and the status page sees it; the write itself stays one
all-or-nothing transaction, announced before it starts.
"""

import contextlib
from contextvars import ContextVar

from django.utils import timezone

from .models import ImportPhase, ImportRun

EVERY = 1000  # rows between two updates of the run

_current: ContextVar["Progress | None"] = ContextVar("import_progress", default=None)


class Progress:
    def __init__(self, run_id: int, *, every: int = EVERY):
        self.run_id = run_id
        self.every = every
        self.phase = ""
        self.done = 0
        self.total = 0
        self._saved_at_count = 0

    def start(self, phase: str, total: int) -> None:
        """Begin a step (`ImportPhase`) of `total` rows (an estimate while reading)."""
        self.phase, self.done, self.total = phase, 0, max(int(total), 0)
        self.save()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done - self._saved_at_count >= self.every:
            self.save()

    def save(self) -> None:
        self._saved_at_count = self.done
        ImportRun.objects.filter(pk=self.run_id).update(
            phase=self.phase,
            progress_done=min(self.done, 2**31 - 1),
            progress_total=max(self.total, self.done),
            progress_at=timezone.now(),
        )


def current() -> Progress | None:
    return _current.get()


@contextlib.contextmanager
def reporting(progress: Progress):
    token = _current.set(progress)
    try:
        yield progress
    finally:
        _current.reset(token)


def counted(rows):
    """Yield `rows`, reporting each to the current progress (if any) as a row read."""
    progress = current()
    if progress is None or progress.phase != ImportPhase.READING:
        yield from rows
        return
    for row in rows:
        progress.advance()
        yield row


def checking(rows: list):
    """Yield `rows` (already parsed), starting the checking step and reporting each."""
    progress = current()
    if progress is None:
        yield from rows
        return
    progress.start(ImportPhase.CHECKING, len(rows))
    for row in rows:
        progress.advance()
        yield row
    progress.save()


def writing(count: int) -> None:
    """Announce the write (one transaction: it cannot report from within)."""
    progress = current()
    if progress is not None:
        progress.start(ImportPhase.WRITING, count)
