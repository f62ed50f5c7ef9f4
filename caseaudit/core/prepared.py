"""Querysets of a fixed shape turned into SQL once per process, not on every request.

Building a queryset and compiling it to SQL is most of the cost of a small query in Django:
1.3 ms of CPU for the signed-in user's staff record with its team, service and line manager,
against 0.1 ms to run the same SQL (`make bench`). The pages every request shows (the staff
record in the header, the case page's case and audits) ask the same questions with different
values, so `PreparedQuery` compiles the queryset once, with stand-in values, and afterwards
runs the SQL with the real values and builds the model instances (with their select_related
objects and annotations) exactly as the queryset would have.

Only the values given as arguments change between runs: the queryset's shape (its filters,
joins, ordering and slice) must not depend on them, and whatever else it depends on (a user's
case scope, a page size) goes in the `key`. Arguments are integers, strings (the stand-ins
must reach the SQL unchanged; None is refused: Django writes `IS NULL` for it, another shape)
or aware datetimes (compared with a DateTimeField: the backend's own form of one is
recognised too). The compiled form is kept per database connection (each thread has its
own) and per key, at most `KEPT` keys per query (a few kilobytes each), so a change of
settings or database is compiled afresh.

    staff_query = PreparedQuery(
        lambda user_id: Staff.objects.select_related("team").filter(user_id=user_id)
    )
    staff_query(user.pk)                                  # a list of Staff
    cases_query(pk, key=scope_key, build=lambda pk: case_visible_qs(user).filter(pk=pk))
    PreparedQuery(kind=COUNT)(staff.pk, build=...)        # the number of rows, an int
    PreparedQuery(kind=ROWS)(...)                         # the rows of a values_list()

A filter that can match nothing (`pk__in=[]`) is compiled as Django runs it: no query, no rows.

On PostgreSQL the SQL is also prepared on the server (psycopg's `prepare=True`, once per
connection), so PostgreSQL plans it once rather than on every run: planning these queries,
with the case scope's subqueries, took longer than running them (`make bench`). Django leaves
prepared statements off for connection poolers in transaction mode that do not support them
(PgBouncer before 1.21): settings.DATABASE_PREPARED_STATEMENTS (environment variable
DATABASE_PREPARED_STATEMENTS=0) turns this off; the queries are then only compiled once.
"""

import datetime as dt
import itertools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

KEPT = 500
# Each prepared query's own name for its compiled forms on a connection (never reused, as an
# id() of a query gone could be).
_numbers = itertools.count()
M = TypeVar("M", bound=Model)
MODELS, COUNT, ROWS = "models", "count", "rows"
# Stand-ins for the arguments while compiling: values no query of this app uses.
_INT_STAND_INS = [-2_000_000_011 - n for n in range(8)]
_STR_STAND_INS = [f"\x1fprepared-argument-{n}\x1f" for n in range(8)]
_DATETIME_STAND_INS = [
    dt.datetime(1901, 2, 3, 4, 5, 6, 700_001 + n, tzinfo=dt.UTC) for n in range(8)
]


def _stand_in(n: int, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _DATETIME_STAND_INS[n]
    return _INT_STAND_INS[n] if type(value) is int else _STR_STAND_INS[n]


def _derived_from_a_stand_in(param: Any) -> bool:
    """Whether a value of the compiled query looks made from a stand-in rather than equal to
    one: a number next to them, a text containing one, a time in their year."""
    if isinstance(param, int) and not isinstance(param, bool):
        return abs(param - _INT_STAND_INS[0]) < 1_000_000
    if isinstance(param, str):
        return "prepared-argument-" in param or param.startswith("1901-02-03")
    if isinstance(param, dt.datetime):
        return param.year == 1901
    return False


def _argument_forms(stand_ins: tuple, connection) -> dict:
    """Each form an argument may take in the compiled query's values -> (its number, how to
    turn the real argument into that form): the value itself, the value wrapped in the
    backend's type (psycopg's Int8 for a bigint column; applied when the query runs), or a
    date and time as the backend writes it (SQLite: text in UTC)."""
    forms: dict = {}
    for n, value in enumerate(stand_ins):
        if isinstance(value, dt.datetime):
            forms[value] = (n, None)
            adapted = connection.ops.adapt_datetimefield_value(value)
            if adapted != value:
                forms[adapted] = (n, connection.ops.adapt_datetimefield_value)
        else:
            forms[value] = (n, None)
    return forms


class _Compiled:
    def __init__(self, queryset: QuerySet, stand_ins: tuple, kind: str) -> None:
        self.kind, self.db = kind, queryset.db
        self.empty = False
        if kind == COUNT:
            queryset = queryset.order_by().values("pk")
        compiler = queryset.query.get_compiler(using=self.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            self.empty = True
            return
        if kind == COUNT:
            sql = f"SELECT COUNT(*) FROM ({sql}) prepared_count"  # noqa: S608  # nosec B608
        forms = _argument_forms(stand_ins, connections[self.db])
        slots = []  # per value: None (a constant) or (argument number, how to write it)
        for param in params:
            found = None
            if isinstance(param, int | str | dt.datetime) and not isinstance(param, bool):
                found = forms.get(param)
            if (
                found is not None
                and found[1] is None
                and isinstance(param, int)
                and type(param) is not int
            ):
                found = (found[0], type(param))  # wrapped in the backend's type
            if found is None and _derived_from_a_stand_in(param):
                raise ValueError(
                    "PreparedQuery: the query uses an argument changed (a pattern, a sum...): "
                    "its compiled form would keep the first value"
                )
            slots.append(found)
        if {slot[0] for slot in slots if slot is not None} != set(range(len(stand_ins))):
            raise ValueError(
                "PreparedQuery: an argument did not reach the SQL unchanged (prepare only "
                "integers, strings and dates and times that the query compares with columns)"
            )
        self.sql, self.params, self.slots = sql, list(params), slots
        # What reading the rows needs, not the compiler (it holds the whole query: a hundred
        # kilobytes for a scoped one, kept for each user's scope).
        self.width = compiler.col_count if compiler.has_extra_select else None
        self.converters = list(
            compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]]).items()
        )
        if kind == MODELS:
            select, klass_info = compiler.select, compiler.klass_info
            self.model = klass_info["model"]
            fields = klass_info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
            self.populators = get_related_populators(klass_info, select, self.db)
            self.annotations = list((compiler.annotation_col_map or {}).items())

    def run(self, args: tuple) -> Any:
        if self.empty:
            return 0 if self.kind == COUNT else []
        params = [
            value if slot is None else args[slot[0]] if slot[1] is None else slot[1](args[slot[0]])
            for value, slot in zip(self.params, self.slots, strict=True)
        ]
        connection = connections[self.db]
        cursor = _preparing_cursor(connection) if _server_prepares(connection) else None
        with cursor or connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.kind == COUNT:
            return rows[0][0]
        if self.width is not None:
            rows = [row[: self.width] for row in rows]
        if self.converters:  # as SQLCompiler.apply_converters
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (functions, expression) in self.converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
        if self.kind == ROWS:
            return [tuple(row) for row in rows]
        objects = []
        model, db, init_list, start, end = self.model, self.db, self.init_list, self.start, self.end
        for row in rows:
            obj = model.from_db(db, init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class PreparedQuery:
    """A query compiled once per connection and key (see the module's docstring).

    `build(*stand_ins)` returns the queryset (given here, or at each call when it needs more
    than the arguments, e.g. the user whose scope the `key` names). `kind`: MODELS (a list of
    instances), COUNT (the number of rows) or ROWS (a list of tuples, for a values_list())."""

    def __init__(self, build: Callable[..., QuerySet] | None = None, *, kind: str = MODELS):
        self.build, self.kind = build, kind
        self.attribute = f"_caseaudit_prepared_{next(_numbers)}"

    def __call__(
        self,
        *args: Any,
        key: Hashable = None,
        build: Callable[..., QuerySet] | None = None,
        using: str = "default",
    ) -> Any:
        for value in args:
            if type(value) not in (int, str) and not (
                isinstance(value, dt.datetime) and value.tzinfo is not None
            ):
                raise TypeError(
                    f"PreparedQuery arguments are int, str or an aware datetime, not {type(value)}"
                )
        connection = connections[using]
        # Kept on the connection object: the thread's own.
        compiled_by_key = connection.__dict__.get(self.attribute)
        if compiled_by_key is None:
            compiled_by_key = connection.__dict__[self.attribute] = {}
        compiled = compiled_by_key.get(key)
        if compiled is None:
            build = build or self.build
            if build is None:
                raise TypeError("PreparedQuery: no build function")
            stand_ins = tuple(_stand_in(n, value) for n, value in enumerate(args))
            queryset = build(*stand_ins)
            if queryset.db != using:
                raise ValueError("PreparedQuery: the queryset reads another database")
            compiled = _Compiled(queryset, stand_ins, self.kind)
            if len(compiled_by_key) >= KEPT:
                compiled_by_key.clear()
            compiled_by_key[key] = compiled
        return compiled.run(args)


def _server_prepares(connection) -> bool:
    """PostgreSQL with psycopg 3, prepared statements on, and connections kept between
    requests (CONN_MAX_AGE): preparing costs a round trip, which only a connection used again
    repays."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return (
        is_psycopg3
        and getattr(settings, "DATABASE_PREPARED_STATEMENTS", False)
        and connection.settings_dict.get("CONN_MAX_AGE", 0) != 0
    )


_preparing_cursor_class: list[type] = []


def _preparing_cursor(connection):
    """A cursor of `connection` (PostgreSQL, psycopg 3) whose statements are prepared on the
    server: as Django's own cursor (the same wrapper, so the query is logged and counted, the
    same time zone), but binding values on the server, which preparing needs."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    if not _preparing_cursor_class:

        class PreparingCursor(ServerBindingCursor):
            def execute(self, query, params=None, *, prepare=None, binary=None):
                super().execute(query, params, prepare=True, binary=binary)
                # What Django logs as the query (psycopg keeps it only when not prepared).
                self._query = self._converted
                return self

            def _convert_query(self, query, params=None):
                self._converted = super()._convert_query(query, params)
                return self._converted

        _preparing_cursor_class.append(PreparingCursor)
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = _preparing_cursor_class[0](connection.connection)
        # As Django's create_cursor: the connection's time zone for timestamps read.
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
        return connection._prepare_cursor(cursor)


class PreparedInsert:
    """A new row of `model`, added as `Model.save()` adds one (pre_save and post_save sent,
    `pre_save` of each field applied, e.g. auto_now_add, the primary key read back), with the
    INSERT compiled once per connection and, on PostgreSQL, prepared on the server. For the
    access log, which every page about a child writes. Values are plain values (no SQL
    expressions: they would change the statement)."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.attribute = f"_caseaudit_prepared_insert_{next(_numbers)}"

    def __call__(self, obj: M, *, using: str = "default") -> M:
        from django.db.models import signals
        from django.db.models.sql import InsertQuery

        model, meta = self.model, self.model._meta
        if type(obj) is not model or obj.pk is not None:
            raise ValueError("PreparedInsert: a new instance of its model")
        connection = connections[using]
        compiled = connection.__dict__.get(self.attribute)
        if compiled is None:
            fields = [
                f
                for f in meta.local_concrete_fields
                if not f.generated and f is not meta.auto_field
            ]
            query = InsertQuery(model)
            query.insert_values(fields, [model()])
            compiler = query.get_compiler(using=using)
            compiler.returning_fields = meta.db_returning_fields
            [(sql, params)] = compiler.as_sql()
            if len(params) != len(fields):
                raise ValueError("PreparedInsert: a field with an SQL expression")
            returned = (
                [field.get_col(meta.db_table) for field in meta.db_returning_fields]
                if connection.features.can_return_columns_from_insert
                else []
            )
            compiled = connection.__dict__[self.attribute] = (sql, fields, compiler, returned)
        sql, fields, compiler, returned = compiled
        obj._prepare_related_fields_for_save(operation_name="save")
        signals.pre_save.send(
            sender=model, instance=obj, raw=False, using=using, update_fields=None
        )
        params = [compiler.prepare_value(f, compiler.pre_save_val(f, obj)) for f in fields]
        cursor = _preparing_cursor(connection) if _server_prepares(connection) else None
        with cursor or connection.cursor() as cursor:
            cursor.execute(sql, params)
            if returned:
                rows = [
                    connection.ops.fetch_returned_insert_columns(cursor, compiler.returning_params)
                ]
            else:  # no RETURNING (an old SQLite): the new row's id
                rows = [(connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column),)]
                returned = [meta.pk.get_col(meta.db_table)]
        converters = compiler.get_converters(returned)
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        for value, column in zip(rows[0], returned, strict=True):
            setattr(obj, column.target.attname, value)
        obj._state.adding = False
        obj._state.db = using
        signals.post_save.send(
            sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
        )
        return obj
