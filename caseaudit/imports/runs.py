"""An import's outcome: what it did (`ImportResult`), its refusal (`ImportRefused`, carrying every
error) and its record (`ImportRun`), shared by the planning (`plan`), the writing (`apply`) and
the entry points (`services`)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.utils import timezone

from caseaudit.core.typing import By

from .models import KEPT_MESSAGES, ImportKind, ImportPhase, ImportRun, ImportStatus
from .parsers.common import RowError, RowRef


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    kind: str
    file_name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0
    left: int = 0
    teams_created: int = 0
    service_areas_created: int = 0
    # What a staff import creates, named: "Team (Service area)", and service areas.
    new_teams: list[str] = field(default_factory=list)
    new_service_areas: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    run: ImportRun | None = None

    def summary(self) -> str:
        verb = "would " if self.dry_run else ""
        parts = [
            f"{verb}create {self.created}",
            f"{verb}update {self.updated}",
        ]
        if self.kind == ImportKind.CASES:
            parts.append(f"{verb}close {self.closed}")
        else:
            parts.append(f"{verb}mark {self.left} as left")
        parts.append(f"unchanged {self.unchanged}")
        text = ", ".join(parts)
        extra = []
        if self.service_areas_created:
            extra.append(
                f"{self.service_areas_created} new service area(s): "
                + ", ".join(f'"{name}"' for name in self.new_service_areas)
            )
        if self.teams_created:
            extra.append(f"{self.teams_created} new team(s): " + ", ".join(self.new_teams))
        if extra:
            text += f" ({', '.join(extra)})"
        return text


class ImportRefused(ValidationError):
    """The file has errors: nothing was written. `errors` holds every `RowError`."""

    def __init__(self, errors: list[RowError], *, run: ImportRun | None = None, warnings=()):
        self.errors = list(errors)
        self.run = run
        self.warnings = list(warnings)
        super().__init__(
            f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}: nothing was imported."
        )


def actor(by: By):
    """The importing user, or None for the command line (the server's own administrator)."""
    return by if by is not None and by.is_authenticated else None


def record_run(
    *,
    kind,
    source_format,
    file_name,
    by: By,
    via,
    started_at,
    status,
    result=None,
    errors=(),
    warnings=(),
    run: ImportRun | None = None,
) -> ImportRun:
    """Record a run's outcome: a new row, or (a background import) the row made at upload."""
    outcome = {
        "source_format": source_format,
        "finished_at": timezone.now(),
        "status": status,
        "error_count": len(errors),
        "errors": [str(e) for e in errors[:KEPT_MESSAGES]],
        "warnings": list(warnings)[:KEPT_MESSAGES],
    }
    if result is not None:
        for name in ("rows", "created", "updated", "closed", "unchanged", "left"):
            outcome[name] = getattr(result, name)
    if run is not None:
        outcome["phase"] = ImportPhase.FINISHED
        for name, value in outcome.items():
            setattr(run, name, value)
        run.save(update_fields=list(outcome))  # not the uploaded file
        return run
    user = by if by is not None and by.is_authenticated else None
    run = ImportRun(
        kind=kind, file_name=file_name[:255], by=user, via=via, started_at=started_at, **outcome
    )
    run.save()
    return run


def refuse(
    *,
    errors,
    kind,
    source_format,
    file_name,
    by: By,
    via,
    started_at,
    dry_run,
    rows,
    warnings,
    run: ImportRun | None = None,
) -> NoReturn:
    """Record a refused import (not a dry run's, unless in the background) and raise it."""
    if not dry_run or run is not None:
        run = record_run(
            kind=kind,
            source_format=source_format,
            file_name=file_name,
            by=by,
            via=via,
            started_at=started_at,
            status=ImportStatus.FAILED,
            errors=errors,
            warnings=warnings,
            run=run,
        )
        run.rows = rows
        run.save(update_fields=["rows"])
    raise ImportRefused(errors, run=run, warnings=warnings)


@dataclass
class Attempt:
    """One import of one file: who runs it, how, and where its outcome is recorded. `warnings`
    is the very list its `ImportResult` shows (added to while it is planned)."""

    kind: str
    source_format: str
    file_name: str
    by: By
    via: str
    dry_run: bool
    rows: int
    warnings: list[str]
    run: ImportRun | None = None
    started_at: dt.datetime = field(default_factory=timezone.now)

    def refuse(self, errors: list[RowError]) -> NoReturn:
        refuse(
            errors=errors,
            kind=self.kind,
            source_format=self.source_format,
            file_name=self.file_name,
            by=self.by,
            via=self.via,
            started_at=self.started_at,
            dry_run=self.dry_run,
            rows=self.rows,
            warnings=self.warnings,
            run=self.run,
        )

    def record_success(self, result: ImportResult) -> ImportRun:
        return record_run(
            kind=self.kind,
            source_format=self.source_format,
            file_name=self.file_name,
            by=self.by,
            via=self.via,
            started_at=self.started_at,
            status=ImportStatus.SUCCEEDED,
            result=result,
            warnings=self.warnings,
            run=self.run,
        )

    def dry_run_recorded(self, result: ImportResult) -> ImportResult:
        """A dry run changes nothing; one run in the background records its outcome on its
        run."""
        if self.run is not None:
            result.run = record_run(
                kind=result.kind,
                source_format=self.source_format,
                file_name=result.file_name,
                by=None,
                via=self.run.via,
                started_at=self.run.started_at,
                status=ImportStatus.SUCCEEDED,
                result=result,
                warnings=result.warnings,
                run=self.run,
            )
        return result


def claim_write(run: ImportRun | None) -> None:
    """In the write transaction, before anything is written: a background run must still be
    running (not failed meanwhile as stale). On SQLite the transaction already holds the write
    lock; on PostgreSQL the run's row is locked until the commit."""
    if run is None:
        return
    still = (
        ImportRun.objects.select_for_update()
        .filter(pk=run.pk, status=ImportStatus.RUNNING)
        .values_list("pk", flat=True)
    )
    if not list(still):
        raise ImportRefused(
            [RowError(RowRef(run.file_name), "the import was stopped before it could be saved")],
            run=run,
        )
