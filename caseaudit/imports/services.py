"""Importing staff and case lists: the entry points the pages, the commands, the API and the
background task call. Each runs parse → plan → apply:

- `parsers`: read the file into rows (never touches the database);
- `plan`: check the rows against the database and work out every create, update, closure and
  leaver, and every error (reads only: each lookup is loaded once, no query per row);
- `apply`: write the plan in one transaction, or nothing (bulk writes; on SQLite staged first
  so the write lock is held briefly).

A refused import raises `ImportRefused` (a `ValidationError`) carrying every error; a real
import, refused or not, is recorded as an `ImportRun` (`runs`).
"""

import datetime as dt
from typing import IO, NoReturn

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from caseaudit.core.typing import By
from caseaudit.organisation.models import Team

from . import new_places, progress
from .apply import cases_apply, staff_apply
from .models import ImportFormat, ImportKind, ImportPhase, ImportRun, ImportStatus, ImportVia
from .parsers import FileRefused, parse_cases, parse_staff
from .parsers.common import CaseRow, RowError, RowRef, count_rows, is_xlsx
from .parsers.staff_csv import StaffRow
from .plan.cases import cases_plan
from .plan.staff import StaffPlan, leavers_holding_cases, staff_plan, staff_plan_changes
from .policy import import_case_team_ids
from .runs import Attempt, ImportRefused, ImportResult, PlacesOutcome, actor, record_run, refuse

__all__ = [
    "ImportRefused",
    "ImportResult",
    "case_file_import",
    "cases_import",
    "estimate_rows",
    "import_in_background",
    "import_rows_for_decision",
    "import_run_execute",
    "import_run_is_stale",
    "import_run_queue",
    "imports_fail_stale",
    "org_import",
    "stale_after",
    "stale_message",
    "staff_file_import",
]


# --- staff --------------------------------------------------------------------------------------


def org_import(
    *,
    rows: list[StaffRow],
    by: By,
    full: bool = False,
    dry_run: bool = False,
    allow_new_teams: bool = False,
    new_places_agreed: str = "",
    file_sha256: str = "",
    file_name: str = "staff.csv",
    parse_errors: list[RowError] | tuple[RowError, ...] = (),
    warnings: list[str] | tuple[str, ...] = (),
    records: int | None = None,
    via: str = ImportVia.WEB,
    run: ImportRun | None = None,
) -> ImportResult:
    """Create or update service areas, teams, staff, their accounts and line management from a
    staff list. With `full`, the list is the whole workforce: current staff not in it are marked
    as left (never deleted) and their accounts made inactive. `by` is the importing user (None
    from the command line); only an administrator may give, change or remove the admin role.

    A team or service area not already known is refused as a likely typo (naming the nearest
    existing ones) unless creating it is allowed: `allow_new_teams` (the command line's
    --allow-new-teams) allows any; `new_places_agreed` is the page's tick "Create these teams
    and service areas", shown with the names and valid only for them, for `by` and for the file
    whose SHA-256 is `file_sha256` (`caseaudit.imports.new_places`). Either way the result, the
    refusal and the run record name them, and the run records who allowed them."""
    attempt = Attempt(
        kind=ImportKind.STAFF,
        source_format=ImportFormat.STAFF_CSV,
        file_name=file_name,
        by=by,
        via=via,
        dry_run=dry_run,
        rows=len(rows) if records is None else records,
        warnings=list(warnings),
        run=run,
        file_sha256=file_sha256,
    )
    today = timezone.localdate()
    allowed = (
        new_places.ANY
        if allow_new_teams
        else new_places.new_places_agreement(token=new_places_agreed, digest=file_sha256, by=by)
    )
    plan = staff_plan(
        rows=rows,
        by=by,
        full=full,
        allowed=allowed,
        file_name=file_name,
        errors=list(parse_errors),
        via=via,
    )
    attempt.new = _new_places_outcome(plan, allowed=allowed, by=by, file_sha256=file_sha256)
    if plan.errors:
        attempt.refuse(plan.errors)
    result = ImportResult(
        kind=ImportKind.STAFF,
        file_name=file_name,
        dry_run=dry_run,
        rows=attempt.rows,
        new=attempt.new,
        warnings=attempt.warnings,
    )
    staff_plan_changes(plan, by=by, result=result)
    if plan.errors:  # accounts the importer may not manage
        attempt.refuse(plan.errors)
    result.left = len(plan.leavers)
    if warning := leavers_holding_cases(plan.leavers):
        attempt.warnings.append(warning)
    if dry_run:
        return attempt.dry_run_recorded(result)
    staff_apply(plan, attempt=attempt, result=result, today=today)
    return result


def _new_places_outcome(
    plan: StaffPlan, *, allowed: new_places.Agreement, by: By, file_sha256: str
) -> PlacesOutcome:
    """The new service areas and teams a checked staff list names: whether creating them is
    allowed (and by whom), and the page's tick for exactly them in this file."""
    places = plan.new_places
    covered = allowed.covers(places)
    return PlacesOutcome(
        places=places,
        allowed=bool(places) and covered,
        allowed_by=actor(by) if places and covered else None,
        token=(
            new_places.new_places_token(places=places, digest=file_sha256, by=by)
            if places and file_sha256
            else ""
        ),
        tick_not_counted=bool(places) and allowed.tick_given and not covered,
    )


# --- cases --------------------------------------------------------------------------------------


def cases_import(
    *,
    rows: list[CaseRow],
    by: By,
    dry_run: bool = False,
    file_name: str = "cases.csv",
    source_format: str = ImportFormat.CSV,
    default_team: Team | str = "",
    parse_errors: list[RowError] | tuple[RowError, ...] = (),
    warnings: list[str] | tuple[str, ...] = (),
    records: int | None = None,
    via: str = ImportVia.WEB,
    run: ImportRun | None = None,
) -> ImportResult:
    """Create or update cases from parsed rows (any format). `default_team` (a team name or
    code) takes the new cases whose source gives no team (SSDA903, "#N/A" in Annex A).

    Fields a source does not carry (`KEEP`) are left alone on existing cases. The last audit
    date never moves backwards: audits done here update it."""
    attempt = Attempt(
        kind=ImportKind.CASES,
        source_format=source_format,
        file_name=file_name,
        by=by,
        via=via,
        dry_run=dry_run,
        rows=len(rows) if records is None else records,
        warnings=list(warnings),
        run=run,
    )
    plan = cases_plan(
        rows=rows,
        default_team=default_team,
        file_name=file_name,
        errors=list(parse_errors),
        team_ids=import_case_team_ids(by),  # Business Support: their own team's cases only
    )
    if plan.errors:
        attempt.refuse(plan.errors)
    result = ImportResult(
        kind=ImportKind.CASES,
        file_name=file_name,
        dry_run=dry_run,
        rows=attempt.rows,
        created=len(plan.to_create),
        updated=plan.updated,
        closed=plan.closed,
        unchanged=plan.unchanged,
        warnings=attempt.warnings,
    )
    if unallocated := plan.unallocated_new:
        attempt.warnings.append(
            f"{file_name}: {unallocated} new case{'s are' if unallocated > 1 else ' is'} "
            "unallocated (no worker given)"
        )
    if dry_run:
        return attempt.dry_run_recorded(result)
    cases_apply(plan, attempt=attempt, result=result)
    return result


# --- whole files: parse, then import (what the pages, the commands and the task call) ---------


def _refused_file(
    exc: FileRefused,
    *,
    kind: str,
    source_format: str,
    file_name: str,
    by: By,
    via: str,
    dry_run: bool,
    run: ImportRun | None = None,
) -> NoReturn:
    error = RowError(RowRef(file_name), str(exc).removeprefix(f"{file_name}: "))
    refuse(
        errors=[error],
        kind=kind,
        source_format=source_format,
        file_name=file_name,
        by=by,
        via=via,
        started_at=timezone.now(),
        dry_run=dry_run,
        rows=0,
        warnings=[],
        run=run,
    )


def staff_file_import(
    *,
    file: IO[bytes] | bytes,
    file_name: str,
    by: By,
    full: bool = False,
    dry_run: bool = False,
    allow_new_teams: bool = False,
    new_places_agreed: str = "",
    via: str = ImportVia.WEB,
    run: ImportRun | None = None,
) -> ImportResult:
    """Parse a staff list and import it (see `org_import`: `new_places_agreed` is the page's
    tick for the new teams and service areas, valid for this very file)."""
    if not isinstance(file, bytes):
        file = file.read()
    try:
        parsed = parse_staff(file, file_name=file_name)
    except FileRefused as exc:
        _refused_file(
            exc,
            kind=ImportKind.STAFF,
            source_format=ImportFormat.STAFF_CSV,
            file_name=file_name,
            by=by,
            via=via,
            dry_run=dry_run,
            run=run,
        )
    return org_import(
        rows=parsed.rows,
        by=by,
        full=full,
        dry_run=dry_run,
        allow_new_teams=allow_new_teams,
        new_places_agreed=new_places_agreed,
        file_sha256=new_places.file_digest(file),
        file_name=file_name,
        parse_errors=parsed.errors,
        warnings=parsed.warnings,
        records=parsed.records,
        via=via,
        run=run,
    )


def case_file_import(
    *,
    file: IO[bytes] | bytes,
    file_name: str,
    by: By,
    source_format: str = "",
    episodes: IO[bytes] | bytes | None = None,
    episodes_name: str = "episodes.csv",
    default_team: Team | str | None = None,
    dry_run: bool = False,
    via: str = ImportVia.WEB,
    run: ImportRun | None = None,
) -> ImportResult:
    """Parse a case file in any format (guessed when not given) and import it."""
    try:
        parsed = parse_cases(
            file,
            file_name=file_name,
            source_format=source_format,
            episodes=episodes,
            episodes_name=episodes_name,
        )
        if parsed.source_format == ImportFormat.SSDA903 and not default_team:
            raise FileRefused(
                f"{file_name}: the SSDA903 carries no team: choose the team for these "
                "looked-after children (--team)"
            )
    except FileRefused as exc:
        _refused_file(
            exc,
            kind=ImportKind.CASES,
            source_format=source_format or ImportFormat.CSV,
            file_name=file_name,
            by=by,
            via=via,
            dry_run=dry_run,
            run=run,
        )
    return cases_import(
        rows=parsed.rows,
        by=by,
        dry_run=dry_run,
        file_name=file_name,
        source_format=parsed.source_format,
        default_team=default_team or "",
        parse_errors=parsed.errors,
        warnings=parsed.warnings,
        records=parsed.records,
        via=via,
        run=run,
    )


# --- large files: in a background task, with progress on the run's page ---------------------------


def estimate_rows(*, data: bytes, file_name: str = "", stop_after: int | None = None) -> int:
    """How many rows a file has, counted by reading it: a CSV's lines, a workbook's rows
    streamed from its sheets (their declared `<dimension>` is not trusted), stopping once past
    `stop_after`. 0 for a file that cannot be read safely (the import then refuses it, saying
    why)."""
    try:
        return count_rows(data, file_name, stop_after=stop_after)
    except FileRefused:
        return 0


def import_rows_for_decision(*, data: bytes, file_name: str = "") -> int:
    """The rows that decide whether an upload is imported in the request or in the background:
    counted only as far as the threshold (so a large workbook is not read twice in the
    request)."""
    return estimate_rows(
        data=data, file_name=file_name, stop_after=max(settings.IMPORT_BACKGROUND_ROWS, 0)
    )


def import_in_background(rows: int) -> bool:
    """Whether a file of about `rows` rows is imported by a background task: over the
    `IMPORT_BACKGROUND_ROWS` setting (0: always)."""
    threshold = settings.IMPORT_BACKGROUND_ROWS
    return threshold <= 0 or rows > threshold


def import_run_queue(
    *,
    kind: str,
    data: bytes,
    file_name: str,
    by: By,
    source_format: str = "",
    episodes: bytes | None = None,
    episodes_name: str = "",
    default_team: Team | None = None,
    full: bool = False,
    dry_run: bool = False,
    allow_new_teams: bool = False,
    new_places_agreed: str = "",
    via: str = ImportVia.WEB,
) -> ImportRun:
    """Record an upload as a queued run holding the file, and enqueue the task that imports it.
    (With the immediate task backend of the tests, the import is done when this returns.)"""
    # Within the app, not across apps: `tasks` imports this module at its top.
    from .tasks import import_run_task

    if kind == ImportKind.STAFF:
        source_format = ImportFormat.STAFF_CSV
    run = ImportRun.objects.create(
        kind=kind,
        source_format=source_format or "",
        file_name=file_name[:255],
        by=by if by is not None and by.is_authenticated else None,
        via=via,
        status=ImportStatus.QUEUED,
        dry_run=dry_run,
        upload=data,
        episodes_upload=episodes,
        file_sha256=new_places.file_digest(data),
        options={
            "full": full,
            "allow_new_teams": allow_new_teams,
            "new_places_agreed": new_places_agreed,
            "default_team_id": default_team.pk if default_team else None,
            "episodes_name": episodes_name,
        },
        # A CSV's lines are cheap to count; a workbook's rows are counted by the task.
        progress_total=0 if is_xlsx(data) else estimate_rows(data=data, file_name=file_name),
    )
    try:
        result = import_run_task.enqueue(run.pk)
    except Exception:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            upload=None,
            episodes_upload=None,
            error_count=1,
            errors=["The import could not be queued: nothing was changed. Try again later."],
        )
        raise
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    run.refresh_from_db(fields=["status", "task_id"])
    return run


def import_run_execute(*, run_id: int) -> str:
    """The background task's work: import the run's file exactly as the upload page would,
    reporting progress on the run, and record the outcome there. Runs a queued run once; the
    file is emptied from the run when done, whatever the outcome."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.READING, progress_at=timezone.now()
    )
    if not claimed:
        return "not queued"
    run = ImportRun.objects.select_related("by").get(pk=run_id)
    data = bytes(run.upload or b"")
    episodes = bytes(run.episodes_upload) if run.episodes_upload is not None else None
    run.upload = run.episodes_upload = None  # not kept in memory twice; never saved from here
    tracker = progress.Progress(run.pk)
    outcome = "checked" if run.dry_run else "imported"
    try:
        with progress.reporting(tracker):
            _import_run_file(run, data=data, episodes=episodes, tracker=tracker)
    except FileRefused as exc:
        outcome = "refused"
        error = RowError(RowRef(run.file_name), str(exc).removeprefix(f"{run.file_name}: "))
        record_run(
            kind=run.kind,
            source_format=run.source_format,
            file_name=run.file_name,
            by=run.by,
            via=run.via,
            started_at=run.started_at,
            status=ImportStatus.FAILED,
            errors=[error],
            run=run,
        )
    except ImportRefused:
        outcome = "refused"
    except Exception as exc:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportStatus.FAILED,
            phase=ImportPhase.FINISHED,
            finished_at=timezone.now(),
            error_count=1,
            errors=[
                f"The import stopped on an unexpected error ({type(exc).__name__}): nothing "
                "was changed. It has been logged for the administrators."
            ],
        )
        raise
    finally:
        ImportRun.objects.filter(pk=run_id).update(upload=None, episodes_upload=None)
    return outcome


def _import_run_file(
    run: ImportRun, *, data: bytes, episodes: bytes | None, tracker: progress.Progress
) -> None:
    """Import a background run's file with the options chosen at upload."""
    options = run.options or {}
    total = estimate_rows(data=data, file_name=run.file_name)
    if episodes:
        total += estimate_rows(data=episodes, file_name=options.get("episodes_name", ""))
    tracker.start(ImportPhase.READING, total)
    by = run.by
    if run.via == ImportVia.WEB and by is None:
        raise FileRefused(f"{run.file_name}: the account that uploaded it no longer exists")
    if run.kind == ImportKind.STAFF:
        staff_file_import(
            file=data,
            file_name=run.file_name,
            by=by,
            full=bool(options.get("full")),
            allow_new_teams=bool(options.get("allow_new_teams")),
            new_places_agreed=str(options.get("new_places_agreed") or ""),
            dry_run=run.dry_run,
            via=run.via,
            run=run,
        )
        return
    team = None
    if options.get("default_team_id"):
        team = Team.objects.filter(pk=options["default_team_id"]).first()
        if team is None:
            raise FileRefused(f"{run.file_name}: the team chosen no longer exists")
    case_file_import(
        file=data,
        file_name=run.file_name,
        by=by,
        source_format=run.source_format,
        episodes=episodes,
        episodes_name=options.get("episodes_name") or "episodes.csv",
        default_team=team,
        dry_run=run.dry_run,
        via=run.via,
        run=run,
    )


# --- runs cut off mid-way --------------------------------------------------------------------


def stale_after() -> dt.timedelta:
    """How long a background run may go without news before it is failed (the
    `IMPORT_STALE_MINUTES` setting)."""
    return dt.timedelta(minutes=int(getattr(settings, "IMPORT_STALE_MINUTES", 30)))


def stale_message() -> str:
    minutes = int(stale_after().total_seconds() // 60)
    return (
        f"This import stopped: nothing was heard from the task worker for {minutes} minutes "
        "(it was probably stopped or restarted). Nothing was changed and the uploaded file has "
        "been deleted: upload the file again."
    )


def import_run_is_stale(*, run: ImportRun, now: dt.datetime | None = None) -> bool:
    """Whether a run is still queued or running with no news for `IMPORT_STALE_MINUTES`."""
    if not run.in_progress:
        return False
    last = run.progress_at or run.started_at
    return (now or timezone.now()) - last > stale_after()


def imports_fail_stale(*, now: dt.datetime | None = None, run_id: int | None = None) -> int:
    """Fail every background run (or only `run_id`) still queued or running with no news for
    `IMPORT_STALE_MINUTES`: its task was cut off (the worker stopped) or never started. Nothing
    of it was written: a run writes all its changes in one transaction that also records its
    success (and re-checks it is still running: `runs.claim_write`), so a cut-off run wrote
    nothing and a failed one can no longer write. Its uploaded file is deleted and the person
    can upload it again. Returns how many runs were failed. Run every few minutes by the
    scheduler, and by the run's page when it is read."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    runs = ImportRun.objects.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
    if run_id is not None:
        runs = runs.filter(pk=run_id)
    stale = runs.filter(
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, started_at__lt=cutoff)
    )
    # One compare-and-set UPDATE: a run that finishes meanwhile is no longer matched.
    return stale.update(
        status=ImportStatus.FAILED,
        phase=ImportPhase.FINISHED,
        finished_at=now,
        upload=None,
        episodes_upload=None,
        error_count=1,
        errors=[stale_message()],
    )
