"""Writing an import's plan (`caseaudit.imports.plan`) in one transaction, all or nothing, with
the run's record: `staff_apply` and `cases_apply`.

The staff writes are `bulk_create` / `bulk_update`. The cases, which come by the hundred
thousand, are written with one prepared statement run for all rows (`executemany`; COPY on
PostgreSQL), and on SQLite staged in TEMP tables first so the write lock is held briefly
(`_SqliteStage`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from caseaudit.accounts.models import SecurityEventKind
from caseaudit.accounts.services import account_disable, security_event_record
from caseaudit.cases.models import Case, CaseEvent, CaseEventKind
from caseaudit.cases.services import cases_regrouped
from caseaudit.core.typing import By
from caseaudit.organisation.models import ServiceArea, Staff, Team

from . import progress
from .plan.cases import CASE_FIELDS, LOOKUP_CHUNK, CasePlan
from .plan.staff import StaffPlan
from .runs import Attempt, ImportResult, actor, claim_write

BATCH_SIZE = 2000
WRITE_CHUNK = 5000
LEAVER_REASON = "staff import: leaver"
User = get_user_model()


# --- staff --------------------------------------------------------------------------------------


def staff_apply(plan: StaffPlan, *, attempt: Attempt, result: ImportResult, today) -> None:
    """Write a staff import's plan and record its run, in one transaction. Leavers are marked
    as left on `today` and their accounts disabled."""
    by = attempt.by
    progress.writing(
        len(plan.to_create) + len(plan.staff_changes) + len(plan.user_changes) + len(plan.leavers)
    )
    with transaction.atomic():
        claim_write(attempt.run)
        _create_places(plan)
        new_users = _create_staff(plan)
        # Existing accounts linked to new staff records may need their details updated.
        user_changes = plan.user_changes + [
            u for _, u in plan.to_create if not getattr(u, "_new", False)
        ]
        for staff in plan.staff_changes:
            staff.team = staff._team
            staff.service_area = staff._area
        changed = {id(s): s for s in plan.staff_changes + _link_managers(plan)}
        Staff.objects.bulk_update(
            list(changed.values()),
            ["name", "role", "team", "service_area", "line_manager", "left_on"],
            batch_size=BATCH_SIZE,
        )
        # Never the email or the username: identity is not data (see `plan.staff`).
        User.objects.bulk_update(
            user_changes,
            ["first_name", "last_name", "is_staff", "is_active"],
            batch_size=BATCH_SIZE,
        )
        if plan.leavers:
            Staff.objects.filter(pk__in=[s.pk for s in plan.leavers]).update(left_on=today)
            for leaver in plan.leavers:
                # Ends their sessions and logs ACCOUNT_DISABLED, naming the importer.
                account_disable(user=leaver.user, by=actor(by), reason=LEAVER_REASON)
        _record_account_events(created=new_users, role_changes=plan.role_changes, by=actor(by))
        result.run = attempt.record_success(result)


def _create_places(plan: StaffPlan) -> None:
    ServiceArea.objects.bulk_create(list(plan.new_areas.values()), batch_size=BATCH_SIZE)
    for team in plan.new_teams.values():
        team.service_area = team._area
    Team.objects.bulk_create(list(plan.new_teams.values()), batch_size=BATCH_SIZE)


def _create_staff(plan: StaffPlan) -> list:
    """Create the new accounts and staff records; returns the new accounts."""
    new_users = [u for _, u in plan.to_create if getattr(u, "_new", False)]
    User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
    for staff, user in plan.to_create:
        staff.user = user
        staff.team = staff._team
        staff.service_area = staff._area
    Staff.objects.bulk_create([s for s, _ in plan.to_create], batch_size=BATCH_SIZE)
    return new_users


def _link_managers(plan: StaffPlan) -> list[Staff]:
    """Line managers, now that every record has its key; returns the staff whose manager
    changes."""
    manager_changes = []
    for row, *_ in plan.planned:
        staff = plan.all_in_file[row.staff_id.casefold()]
        key = row.line_manager_id.casefold()
        manager = (plan.all_in_file.get(key) or plan.known.staff_by_id.get(key)) if key else None
        manager_pk = manager.pk if manager else None
        if staff.line_manager_id != manager_pk:
            staff.line_manager_id = manager_pk
            manager_changes.append(staff)
    return manager_changes


def _record_account_events(*, created, role_changes, by: By) -> None:
    """The security log: each account an import creates, and each role it changes."""
    for user in created:
        security_event_record(
            kind=SecurityEventKind.ACCOUNT_CREATED, user=user, by=by, detail="staff import"
        )
    for user, old, new in role_changes:
        security_event_record(
            kind=SecurityEventKind.ROLE_CHANGED, user=user, by=by, detail=f"{old} → {new}"
        )


# --- cases --------------------------------------------------------------------------------------


def cases_apply(plan: CasePlan, *, attempt: Attempt, result: ImportResult) -> None:
    """Write a case import's plan, the cases' history and the run's record in one transaction
    (on SQLite, staged first: see `_SqliteStage`)."""
    by, now = attempt.by, plan.now
    progress.writing(len(plan.to_create) + len(plan.to_update))
    stage = _SqliteStage(now=now) if _staging_applies() else None
    try:
        if stage is not None:
            stage.fill(plan.to_create, plan.to_update, plan.changes)  # takes no database lock
        with transaction.atomic():  # on SQLite, the write lock from here to the commit
            claim_write(attempt.run)
            if stage is not None:
                stage.apply()
            else:
                _insert_cases(plan.to_create, now=now)
                _update_cases(plan.to_update, now=now)
            if plan.regroups:
                cases_regrouped(reason="a case import moved cases")
            result.run = attempt.record_success(result)
            if stage is not None:
                stage.record_events(run=result.run, by=by)
            else:
                _record_case_events(
                    created=[values["reference"] for values in plan.to_create],
                    changes=plan.changes,
                    run=result.run,
                    by=by,
                    now=now,
                )
    finally:
        if stage is not None:
            stage.drop()


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


def _record_case_events(
    *, created: list[str], changes: list[tuple[int, dict]], run, by: By, now
) -> None:
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

    def _rows(self, to_create: list[dict], to_update: list[Case], changes):
        """The staged rows' parameters (new cases; changed cases with their changes and group)
        and the groups: the fields each group of changed cases changes."""
        connection = self.connection
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
        return new_params, changed_params, list(group_of)

    def fill(self, to_create: list[dict], to_update: list[Case], changes) -> None:
        """Write the rows to the TEMP tables. Outside a transaction (a real import), in a
        DEFERRED transaction of its own: it writes only the temporary database, so it never
        takes the main database's write lock."""
        connection = self.connection
        new_columns = self._columns(self.new_fields)
        changed_columns = self._columns(self.changed_fields)
        new_params, changed_params, groups = self._rows(to_create, to_update, changes)
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
        self.groups = groups

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

    def record_events(self, *, run, by: By) -> None:
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
