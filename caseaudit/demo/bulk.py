"""Writing the demo history's rows in bulk.

`Sink` collects one model's rows (tuples, primary keys included, so rows can refer to each
other before they are written) and writes them: on PostgreSQL with `COPY` (psycopg's
`cursor.copy()`), about five times faster at the large scales (set `CASEAUDIT_DEMO_COPY=0` to
compare), elsewhere with `bulk_create`. `bulk_load` drops and remakes the tables' constraints
and indexes around a PostgreSQL load; `reset_sequences` moves the sequences on afterwards.
"""

import datetime as dt
import json
import os
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from caseaudit.cases.models import Case

BULK_BATCH = 2000


def use_copy() -> bool:
    """COPY on PostgreSQL unless CASEAUDIT_DEMO_COPY=0 (to compare with bulk_create)."""
    return connection.vendor == "postgresql" and os.environ.get("CASEAUDIT_DEMO_COPY") != "0"


class Sink:
    """Rows (tuples of attribute values) of one model, written in bulk: with COPY on
    PostgreSQL, `bulk_create` elsewhere. Primary keys are given in the rows."""

    def __init__(self, model, names):
        self.model, self.names = model, names
        fields = [model._meta.get_field(n) for n in names]
        # COPY writes every column: those the rows leave out take the model's defaults.
        self.rest = [f for f in model._meta.concrete_fields if f.attname not in names]
        self.rest_values = tuple(
            json.dumps(f.get_default()) if isinstance(f, models.JSONField) else f.get_default()
            for f in self.rest
        )
        self.columns = [f.column for f in fields + self.rest]
        self.json = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        # Fields that would overwrite the given value with "now" on bulk_create.
        self.auto_now = [f for f in fields if getattr(f, "auto_now_add", False)]
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        if use_copy():
            quote = connection.ops.quote_name
            sql = (
                f"COPY {quote(self.model._meta.db_table)} "
                f"({', '.join(quote(c) for c in self.columns)}) FROM STDIN"
            )
            json_at, rest = self.json, self.rest_values
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in self.rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i], ensure_ascii=False)
                        row = tuple(row)
                    copy.write_row(row + rest if rest else row)
        else:
            names, model = self.names, self.model
            objs = [model(**dict(zip(names, row, strict=True))) for row in self.rows]
            for f in self.auto_now:
                f.auto_now_add = False  # keep the history's own times (restored below)
            try:
                model.objects.bulk_create(objs, batch_size=BULK_BATCH)
            finally:
                for f in self.auto_now:
                    f.auto_now_add = True
        self.written += len(self.rows)
        self.rows = []


@contextmanager
def bulk_load(models_):
    """On PostgreSQL (with COPY), load the tables as pg_restore does: their foreign keys,
    unique constraints and secondary indexes are dropped while the rows are copied in and made
    again afterwards, in the same transaction. Each foreign key is then checked by one join over
    the whole table instead of a trigger per row (at the large scales that saves most of the
    time). Elsewhere nothing changes."""
    if not use_copy():
        yield
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        # Check now the foreign keys of rows written earlier in this transaction (tables with
        # such checks pending cannot be altered); Django's are deferred again at the end.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) "
            "AND c.contype IN ('f', 'u') ORDER BY c.contype DESC, c.conname",
            [tables],
        )
        constraints = cursor.fetchall()  # unique ones first, so they are made again first
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
            "AND c.conrelid = i.indrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        quote = connection.ops.quote_name
        # Names come from the database's own catalogue, not from input.
        for table, name, _kind, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, _kind, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def analyze(models_) -> None:
    """Fresh planner statistics for tables just filled in bulk (on PostgreSQL, where queries
    planned on the old ones can take seconds instead of milliseconds until autovacuum comes
    round to them)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def next_id(model) -> int:
    """The first primary key free after the table's rows (ids are given in the rows)."""
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(models_) -> None:
    """Move the tables' id sequences past the ids given in the rows."""
    sql = connection.ops.sequence_reset_sql(no_style(), models_)
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def set_last_audited(changes: list[tuple[int, dt.date | None]]) -> None:
    """Write each case's last audit date: one UPDATE from a COPY-filled temporary table on
    PostgreSQL, `bulk_update` elsewhere."""
    if not changes:
        return
    if use_copy():
        table = connection.ops.quote_name(Case._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE demo_last_audited (id bigint PRIMARY KEY, d date) "
                "ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY demo_last_audited (id, d) FROM STDIN") as copy:
                for row in changes:
                    copy.write_row(row)
            # The table name comes from the model; no value is interpolated.
            cursor.execute(
                f"UPDATE {table} SET last_audited_on = t.d "  # noqa: S608  # nosec B608
                "FROM demo_last_audited t WHERE " + f"{table}.id = t.id"
            )
            cursor.execute("DROP TABLE demo_last_audited")
    else:
        Case.objects.bulk_update(
            [Case(pk=pk, last_audited_on=day) for pk, day in changes],
            ["last_audited_on"],
            batch_size=500,
        )


def update_rows(model, objects, names: list[str]) -> None:
    """Write `names` of each of `objects` (rows that exist): one UPDATE statement run for
    every row (`executemany`), the values prepared by their fields as `save()` prepares them.
    `bulk_update` builds a CASE expression per row and field in Python: 12,000 actions took
    it 12 CPU seconds, most of what the demo's QA responses cost."""
    if not objects:
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    pk = model._meta.pk
    # The table and column names come from the model; every value is a parameter.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET "  # noqa: S608  # nosec B608
        + ", ".join(f"{quote(f.column)} = %s" for f in fields)
        + f" WHERE {quote(pk.column)} = %s"
    )
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
        + [pk.get_db_prep_save(obj.pk, connection)]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
