"""Importing staff and case lists: check parsed rows against the database, then write them all in
one transaction, or nothing.

Every lookup is loaded once into a dict before the rows are checked (no query per row), and the
writes are `bulk_create` / `bulk_update`, so a 100,000-row case list imports in seconds.
A refused import raises `ImportRefused` (a `ValidationError`) carrying every error; a real import,
refused or not, is recorded as an `ImportRun`.
"""

import datetime as dt
import difflib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from caseaudit.accounts.models import SecurityEventKind
from caseaudit.accounts.services import (
    account_disable,
    can_grant_role,
    can_manage_account,
    security_event_record,
)
from caseaudit.cases.models import Case, CaseEvent, CaseEventKind
from caseaudit.cases.services import cases_regrouped
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team
from caseaudit.organisation.selectors import staff_for_user

from . import progress
from .models import (
    KEPT_MESSAGES,
    ImportFormat,
    ImportKind,
    ImportPhase,
    ImportRun,
    ImportStatus,
    ImportVia,
)
from .parsers import FileRefused, parse_cases, parse_staff
from .parsers.common import KEEP, CaseRow, RowError, RowRef, count_rows, is_xlsx, name_key
from .parsers.staff_csv import StaffRow

BATCH_SIZE = 2000
WRITE_CHUNK = 5000
LOOKUP_CHUNK = 5000
User = get_user_model()


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


def _record_run(
    *,
    kind,
    source_format,
    file_name,
    by,
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


def _refuse(
    *,
    errors,
    kind,
    source_format,
    file_name,
    by,
    via,
    started_at,
    dry_run,
    rows,
    warnings,
    run: ImportRun | None = None,
):
    if not dry_run or run is not None:
        run = _record_run(
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


def _dry_run_recorded(result: ImportResult, *, run: ImportRun | None, source_format: str):
    """A dry run changes nothing; one run in the background records its outcome on its run."""
    if run is not None:
        result.run = _record_run(
            kind=result.kind,
            source_format=source_format,
            file_name=result.file_name,
            by=None,
            via=run.via,
            started_at=run.started_at,
            status=ImportStatus.SUCCEEDED,
            result=result,
            warnings=result.warnings,
            run=run,
        )
    return result


# --- staff --------------------------------------------------------------------------------------


def _unique_slug(name: str, taken: set[str], fallback: str) -> str:
    base = slugify(name)[:40].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: 40 - len(suffix)].rstrip("-") + suffix
        n += 1
    taken.add(slug)
    return slug


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return "", ""
    return parts[0][:150], (parts[-1] if len(parts) > 1 else "")[:150]


# Where an administrator changes an account's email or username (never an import).
IDENTITY_PAGE = "the account's page in the administration site (Administration › Users)"
LEAVER_REASON = "staff import: leaver"


def _actor(by):
    """The importing user, or None for the command line (the server's own administrator)."""
    return by if by is not None and by.is_authenticated else None


def _may_manage(by, user) -> bool:
    """May the importer create, change or disable `user`'s account? The command line may."""
    return _actor(by) is None or can_manage_account(actor=by, target=user)


def _target_is_admin(staff) -> bool:
    user = staff.user
    return staff.role == Role.ADMIN or user.is_superuser or user.is_staff


def _privilege_error(row, user) -> RowError:
    return RowError(
        row.ref,
        f"the account with staff id {row.staff_id} ({user.username}) has more privilege than "
        "yours: only a system administrator can change it with an import",
        "staff_id",
    )


def _record_account_events(*, created, role_changes, by) -> None:
    """The security log: each account an import creates, and each role it changes."""
    for user in created:
        security_event_record(
            kind=SecurityEventKind.ACCOUNT_CREATED, user=user, by=by, detail="staff import"
        )
    for user, old, new in role_changes:
        security_event_record(
            kind=SecurityEventKind.ROLE_CHANGED, user=user, by=by, detail=f"{old} → {new}"
        )


def org_import(
    *,
    rows: list[StaffRow],
    by,
    full: bool = False,
    dry_run: bool = False,
    allow_new_teams: bool = False,
    file_name: str = "staff.csv",
    parse_errors=(),
    warnings=(),
    records: int | None = None,
    via: str = ImportVia.WEB,
    run: ImportRun | None = None,
) -> ImportResult:
    """Create or update service areas, teams, staff, their accounts and line management from a
    staff list. With `full`, the list is the whole workforce: current staff not in it are marked
    as left (never deleted) and their accounts made inactive. `by` is the importing user (None
    from the command line); only an administrator may give, change or remove the admin role.
    A team or service area not already known is created only with `allow_new_teams` (the
    "create these teams" box, `--allow-new-teams`): otherwise the row is refused, suggesting
    the nearest existing name (a typo must not make a team). Either way they are named in the
    result, dry run or not."""
    started_at = timezone.now()
    today = timezone.localdate()
    errors: list[RowError] = list(parse_errors)
    warnings = list(warnings)
    records = len(rows) if records is None else records

    # Everything the rows refer to, loaded once.
    areas_by_name = {name_key(a.name): a for a in ServiceArea.objects.all()}
    teams = list(Team.objects.all())
    teams_by_key = {(t.service_area_id, name_key(t.name)): t for t in teams}
    area_codes = set(ServiceArea.objects.values_list("code", flat=True))
    team_codes = {t.code for t in teams}
    staff_all = list(Staff.objects.select_related("user"))
    staff_by_id = {s.staff_id.casefold(): s for s in staff_all}
    staff_id_of_pk = {s.pk: s.staff_id.casefold() for s in staff_all}
    users = list(User.objects.all())
    users_by_username = {u.username.casefold(): u for u in users}
    users_by_email = defaultdict(list)
    for u in users:
        if u.email:
            users_by_email[u.email.casefold()].append(u)
    linked_user_ids = {s.user_id for s in staff_all}

    in_file = {row.staff_id.casefold(): row for row in rows}

    # Service areas and teams: existing ones by name, new ones to create.
    new_areas: dict[str, ServiceArea] = {}
    new_teams: dict[tuple, Team] = {}

    def area_for(area_name: str):
        key = name_key(area_name)
        area = areas_by_name.get(key) or new_areas.get(key)
        if area is None:
            area = ServiceArea(name=area_name, code=_unique_slug(area_name, area_codes, "service"))
            new_areas[key] = area
        return area

    def team_for(team_name: str, area: ServiceArea):
        key = name_key(team_name)
        team = None
        if area.pk:
            team = teams_by_key.get((area.pk, key))
        team = team or new_teams.get((name_key(area.name), key))
        if team is None:
            team = Team(name=team_name, code=_unique_slug(team_name, team_codes, "team"))
            team._area = area
            new_teams[(name_key(area.name), key)] = team
        return team

    def unknown(kind: str, name: str, known: list[str], where: str = "") -> str:
        by_key = {name.casefold(): name for name in known}
        close = difflib.get_close_matches(name.casefold(), list(by_key), n=1, cutoff=0.6)
        hint = f' (did you mean "{by_key[close[0]]}"?)' if close else ""
        return (
            f'no {kind} named "{name}"{where}{hint}: to create it, tick "Create these teams '
            'and service areas" (import_org --allow-new-teams)'
        )

    # Check each row and work out the staff record it gives.
    planned = []  # (row, staff or None, team, area, user or None)
    for row in progress.checking(rows):
        area = team = None
        ok = True
        if row.valid:
            area = area_for(row.service_area) if row.service_area else None
            team = team_for(row.team, area) if row.team else None
        if area is not None and area.pk is None and not allow_new_teams:
            known = [a.name for a in areas_by_name.values()]
            errors.append(
                RowError(row.ref, unknown("service area", row.service_area, known), "service_area")
            )
            ok = False
        elif team is not None and team.pk is None and not allow_new_teams:
            known = [t.name for t in teams if t.service_area_id == area.pk]
            where = f" in {area.name}"
            errors.append(RowError(row.ref, unknown("team", row.team, known, where), "team"))
            ok = False
        staff = staff_by_id.get(row.staff_id.casefold())
        user = staff.user if staff else None
        if staff is None:
            user = users_by_username.get(row.staff_id.casefold())
            if user is not None and user.pk in linked_user_ids:
                errors.append(
                    RowError(
                        row.ref,
                        f'the account "{user.username}" already belongs to another member of staff',
                        "staff_id",
                    )
                )
                ok = False
        for other in users_by_email.get(row.email.casefold(), []):
            if user is None or other.pk != user.pk:
                errors.append(
                    RowError(
                        row.ref,
                        f'"{row.email}" is already the email of another account',
                        "email",
                    )
                )
                ok = False
                break
        if row.line_manager_id:
            key = row.line_manager_id.casefold()
            if key not in in_file:
                manager = staff_by_id.get(key)
                if manager is None:
                    errors.append(
                        RowError(
                            row.ref,
                            f'no member of staff has staff_id "{row.line_manager_id}" (not in the '
                            "file nor already known)",
                            "line_manager_id",
                        )
                    )
                    ok = False
                elif manager.left_on is not None:
                    errors.append(
                        RowError(
                            row.ref,
                            f'"{row.line_manager_id}" ({manager.name}) has left',
                            "line_manager_id",
                        )
                    )
                    ok = False
                elif full:
                    errors.append(
                        RowError(
                            row.ref,
                            f'"{row.line_manager_id}" ({manager.name}) is not in this full list '
                            "and would be marked as left",
                            "line_manager_id",
                        )
                    )
                    ok = False
        if (
            row.valid
            and by is not None
            and (staff is None or staff.role != row.role)
            and (
                not can_grant_role(actor=by, role=row.role)
                or (staff is not None and not can_grant_role(actor=by, role=staff.role))
            )
        ):
            errors.append(
                RowError(
                    row.ref,
                    "only a system administrator can give or remove the admin role"
                    if row.role == Role.ADMIN or (staff is not None and staff.role == Role.ADMIN)
                    else f"you cannot give the role {Role(row.role).label}",
                    "role",
                )
            )
            ok = False
        if user is not None and row.valid and user.email.casefold() != row.email.casefold():
            # Identity is not data: an import never changes an existing account's email.
            errors.append(
                RowError(
                    row.ref,
                    f"the account with staff id {row.staff_id} already has a different email; "
                    f"only an administrator can change it, from {IDENTITY_PAGE}",
                    "email",
                )
            )
            ok = False
        if ok and row.valid:
            planned.append((row, staff, team, area, user))

    # Line management must not go round in a circle.
    managers = {k: r.line_manager_id.casefold() for k, r in in_file.items() if r.line_manager_id}
    reported = set()
    for start in managers:
        seen, node = [], start
        while node in managers and node not in seen:
            seen.append(node)
            node = managers[node]
        if node in seen and node not in reported:
            loop = seen[seen.index(node) :]
            reported.update(loop)
            row = in_file[node]
            errors.append(
                RowError(
                    row.ref,
                    "line management goes round in a circle: "
                    + " → ".join(in_file[k].staff_id for k in [*loop, node]),
                    "line_manager_id",
                )
            )

    # Leavers (a full list): current staff not in the file.
    leavers = []
    if full:
        # Service accounts (API clients, caseaudit.api) are systems, not people: never leavers.
        service_users = set(
            User.objects.filter(service_account__isnull=False).values_list("pk", flat=True)
        )
        for staff in staff_all:
            if staff.user_id in service_users:
                continue
            if staff.left_on is None and staff.staff_id.casefold() not in in_file:
                leavers.append(staff)
                if by is not None and not can_manage_account(actor=by, target=staff.user):
                    errors.append(
                        RowError(
                            RowRef(file_name),
                            f"{staff.name} ({staff.staff_id}) is an administrator: only a system "
                            "administrator can mark them as left"
                            if _target_is_admin(staff)
                            else f"{staff.name} ({staff.staff_id}) has an account with more "
                            "privilege than yours: you cannot mark them as left",
                        )
                    )
        if by is not None and by.is_authenticated:
            me = staff_for_user(by)
            if me is not None and me.staff_id.casefold() not in in_file:
                errors.append(
                    RowError(
                        RowRef(file_name),
                        f"you ({me.staff_id}) are not in this full list: importing it would "
                        "mark you as left",
                    )
                )

    if errors:
        _refuse(
            errors=errors,
            kind=ImportKind.STAFF,
            source_format=ImportFormat.STAFF_CSV,
            file_name=file_name,
            by=by,
            via=via,
            started_at=started_at,
            dry_run=dry_run,
            rows=records,
            warnings=warnings,
            run=run,
        )

    result = ImportResult(
        kind=ImportKind.STAFF,
        file_name=file_name,
        dry_run=dry_run,
        rows=records,
        teams_created=len(new_teams),
        service_areas_created=len(new_areas),
        new_teams=[f'"{t.name}" ({t._area.name})' for t in new_teams.values()],
        new_service_areas=[a.name for a in new_areas.values()],
        warnings=warnings,
    )
    if run is not None and (new_teams or new_areas):
        # A background run's page shows its warnings: name what it creates there.
        verb = "would create" if dry_run else "created"
        if new_areas:
            warnings.append(
                f"This import {verb} {len(new_areas)} service area(s): "
                + ", ".join(f'"{name}"' for name in result.new_service_areas)
            )
        if new_teams:
            warnings.append(
                f"This import {verb} {len(new_teams)} team(s): " + ", ".join(result.new_teams)
            )

    # Work out what changes.
    unusable = make_password(None)
    to_create = []  # (staff, user)
    staff_changes = []
    user_changes = []
    role_changes = []  # (user, old role, new role), for the security log
    all_in_file = {}
    for row, staff, team, area, user in planned:
        is_admin = row.role == Role.ADMIN
        first, last = _split_name(row.name)
        area_field = area if team is None else None
        if staff is None:
            if user is None:
                user = User(username=row.staff_id.lower()[:150], password=unusable)
                user._new = True
                user.email = row.email
            elif not _may_manage(by, user):
                # An existing account (found by its username): only linked by someone who
                # may manage it, and never with a new email (checked above).
                errors.append(_privilege_error(row, user))
                continue
            user.first_name, user.last_name = first, last
            user.is_staff = is_admin or user.is_superuser
            user.is_active = True
            staff = Staff(staff_id=row.staff_id, name=row.name, role=row.role)
            staff._team, staff._area = team, area_field
            to_create.append((staff, user))
            all_in_file[row.staff_id.casefold()] = staff
            result.created += 1
            continue
        all_in_file[row.staff_id.casefold()] = staff
        current_manager = staff_id_of_pk.get(staff.line_manager_id, "")
        changed_staff = (
            staff.name != row.name
            or staff.role != row.role
            or staff.team_id != (team.pk if team else None)
            or (team is not None and team.pk is None)
            or staff.service_area_id != (area_field.pk if area_field else None)
            or (area_field is not None and area_field.pk is None)
            or current_manager != row.line_manager_id.casefold()
            or staff.left_on is not None
        )
        wants_staff_flag = is_admin or user.is_superuser
        changed_user = (
            user.first_name != first
            or user.last_name != last
            or user.is_staff != wants_staff_flag
            or not user.is_active
        )
        if (changed_staff or changed_user) and not _may_manage(by, user):
            errors.append(_privilege_error(row, user))
            continue
        if changed_staff:
            if staff.role != row.role:
                role_changes.append((user, staff.role, row.role))
            staff.name, staff.role, staff.left_on = row.name, row.role, None
            staff._team, staff._area = team, area_field
            staff_changes.append(staff)
        if changed_user:
            user.first_name, user.last_name = first, last
            user.is_staff, user.is_active = wants_staff_flag, True
            user_changes.append(user)
        if changed_staff or changed_user:
            result.updated += 1
        else:
            result.unchanged += 1
    if errors:
        _refuse(
            errors=errors,
            kind=ImportKind.STAFF,
            source_format=ImportFormat.STAFF_CSV,
            file_name=file_name,
            by=by,
            via=via,
            started_at=started_at,
            dry_run=dry_run,
            rows=records,
            warnings=warnings,
            run=run,
        )
    result.left = len(leavers)
    if leavers:
        held = Case.objects.filter(
            allocated_worker__in=[s.pk for s in leavers], closed_on__isnull=True
        ).count()
        if held:
            warnings.append(
                f"{held} open case{'s are' if held != 1 else ' is'} allocated to staff this list "
                "marks as left: reallocate them"
            )

    if dry_run:
        return _dry_run_recorded(result, run=run, source_format=ImportFormat.STAFF_CSV)

    progress.writing(len(to_create) + len(staff_changes) + len(user_changes) + len(leavers))
    with transaction.atomic():
        _claim_write(run)
        ServiceArea.objects.bulk_create(list(new_areas.values()), batch_size=BATCH_SIZE)
        for team in new_teams.values():
            team.service_area = team._area
        Team.objects.bulk_create(list(new_teams.values()), batch_size=BATCH_SIZE)
        new_users = [u for _, u in to_create if getattr(u, "_new", False)]
        User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
        for staff, user in to_create:
            staff.user = user
            staff.team = staff._team
            staff.service_area = staff._area
        Staff.objects.bulk_create([s for s, _ in to_create], batch_size=BATCH_SIZE)
        # Existing accounts linked to new staff records may need their details updated.
        user_changes += [u for _, u in to_create if not getattr(u, "_new", False)]
        for staff in staff_changes:
            staff.team = staff._team
            staff.service_area = staff._area
        # Line managers, now that every record has its key.
        manager_changes = []
        for row, *_ in planned:
            staff = all_in_file[row.staff_id.casefold()]
            key = row.line_manager_id.casefold()
            manager = (all_in_file.get(key) or staff_by_id.get(key)) if key else None
            manager_pk = manager.pk if manager else None
            if staff.line_manager_id != manager_pk:
                staff.line_manager_id = manager_pk
                manager_changes.append(staff)
        changed = {id(s): s for s in staff_changes + manager_changes}
        Staff.objects.bulk_update(
            list(changed.values()),
            ["name", "role", "team", "service_area", "line_manager", "left_on"],
            batch_size=BATCH_SIZE,
        )
        # Never the email or the username: identity is not data (see the checks above).
        User.objects.bulk_update(
            user_changes,
            ["first_name", "last_name", "is_staff", "is_active"],
            batch_size=BATCH_SIZE,
        )
        if leavers:
            Staff.objects.filter(pk__in=[s.pk for s in leavers]).update(left_on=today)
            for leaver in leavers:
                # Ends their sessions and logs ACCOUNT_DISABLED, naming the importer.
                account_disable(user=leaver.user, by=_actor(by), reason=LEAVER_REASON)
        _record_account_events(
            created=[u for _, u in to_create if getattr(u, "_new", False)],
            role_changes=role_changes,
            by=_actor(by),
        )
        result.run = _record_run(
            kind=ImportKind.STAFF,
            source_format=ImportFormat.STAFF_CSV,
            file_name=file_name,
            by=by,
            via=via,
            started_at=started_at,
            status=ImportStatus.SUCCEEDED,
            result=result,
            warnings=warnings,
            run=run,
        )
    return result


# --- cases --------------------------------------------------------------------------------------

CASE_FIELDS = (
    "display_name",
    "subject_type",
    "case_type",
    "date_of_birth",
    "opened_on",
    "closed_on",
    "team_id",
    "allocated_worker_id",
    "first_panel_on",
    "last_audited_on",
)


class _TeamLookup:
    """Teams by code or by name (letter case and spacing do not matter)."""

    def __init__(self):
        self.by_code = {}
        self.by_pk = {}
        self.by_name = defaultdict(list)
        for team in Team.objects.all():
            self.by_pk[team.pk] = team
            self.by_code[team.code.casefold()] = team
            self.by_name[name_key(team.name)].append(team)
        self.cache = {}

    def find(self, text: str) -> tuple[Team | None, str]:
        """(team, "") or (None, what was wrong)."""
        if text in self.cache:
            return self.cache[text]
        key = name_key(text)
        teams = self.by_name.get(key, [])
        if len(teams) == 1:
            answer = (teams[0], "")
        elif len(teams) > 1:
            codes = ", ".join(t.code for t in teams)
            answer = (None, f'"{text}" names several teams ({codes}): use the team code')
        elif key in self.by_code:
            answer = (self.by_code[key], "")
        else:
            answer = (None, f'no team is named or coded "{text}"')
        self.cache[text] = answer
        return answer


class _StaffLookup:
    """Staff by staff ID, and by name within a team."""

    def __init__(self):
        self.by_id = {}
        self.by_team_name = defaultdict(list)
        self.teams_by_name = defaultdict(set)
        rows = Staff.objects.values_list("pk", "staff_id", "name", "team_id", "left_on")
        for pk, staff_id, name, team_id, left_on in rows:
            record = (pk, staff_id, name, team_id, left_on)
            self.by_id[staff_id.casefold()] = record
            self.by_team_name[(team_id, name_key(name))].append(record)
            self.teams_by_name[name_key(name)].add(team_id)

    def find(self, text: str, *, by_name: bool, team: Team | None):
        record = self.by_id.get(text.casefold())
        if record is not None:
            return record, ""
        if not by_name:
            return None, f'no member of staff has staff ID "{text}"'
        if team is None:
            return (
                None,
                f'no member of staff has staff ID "{text}", and there is no team to '
                "look for the name in",
            )
        matches = self.by_team_name.get((team.pk, name_key(text)), [])
        current = [m for m in matches if m[4] is None]
        if len(current) > 1 or (not current and len(matches) > 1):
            ids = ", ".join(m[1] for m in (current or matches))
            return (
                None,
                f'"{text}" names several members of team "{team.name}" ({ids}): use a staff ID',
            )
        if current or matches:
            return (current or matches)[0], ""
        hint = ""
        if self.teams_by_name.get(name_key(text)):
            hint = " (someone of that name works in another team)"
        return None, f'no member of team "{team.name}" is called "{text}"{hint}'


def _write_rows(model, fields, params: list[list], *, update: bool = False) -> None:
    """Write rows to `model`'s table with one prepared statement run for all of them (in chunks
    of WRITE_CHUNK): an INSERT of `fields` (COPY on PostgreSQL), or (`update`) an UPDATE of
    them by primary key, which is each row's last parameter."""
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    # Identifiers come from the model and every value is a bound parameter.
    if update:
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        key = quote(model._meta.pk.column)
        sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608  # nosec B608
    else:
        columns = ", ".join(quote(f.column) for f in fields)
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk load: the same constraints and triggers as INSERT, in
            # the same transaction, about three times faster than executemany for these rows.
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in params:
                    copy.write_row(row)
            return
        values = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        for start in range(0, len(params), WRITE_CHUNK):
            cursor.executemany(sql, params[start : start + WRITE_CHUNK])


_PLAIN_TYPES = frozenset({"CharField", "TextField", "EmailField", "SlugField", "ForeignKey"})


def _preparers(fields, connection, constants: dict):
    """For each field, how to turn a value into a query parameter. Text and keys pass as they
    are, dates use the backend's adapter, constants are prepared once, the rest go through
    `get_db_prep_save` (what `save()` uses)."""
    preparers = []
    for f in fields:
        kind = f.get_internal_type()
        if f.attname in constants:
            value = f.get_db_prep_save(constants[f.attname], connection)
            preparers.append(lambda v, value=value: value)
        elif kind in _PLAIN_TYPES:
            preparers.append(None)
        elif kind == "DateField":
            preparers.append(connection.ops.adapt_datefield_value)
        else:
            preparers.append(lambda v, f=f: f.get_db_prep_save(v, connection))
    return preparers


def _params(values, preparers) -> list:
    return [v if p is None else p(v) for v, p in zip(values, preparers, strict=True)]


def _insert_cases(rows: list[dict], *, now) -> None:
    """Insert new cases (dicts of field values) with one prepared statement run for all rows.

    `bulk_create` and `bulk_update` compile every value into SQL in Python (on SQLite, 100,000
    updates took five minutes); `executemany` writes the same rows in seconds on SQLite and
    PostgreSQL alike. Fields a row does not give take their model default."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: no proxy per value
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    preparers = _preparers(fields, connection, {"created_at": now, "updated_at": now})
    names = [f.attname for f in fields]
    params = [_params([row.get(name, defaults[name]) for name in names], preparers) for row in rows]
    _write_rows(Case, fields, params)


def _update_cases(cases: list[Case], *, now) -> None:
    """Update changed cases in place: one prepared UPDATE by primary key, run for all rows."""
    if not cases:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [Case._meta.get_field(name) for name in (*CASE_FIELDS, "updated_at")]
    preparers = _preparers(fields, connection, {"updated_at": now})
    params = [[*_params([getattr(c, f.attname) for f in fields], preparers), c.pk] for c in cases]
    _write_rows(Case, fields, params, update=True)


def _existing_cases(references: list[str]) -> dict[str, Case]:
    found = {}
    for start in range(0, len(references), LOOKUP_CHUNK):
        chunk = references[start : start + LOOKUP_CHUNK]
        for case in Case.objects.filter(reference__in=chunk).only("pk", "reference", *CASE_FIELDS):
            found[case.reference] = case
    return found


def cases_import(
    *,
    rows: list[CaseRow],
    by,
    dry_run: bool = False,
    file_name: str = "cases.csv",
    source_format: str = ImportFormat.CSV,
    default_team: Team | str = "",
    parse_errors=(),
    warnings=(),
    records: int | None = None,
    via: str = ImportVia.WEB,
    run: ImportRun | None = None,
) -> ImportResult:
    """Create or update cases from parsed rows (any format). `default_team` (a team name or
    code) takes the new cases whose source gives no team (SSDA903, "#N/A" in Annex A).

    Fields a source does not carry (`KEEP`) are left alone on existing cases. The last audit
    date never moves backwards: audits done here update it."""
    started_at = timezone.now()
    errors: list[RowError] = list(parse_errors)
    warnings = list(warnings)
    records = len(rows) if records is None else records

    teams = _TeamLookup()
    staff = _StaffLookup()
    fallback_team = None
    if isinstance(default_team, Team):
        fallback_team = default_team
    elif default_team:
        fallback_team, problem = teams.find(default_team)
        if fallback_team is None:
            errors.append(RowError(RowRef(file_name), problem, "--team"))
    existing = _existing_cases([row.reference for row in rows])

    result = ImportResult(
        kind=ImportKind.CASES,
        file_name=file_name,
        dry_run=dry_run,
        rows=records,
        warnings=warnings,
    )
    to_create: list[dict] = []
    to_update: list[Case] = []
    changes: list[tuple[int, dict]] = []  # (case pk, {field: [old, new]}) for the history
    unallocated_new = 0
    now = timezone.now()
    for row in progress.checking(rows):
        case = existing.get(row.reference)
        ok = True
        # Team: as given, else the case's own, else the default team.
        if row.team is KEEP:
            team = teams.by_pk.get(case.team_id) if case is not None else fallback_team
            if team is None:
                if not default_team:
                    errors.append(
                        RowError(
                            row.ref,
                            "no team is given: choose a team for cases without one (--team)",
                            row.column("team"),
                        )
                    )
                ok = False
        else:
            team, problem = teams.find(row.team)
            if team is None:
                errors.append(RowError(row.ref, problem, row.column("team")))
                ok = False
        # Allocated worker: a staff ID, or (Annex A) a name within the case's team.
        worker_id = KEEP
        if row.worker is None:
            worker_id = None
        elif row.worker is not KEEP:
            record, problem = staff.find(row.worker, by_name=row.worker_by_name, team=team)
            if record is None:
                if team is not None or not row.worker_by_name:
                    errors.append(RowError(row.ref, problem, row.column("worker")))
                ok = False
            else:
                worker_id = record[0]
                closing = row.closed_on if row.valid else dt.date.min
                if closing is KEEP:
                    closing = case.closed_on if case is not None else None
                if record[4] is not None and closing is None:
                    errors.append(
                        RowError(
                            row.ref,
                            f"{record[2]} ({record[1]}) left on {record[4]:%d/%m/%Y}: an open "
                            "case needs a current worker",
                            row.column("worker"),
                        )
                    )
                    ok = False
        if not row.valid:
            continue  # its own errors are already listed
        # Dates
        opened_on = row.opened_on
        if opened_on is KEEP:
            if case is None:
                errors.append(
                    RowError(
                        row.ref,
                        "no start date: the list gives none and the date of birth is empty",
                        row.column("opened_on"),
                    )
                )
                ok = False
            else:
                opened_on = case.opened_on
        closed_on = row.closed_on
        if closed_on is KEEP:
            closed_on = case.closed_on if case is not None else None
        if ok and closed_on is not None and closed_on < opened_on:
            errors.append(
                RowError(
                    row.ref,
                    f"the case would close ({closed_on:%d/%m/%Y}) before it opened "
                    f"({opened_on:%d/%m/%Y})",
                    row.column("closed_on"),
                )
            )
            ok = False
        if not ok or errors:
            continue  # once refused, only look for more errors

        values = {
            "subject_type": row.subject_type,
            "case_type": row.case_type,
            "opened_on": opened_on,
            "closed_on": closed_on,
            "team_id": team.pk,
        }
        if row.display_name is not KEEP:
            values["display_name"] = row.display_name
        if row.date_of_birth is not KEEP:
            values["date_of_birth"] = row.date_of_birth
        if worker_id is not KEEP:
            values["allocated_worker_id"] = worker_id
        if row.first_panel_on is not KEEP:
            values["first_panel_on"] = row.first_panel_on
        if case is None:
            if row.last_audited_on is not KEEP:
                values["last_audited_on"] = row.last_audited_on
            values.setdefault("display_name", row.reference)
            if values.get("allocated_worker_id") is None:
                unallocated_new += 1
            values["reference"] = row.reference
            to_create.append(values)
            continue
        if row.last_audited_on not in (KEEP, None) and (
            case.last_audited_on is None or row.last_audited_on > case.last_audited_on
        ):
            values["last_audited_on"] = row.last_audited_on
        was_open = case.closed_on is None
        changed = {}
        for name, value in values.items():
            old = getattr(case, name)
            if old != value:
                changed[name] = [_history_value(old), _history_value(value)]
                setattr(case, name, value)
        if not changed:
            result.unchanged += 1
            continue
        case.updated_at = now
        to_update.append(case)
        changes.append((case.pk, changed))
        if was_open and closed_on is not None:
            result.closed += 1
        else:
            result.updated += 1

    if errors:
        _refuse(
            errors=errors,
            kind=ImportKind.CASES,
            source_format=source_format,
            file_name=file_name,
            by=by,
            via=via,
            started_at=started_at,
            dry_run=dry_run,
            rows=records,
            warnings=warnings,
            run=run,
        )
    result.created = len(to_create)
    if unallocated_new:
        warnings.append(
            f"{file_name}: {unallocated_new} new case{'s are' if unallocated_new > 1 else ' is'} "
            "unallocated (no worker given)"
        )
    if dry_run:
        return _dry_run_recorded(result, run=run, source_format=source_format)

    progress.writing(len(to_create) + len(to_update))
    stage = _SqliteStage(now=now) if _staging_applies() else None
    try:
        if stage is not None:
            stage.fill(to_create, to_update, changes)  # takes no lock on the database
        with transaction.atomic():  # on SQLite, the write lock from here to the commit
            _claim_write(run)
            if stage is not None:
                stage.apply()
            else:
                _insert_cases(to_create, now=now)
                _update_cases(to_update, now=now)
            if any("team_id" in changed or "case_type" in changed for _pk, changed in changes):
                cases_regrouped(reason="a case import moved cases")
            result.run = _record_run(
                kind=ImportKind.CASES,
                source_format=source_format,
                file_name=file_name,
                by=by,
                via=via,
                started_at=started_at,
                status=ImportStatus.SUCCEEDED,
                result=result,
                warnings=warnings,
                run=run,
            )
            if stage is not None:
                stage.record_events(run=result.run, by=by)
            else:
                _record_case_events(
                    created=[values["reference"] for values in to_create],
                    changes=changes,
                    run=result.run,
                    by=by,
                    now=now,
                )
    finally:
        if stage is not None:
            stage.drop()
    return result


def _history_value(value):
    """A case field's value as the history keeps it (JSON): dates as ISO text."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _record_case_events(*, created: list[str], changes: list[tuple[int, dict]], run, by, now):
    """The cases' history: one `CaseEvent` per case the import created ("imported") or changed
    ("updated", with each changed field's old and new value), naming the import run. Written
    with one prepared INSERT run for all rows, like the cases themselves."""

    if not created and not changes:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    user_id = by.pk if by is not None and by.is_authenticated else None
    new_ids = []
    for start in range(0, len(created), LOOKUP_CHUNK):
        chunk = created[start : start + LOOKUP_CHUNK]
        new_ids += Case.objects.filter(reference__in=chunk).values_list("pk", flat=True)
    fields = [CaseEvent._meta.get_field(name) for name in ("case", "at", "by", "kind", "detail")]
    at = fields[1].get_db_prep_save(now, connection)
    detail = fields[4]
    imported = detail.get_db_prep_save({"import_run": run.pk}, connection)
    params = [[pk, at, user_id, CaseEventKind.IMPORTED.value, imported] for pk in new_ids]
    params += [
        [
            pk,
            at,
            user_id,
            CaseEventKind.UPDATED.value,
            detail.get_db_prep_save({"import_run": run.pk, "changes": changed}, connection),
        ]
        for pk, changed in changes
    ]
    _write_rows(CaseEvent, fields, params)


# --- SQLite: stage the rows in TEMP tables, then apply them in one short transaction -----------
#
# SQLite has one writer at a time: a write transaction holds the database's write lock until it
# ends, and every other write (a sign-in's session, an audit saved) waits for it (up to the busy
# timeout, then fails with "database is locked"). Inserting 100,000 cases and their history row
# by row held it for 9 seconds (updating them, 11). So on SQLite the planned rows are first
# written to TEMP tables (the connection's own temporary database: writing them takes no lock on
# the main database), then applied by a few set-based statements (INSERT ... SELECT, UPDATE ...
# FROM) in the one transaction that also records the run: still all or nothing, and the lock is
# held for about a second per 100,000 rows. PostgreSQL keeps the direct write: its row locks and
# MVCC block neither readers nor writers of other rows.

STAGE_NEW = "imports_stage_new_cases"
STAGE_CHANGED = "imports_stage_changed_cases"
STAGED_SQLITE = (3, 33)  # UPDATE ... FROM


def _staging_applies() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    return (
        connection.vendor == "sqlite"
        and connection.Database.sqlite_version_info >= STAGED_SQLITE
        and getattr(settings, "IMPORT_SQLITE_STAGING", True)
    )


class _SqliteStage:
    """The planned case rows, staged in TEMP tables on this connection (`fill`), then applied
    inside the caller's write transaction (`apply`, `record_events`); `drop` always after."""

    def __init__(self, *, now):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.now = now
        quote = self.connection.ops.quote_name
        self.quote = quote
        self.table = quote(Case._meta.db_table)
        self.pk = quote(Case._meta.pk.column)
        self.new_fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
        self.changed_fields = [Case._meta.get_field(name) for name in (*CASE_FIELDS, "updated_at")]
        self.created = self.changed = 0
        self.groups: list[tuple[str, ...]] = []  # the fields each group of changed cases changes

    def _columns(self, fields) -> str:
        return ", ".join(self.quote(f.column) for f in fields)

    def fill(self, to_create: list[dict], to_update: list[Case], changes) -> None:
        """Write the rows to the TEMP tables. Outside a transaction (a real import), in a
        DEFERRED transaction of its own: it writes only the temporary database, so it never
        takes the main database's write lock."""
        connection = self.connection
        new_columns = self._columns(self.new_fields)
        changed_columns = self._columns(self.changed_fields)
        defaults = {f.attname: f.get_default() for f in self.new_fields}
        new_preparers = _preparers(
            self.new_fields, connection, {"created_at": self.now, "updated_at": self.now}
        )
        changed = self.changed_fields
        changed_preparers = _preparers(changed, connection, {"updated_at": self.now})
        names = [f.attname for f in self.new_fields]
        detail = CaseEvent._meta.get_field("detail")
        changes_by_pk = dict(changes)
        group_of: dict[tuple[str, ...], int] = {}
        for _pk, fields_changed in changes:
            group_of.setdefault(tuple(sorted(fields_changed)), len(group_of))
        new_params = [
            _params([row.get(name, defaults[name]) for name in names], new_preparers)
            for row in to_create
        ]
        changed_params = [
            [
                case.pk,
                *_params([getattr(case, f.attname) for f in changed], changed_preparers),
                detail.get_db_prep_save(changes_by_pk[case.pk], connection),
                group_of[tuple(sorted(changes_by_pk[case.pk]))],
            ]
            for case in to_update
        ]
        self.drop()
        own = connection.get_autocommit() and not connection.in_atomic_block
        # Identifiers come from the models; every value is a bound parameter.
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_NEW} AS "  # noqa: S608  # nosec B608
                f"SELECT {new_columns} FROM {self.table} WHERE 0"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_CHANGED} AS "  # noqa: S608  # nosec B608
                f"SELECT {self.pk}, {changed_columns}, '' AS changes, 0 AS grp "
                f"FROM {self.table} WHERE 0"
            )
            cursor.execute(f"CREATE INDEX temp.{STAGE_CHANGED}_grp ON {STAGE_CHANGED} (grp)")
            if own:
                cursor.execute("BEGIN DEFERRED")
            try:
                self._insert(cursor, STAGE_NEW, len(self.new_fields), new_params)
                self._insert(cursor, STAGE_CHANGED, len(self.changed_fields) + 3, changed_params)
            except BaseException:
                if own:
                    cursor.execute("ROLLBACK")
                raise
            if own:
                cursor.execute("COMMIT")
        self.created, self.changed = len(new_params), len(changed_params)
        self.groups = list(group_of)

    @staticmethod
    def _insert(cursor, table: str, width: int, params: list) -> None:
        values = ", ".join(["%s"] * width)
        sql = f"INSERT INTO temp.{table} VALUES ({values})"  # noqa: S608  # nosec B608
        for start in range(0, len(params), WRITE_CHUNK):
            cursor.executemany(sql, params[start : start + WRITE_CHUNK])

    def apply(self) -> None:
        """Inside the write transaction: insert the new cases, update the changed ones. Each
        UPDATE sets only the fields its group of cases changes (and `updated_at`), so SQLite
        rewrites only the indexes on those fields."""
        new_columns = self._columns(self.new_fields)
        with self.connection.cursor() as cursor:
            if self.created:
                cursor.execute(
                    f"INSERT INTO {self.table} ({new_columns}) "  # noqa: S608  # nosec B608
                    f"SELECT {new_columns} FROM temp.{STAGE_NEW} ORDER BY rowid"
                )
            for number, group in enumerate(self.groups):
                assignments = ", ".join(
                    f"{self.quote(f.column)} = s.{self.quote(f.column)}"
                    for f in self.changed_fields
                    if f.attname in group or f.attname == "updated_at"
                )
                cursor.execute(
                    f"UPDATE {self.table} SET {assignments} "  # noqa: S608  # nosec B608
                    f"FROM temp.{STAGE_CHANGED} AS s "
                    f"WHERE s.grp = %s AND {self.table}.{self.pk} = s.{self.pk}",
                    [number],
                )

    def record_events(self, *, run, by) -> None:
        """Inside the write transaction: the cases' history, as `_record_case_events` writes
        it (the same JSON text), one INSERT ... SELECT for the new cases and one for the
        changed."""
        connection = self.connection
        quote = self.quote
        events = quote(CaseEvent._meta.db_table)
        names = ("case", "at", "by", "kind", "detail")
        fields = [CaseEvent._meta.get_field(name) for name in names]
        columns = self._columns(fields)
        at = fields[1].get_db_prep_save(self.now, connection)
        user_id = by.pk if by is not None and by.is_authenticated else None
        reference = quote(Case._meta.get_field("reference").column)
        with connection.cursor() as cursor:
            if self.created:
                imported = fields[4].get_db_prep_save({"import_run": run.pk}, connection)
                cursor.execute(
                    f"INSERT INTO {events} ({columns}) "  # noqa: S608  # nosec B608
                    f"SELECT c.{self.pk}, %s, %s, %s, %s FROM temp.{STAGE_NEW} AS s "
                    f"JOIN {self.table} AS c ON c.{reference} = s.{reference} ORDER BY s.rowid",
                    [at, user_id, CaseEventKind.IMPORTED.value, imported],
                )
            if self.changed:
                # json.dumps({"import_run": n, "changes": c}), with c already JSON text.
                cursor.execute(
                    f"INSERT INTO {events} ({columns}) "  # noqa: S608  # nosec B608
                    f"SELECT s.{self.pk}, %s, %s, %s, "
                    "'{\"import_run\": ' || %s || ', \"changes\": ' || s.changes || '}' "
                    f"FROM temp.{STAGE_CHANGED} AS s ORDER BY s.rowid",
                    [at, user_id, CaseEventKind.UPDATED.value, run.pk],
                )

    def drop(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{STAGE_NEW}")
            cursor.execute(f"DROP TABLE IF EXISTS temp.{STAGE_CHANGED}")


# --- whole files: parse, then import (what the pages, the commands and, later, a task call) ---


def _refused_file(exc: FileRefused, *, kind, source_format, file_name, by, via, dry_run, run=None):
    error = RowError(RowRef(file_name), str(exc).removeprefix(f"{file_name}: "))
    _refuse(
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
    file,
    file_name: str,
    by,
    full: bool = False,
    dry_run: bool = False,
    allow_new_teams: bool = False,
    via=ImportVia.WEB,
    run: ImportRun | None = None,
) -> ImportResult:
    """Parse a staff list and import it (see `org_import`)."""
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
        file_name=file_name,
        parse_errors=parsed.errors,
        warnings=parsed.warnings,
        records=parsed.records,
        via=via,
        run=run,
    )


def case_file_import(
    *,
    file,
    file_name: str,
    by,
    source_format: str = "",
    episodes=None,
    episodes_name: str = "episodes.csv",
    default_team: Team | str | None = None,
    dry_run: bool = False,
    via=ImportVia.WEB,
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


def estimate_rows(data: bytes, file_name: str = "", *, stop_after: int | None = None) -> int:
    """How many rows a file has, counted by reading it: a CSV's lines, a workbook's rows
    streamed from its sheets (their declared `<dimension>` is not trusted), stopping once past
    `stop_after`. 0 for a file that cannot be read safely (the import then refuses it, saying
    why)."""
    try:
        return count_rows(data, file_name, stop_after=stop_after)
    except FileRefused:
        return 0


def import_rows_for_decision(data: bytes, file_name: str = "") -> int:
    """The rows that decide whether an upload is imported in the request or in the background:
    counted only as far as the threshold (so a large workbook is not read twice in the
    request)."""
    return estimate_rows(data, file_name, stop_after=max(settings.IMPORT_BACKGROUND_ROWS, 0))


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
    by,
    source_format: str = "",
    episodes: bytes | None = None,
    episodes_name: str = "",
    default_team: Team | None = None,
    full: bool = False,
    dry_run: bool = False,
    allow_new_teams: bool = False,
    via: str = ImportVia.WEB,
) -> ImportRun:
    """Record an upload as a queued run holding the file, and enqueue the task that imports it.
    (With the immediate task backend of the tests, the import is done when this returns.)"""
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
        options={
            "full": full,
            "allow_new_teams": allow_new_teams,
            "default_team_id": default_team.pk if default_team else None,
            "episodes_name": episodes_name,
        },
        # A CSV's lines are cheap to count; a workbook's rows are counted by the task.
        progress_total=0 if is_xlsx(data) else estimate_rows(data, file_name),
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
    options = run.options or {}
    tracker = progress.Progress(run.pk)
    outcome = "checked" if run.dry_run else "imported"
    try:
        with progress.reporting(tracker):
            total = estimate_rows(data, run.file_name)
            if episodes:
                total += estimate_rows(episodes, options.get("episodes_name", ""))
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
                    dry_run=run.dry_run,
                    via=run.via,
                    run=run,
                )
            else:
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
    except FileRefused as exc:
        outcome = "refused"
        error = RowError(RowRef(run.file_name), str(exc).removeprefix(f"{run.file_name}: "))
        _record_run(
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


def import_run_is_stale(run: ImportRun, now=None) -> bool:
    """Whether a run is still queued or running with no news for `IMPORT_STALE_MINUTES`."""
    if not run.in_progress:
        return False
    last = run.progress_at or run.started_at
    return (now or timezone.now()) - last > stale_after()


def imports_fail_stale(*, now=None, run_id: int | None = None) -> int:
    """Fail every background run (or only `run_id`) still queued or running with no news for
    `IMPORT_STALE_MINUTES`: its task was cut off (the worker stopped) or never started. Nothing
    of it was written: a run writes all its changes in one transaction that also records its
    success (and re-checks it is still running), so a cut-off run wrote nothing and a failed one
    can no longer write. Its uploaded file is deleted and the person can upload it again.
    Returns how many runs were failed. Run every few minutes by the scheduler, and by the run's
    page when it is read."""
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


def _claim_write(run: ImportRun | None) -> None:
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
