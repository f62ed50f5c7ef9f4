"""The import's rate in `make bench` (`import.*`): a generated IMPORT_ROWS-row case CSV through
`imports.services.case_file_import`, against a raw `executemany` INSERT of the same rows,
already resolved to ids, into a scratch table. Both are rolled back; each runs IMPORT_TRIES
times, alternating, and the best of each is compared, so a moment of other work on the
machine does not decide the ratio."""

import csv
import datetime as dt
import io
import random
import time
from collections.abc import Callable
from typing import Any

IMPORT_ROWS = 20_000
IMPORT_TRIES = 3
CASE_TYPES = ["cin", "cp", "cla", "care_leaver", "early_help"]


class _Rollback(Exception):
    pass


def import_rates(*, today: dt.date, by) -> dict[str, Any]:
    """{rows, rows_per_second, executemany_rows_per_second, vs_executemany_ratio}."""
    from django.db import connection

    rows = _case_rows(today)
    data = _case_csv(rows)
    run_raw, drop = _raw_insert(rows)
    import_times, raw_times, created = [], [], 0
    try:
        for _ in range(IMPORT_TRIES):
            elapsed, created = _rolled_back(lambda: _import(data, by))
            import_times.append(elapsed)
            raw_times.append(_rolled_back(lambda: (run_raw(), 0))[0])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(drop)
    import_rps = IMPORT_ROWS / min(import_times)
    raw_rps = IMPORT_ROWS / min(raw_times)
    return {
        "rows": created,
        "rows_per_second": import_rps,
        "executemany_rows_per_second": raw_rps,
        "vs_executemany_ratio": import_rps / raw_rps,
    }


def _case_rows(today: dt.date) -> list[tuple]:
    """(reference, subject, case type, name, birth, opened, team code, staff id, team id,
    worker pk) for IMPORT_ROWS new cases allocated to random practitioners."""
    from caseaudit.organisation.models import Role, Staff

    rng = random.Random(9)
    workers = list(
        Staff.objects.filter(role=Role.PRACTITIONER, team__isnull=False).values_list(
            "pk", "staff_id", "team_id", "team__code"
        )
    )
    rows = []
    for i in range(IMPORT_ROWS):
        pk, staff_id, team_id, team_code = rng.choice(workers)
        dob = today - dt.timedelta(days=rng.randint(200, 17 * 365))
        opened = today - dt.timedelta(days=rng.randint(10, 900))
        kind = rng.choice(CASE_TYPES)
        name = f"Bench Child {i}"
        rows.append(
            (f"BENCH{i:06d}", "child", kind, name, dob, opened, team_code, staff_id, team_id, pk)
        )
    return rows


def _case_csv(rows: list[tuple]) -> bytes:
    """The rows as a case list in the import's own template (`csv_template.COLUMNS`)."""
    from caseaudit.imports.parsers.csv_template import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for ref, subject, kind, name, dob, opened, team_code, staff_id, _team, _worker in rows:
        writer.writerow(
            [ref, subject, kind, name, dob.isoformat(), opened.isoformat()]
            + ["", team_code, staff_id, "", ""]
        )
    return out.getvalue().encode()


def _import(data: bytes, by) -> tuple[float, int]:
    from caseaudit.imports.services import case_file_import

    t = time.perf_counter()
    result = case_file_import(file=io.BytesIO(data), file_name="bench-cases.csv", by=by)
    return time.perf_counter() - t, result.created


def _rolled_back(run: Callable[[], tuple[float, int]]) -> tuple[float, int]:
    from django.db import transaction

    try:
        with transaction.atomic():
            outcome = run()
            raise _Rollback
    except _Rollback:
        pass
    return outcome


def _raw_insert(rows: list[tuple]) -> tuple[Callable[[], float], str]:
    """A scratch table shaped like the cases' and a function timing one prepared INSERT of
    the rows into it (5,000 at a time); the statement that drops the table."""
    from django.db import connection
    from django.utils import timezone

    from caseaudit.cases.models import Case

    quote = connection.ops.quote_name
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    now = timezone.now()
    params = []
    for ref, subject, kind, name, dob, opened, _code, _sid, team_id, worker_id in rows:
        values = {
            "reference": ref,
            "display_name": name,
            "subject_type": subject,
            "case_type": kind,
            "date_of_birth": dob,
            "opened_on": opened,
            "team_id": team_id,
            "allocated_worker_id": worker_id,
            "created_at": now,
            "updated_at": now,
        }
        params.append([values.get(f.attname, f.get_default()) for f in fields])
    table, source = quote("bench_case_scratch"), quote(Case._meta.db_table)
    drop = f"DROP TABLE IF EXISTS {table}"
    with connection.cursor() as cursor:
        cursor.execute(drop)
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {table} (LIKE {source} INCLUDING ALL)")
        else:
            create = f"CREATE TABLE {table} AS SELECT * FROM {source} WHERE 0"  # noqa: S608  # nosec B608
            cursor.execute(create)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608

    def run_raw() -> float:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for start in range(0, len(params), 5000):
                cursor.executemany(sql, params[start : start + 5000])
        return time.perf_counter() - t

    return run_raw, drop
