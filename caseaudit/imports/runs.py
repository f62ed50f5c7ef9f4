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
from .new_places import NewPlaces
from .parsers.common import RowError, RowRef


@dataclass
class PlacesOutcome:
    """The new service areas and teams a staff list names (`new_places`): created, or (a dry
    run) to be created, when `allowed`; refused otherwise. `allowed_by` is the person who ticked
    "Create these teams and service areas" (None: the command line's --allow-new-teams).
    `token` is the page's tick for exactly these names in this file and for this person;
    `tick_not_counted` says a tick was given but not for this file (or not for every name)."""

    places: NewPlaces = NewPlaces()
    allowed: bool = False
    allowed_by: By = None
    token: str = ""
    tick_not_counted: bool = False


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
    # The service areas and teams a staff import creates (or, a dry run, would create), named,
    # and who allowed them.
    new: PlacesOutcome = field(default_factory=PlacesOutcome)
    warnings: list[str] = field(default_factory=list)
    run: ImportRun | None = None

    @property
    def new_places(self) -> NewPlaces:
        return self.new.places

    @property
    def teams_created(self) -> int:
        return len(self.new.places.teams)

    @property
    def service_areas_created(self) -> int:
        return len(self.new.places.service_areas)

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
        if self.service_areas_created:
            parts.append(f"{verb}create {self.service_areas_created} service area(s)")
        if self.teams_created:
            parts.append(f"{verb}create {self.teams_created} team(s)")
        return ", ".join(parts)

    def new_places_lines(self) -> list[str]:
        """The new service areas and teams by name ("New teams: Duty (service area North)")."""
        return self.new.places.lines(dry_run=self.dry_run)


class ImportRefused(ValidationError):
    """The file has errors: nothing was written. `errors` holds every `RowError`."""

    def __init__(
        self,
        errors: list[RowError],
        *,
        run: ImportRun | None = None,
        warnings=(),
        new: PlacesOutcome | None = None,
    ):
        self.errors = list(errors)
        self.run = run
        self.warnings = list(warnings)
        # The service areas and teams the file names that do not exist yet (a staff list).
        self.new = new or PlacesOutcome()
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
    new: PlacesOutcome | None = None,
    file_sha256: str = "",
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
    if file_sha256:
        outcome["file_sha256"] = file_sha256
    if new is not None and (new.places or new.allowed):
        outcome |= {
            "new_service_areas": list(new.places.service_areas),
            "new_teams": [list(pair) for pair in new.places.teams],
            "new_places_allowed": new.allowed,
            "new_places_allowed_by": actor(new.allowed_by) if new.allowed else None,
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
    new: PlacesOutcome | None = None,
    file_sha256: str = "",
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
            new=new,
            file_sha256=file_sha256,
        )
        run.rows = rows
        run.save(update_fields=["rows"])
    raise ImportRefused(errors, run=run, warnings=warnings, new=new)


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
    file_sha256: str = ""
    # A staff list's new service areas and teams, once planned.
    new: PlacesOutcome | None = None

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
            new=self.new,
            file_sha256=self.file_sha256,
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
            new=result.new,
            file_sha256=self.file_sha256,
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
                new=result.new,
                file_sha256=self.file_sha256,
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
