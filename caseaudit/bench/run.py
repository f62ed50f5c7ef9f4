"""`make bench`: the figures of issue 9, each measured side by side in one run.

    .venv/bin/python caseaudit/bench/run.py            # small + county (2-5 minutes)
    BENCH_NATIONAL=1 .venv/bin/python caseaudit/bench/run.py   # + national (about 15 more)

It makes fresh PostgreSQL databases (postgres://postgres@127.0.0.1:5432/caseaudit_bench_<scale>;
SQLite files in /tmp, with a note, when PostgreSQL cannot be reached), migrates them and seeds
the demo authority with its audit history: "small" (query counts only, to show they do not
grow), "county" (`seed_demo --scale large`: 10,000 open cases, 500 staff, 60,000 audits) and,
with BENCH_NATIONAL=1, "national" (200,000 cases, 1,000,000 audits). Then, for each scale, in a
process of its own with production settings (DEBUG off, whitenoise's manifest storage):

- the server time (median and p95 of 30 requests after 3 warm-ups, in-process with Django's test
  client signed in as a suitable demo user) and query count of the home page, case list, case
  page, audit form, audit page, programme page, due page and each report page;
- the monthly allocation (`programme.services.allocation_preview`);

and at the county scale also: the rows per second of a 20,000-row case CSV through
`imports.services.case_file_import` against a raw `executemany` INSERT of the same rows into a
scratch table (both rolled back), the audit PDF's render time, and the requests per second of
the case list under gunicorn (2 workers) against a minimal view on the same server
(`caseaudit/bench/urls.py`), 10 seconds each with `wrk` if installed, else a Python loop.

Output: one `name: value` line per figure, then `target.<name>: ok|MISSED` for the targets
(query counts equal at county and national scale, p95 under 300 ms at county and 1 s at
national scale, import at least a third of the raw insert rate, no errors under gunicorn). The
small scale's query counts are a check: `queries.<page>.county_minus_small` (0 unless a list
is empty at the small scale, which saves fetching its rows).

Environment: BENCH_NATIONAL=1 adds the national scale; BENCH_REUSE=1 keeps databases already
seeded by an earlier run (for working on the benchmark itself, not for figures to report).
"""

import math
import os
import re
import shutil
import socket
import statistics
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DB_PREFIX = "caseaudit_bench_"
# (label, seed_demo scale, what is measured there)
SCALES = [
    ("small", "small", "queries"),
    ("county", "large", "all"),
    ("national", "national", "pages"),
]
WARMUPS, REQUESTS = 3, 30
SLOW_SECONDS, SLOW_REQUESTS = 1.0, 10  # pages slower than this get fewer requests
LOAD_SECONDS = 10
IMPORT_ROWS = 20_000
IMPORT_TRIES = 3
P95_TARGET_MS = {"county": 300, "national": 1000}
IMPORT_RATIO_TARGET = 1 / 3


def bench_env(database_url: str) -> dict:
    """Production settings (caseaudit/settings.py) for a local, plain-HTTP benchmark."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="caseaudit.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-8c1f0e",  # noqa: S106  # nosec B106
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        REQUIRE_MFA="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        CASEAUDIT_BENCH="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def emit(name: str, value) -> None:
    if isinstance(value, float):
        value = f"{value:.4g}" if value < 100 else f"{value:.1f}"
    print(f"{name}: {value}", flush=True)


# --- The parent: databases, seeding, one measuring process per scale, targets ---------------


def _pg_connect(dbname="postgres"):
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True, connect_timeout=3)


def _pg_available() -> bool:
    try:
        with _pg_connect() as conn:
            conn.execute("SELECT 1")
        return True
    except Exception as error:  # noqa: BLE001 - any failure means: no PostgreSQL here
        print(f"note: PostgreSQL is not reachable at {PG_SERVER} ({error}); using SQLite files.")
        return False


def _database(label: str, use_pg: bool, reuse: bool) -> tuple[str, bool]:
    """The scale's database URL, fresh (dropped and created) unless reused; and whether it
    was already seeded."""
    name = DB_PREFIX + label
    if use_pg:
        with _pg_connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and reuse:
                return f"{PG_SERVER}/{name}", True
            # The name is ours (DB_PREFIX + a fixed label), not input.
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{PG_SERVER}/{name}", False
    # A scratch benchmark file.
    path = Path(f"/tmp/{name}.sqlite3")  # noqa: S108  # nosec B108
    if path.exists() and reuse:
        return f"sqlite:///{path}", True
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}", False


def _vacuum(url: str, use_pg: bool) -> None:
    if use_pg:
        with _pg_connect(url.rsplit("/", 1)[1]) as conn:
            conn.execute("VACUUM (ANALYZE)")
    else:
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("ANALYZE")


def _run(args: list[str], env: dict, *, capture=False) -> str:
    # Our own interpreter and scripts, no shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        args, env=env, cwd=ROOT, check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else ""


def _measure(label: str, what: str, env: dict, figures: dict) -> None:
    """Run the measuring process for one scale, echoing and keeping its figures."""
    process = subprocess.Popen(  # noqa: S603  # nosec B603
        [sys.executable, __file__, "measure", label, what],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        print(line, end="", flush=True)
        match = re.match(r"^([\w.]+): (.+)$", line.strip())
        if match:
            figures[match[1]] = match[2]
    if process.wait() != 0:
        print(f"error: the {label} measurements failed (exit {process.returncode})")
        figures[f"{label}.failed"] = "1"


def main() -> int:
    started = time.monotonic()
    national = os.environ.get("BENCH_NATIONAL") == "1"
    reuse = os.environ.get("BENCH_REUSE") == "1"
    use_pg = _pg_available()
    emit("database", "postgresql" if use_pg else "sqlite")
    emit("cpu_count", os.cpu_count() or 0)
    figures: dict[str, str] = {}
    python = sys.executable
    collected = False
    for label, scale, what in SCALES:
        if label == "national" and not national:
            continue
        url, seeded = _database(label, use_pg, reuse)
        env = bench_env(url)
        if not seeded:
            t = time.monotonic()
            _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
            emit(f"migrate.{label}.seconds", time.monotonic() - t)
            t = time.monotonic()
            _run([python, __file__, "seed", scale], env)
            emit(f"seed.{label}.seconds", time.monotonic() - t)
            # As autovacuum would have by the time anyone uses the pages.
            t = time.monotonic()
            _vacuum(url, use_pg)
            emit(f"vacuum_analyze.{label}.seconds", time.monotonic() - t)
        elif reuse:  # an earlier run's data, brought up to this code's schema
            _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        if not collected:  # the manifest that production's static storage reads
            _run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
            collected = True
        _measure(label, what, env, figures)
    _targets(figures)
    emit("bench.seconds", time.monotonic() - started)
    return 0


def _targets(figures: dict) -> None:
    pages = sorted(
        {k.split(".")[1] for k in figures if k.endswith(".queries") and k.count(".") == 2}
    )

    def queries(label, page):
        value = figures.get(f"{label}.{page}.queries")
        return int(value) if value is not None else None

    for page in pages:
        # The small scale is a check, not a target: a list empty there (nothing due yet)
        # saves the query that fetches its rows.
        small, county = queries("small", page), queries("county", page)
        if small is not None and county is not None:
            emit(f"queries.{page}.county_minus_small", county - small)
        # The target: county and national scale, both full of data, run the same queries.
        national = queries("national", page)
        if county is not None and national is not None:
            emit(f"target.{page}.queries_constant", "ok" if county == national else "MISSED")
    for label, limit in P95_TARGET_MS.items():
        for page in pages:
            value = figures.get(f"{label}.{page}.p95_ms")
            if value is not None:
                emit(f"target.{label}.{page}.p95", "ok" if float(value) < limit else "MISSED")
    ratio = figures.get("import.vs_executemany_ratio")
    if ratio is not None:
        emit(
            "target.import.vs_executemany",
            "ok" if float(ratio) >= IMPORT_RATIO_TARGET else "MISSED",
        )
    for name in ("gunicorn.case_list.errors", "gunicorn.ping.errors"):
        if name in figures:
            emit(
                f"target.{name.removesuffix('.errors')}.no_errors",
                "ok" if figures[name] == "0" else "MISSED",
            )


# --- Seeding (a child process with the scale's database) --------------------------------------


def seed(scale: str) -> None:
    import django

    django.setup()
    from caseaudit.core import demo

    # The same story at every scale: no QA responses (`responses_demo` is too slow for the
    # large ones), actions resolved with the history instead.
    demo.seed_demo(scale=scale, history=True, responses=False, log=print)


# --- Measuring (a child process with the scale's database) ------------------------------------


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class _Measure:
    def __init__(self, label: str):
        from django.utils import timezone

        from caseaudit.core.demo import demo_email
        from caseaudit.organisation.models import Role, Staff

        self.label = label
        self.today = timezone.localdate()
        self.staff = {
            role: Staff.objects.select_related("user").get(user__email=demo_email(role))
            for role in (
                Role.TEAM_MANAGER,
                Role.PRACTICE_SUPERVISOR,
                Role.PRACTITIONER,
                Role.PERFORMANCE,
                Role.ADMIN,
            )
        }
        self.clients = {}

    def client(self, role):
        from django.test import Client

        if role not in self.clients:
            client = Client()
            client.force_login(self.staff[role].user)
            self.clients[role] = client
        return self.clients[role]

    def pages(self) -> list[tuple[str, str, str]]:
        """(name, role, url): each page as the demo user it matters most to."""
        from django.urls import reverse

        from caseaudit.audits.models import Audit, AuditStatus, UrgentFinding
        from caseaudit.organisation.models import Role

        tm, ps = self.staff[Role.TEAM_MANAGER], self.staff[Role.PRACTICE_SUPERVISOR]
        finding = (
            UrgentFinding.objects.filter(case__team=tm.team, acknowledged_at__isnull=True)
            .order_by("-raised_at")
            .first()
        )
        audit = finding.audit if finding else Audit.objects.filter(case__team=tm.team).first()
        draft = Audit.objects.filter(auditor=ps, status=AuditStatus.DRAFT).first()
        pages = [
            ("home", Role.TEAM_MANAGER, reverse("home")),
            ("case_list", Role.PERFORMANCE, reverse("case_list")),
            ("case_page", Role.TEAM_MANAGER, reverse("case_detail", args=[audit.case_id])),
            ("audit_form", Role.PRACTICE_SUPERVISOR, reverse("audit_edit", args=[draft.pk])),
            ("audit_page", Role.TEAM_MANAGER, reverse("audit_detail", args=[audit.pk])),
            (
                "programme",
                Role.PERFORMANCE,
                reverse("programme_month", args=[self.today.strftime("%Y-%m")]),
            ),
            ("due", Role.PERFORMANCE, reverse("due_list")),
        ]
        pages += self._report_pages()
        self.audit = audit
        return pages

    def _report_pages(self):
        """Every report page (not the downloads), if the reports app is there."""
        from django.urls import URLPattern, reverse

        from caseaudit.organisation.models import Role

        try:
            from caseaudit.reports import urls as report_urls
        except ImportError:
            return []
        pages = []
        for pattern in report_urls.urlpatterns:
            if not isinstance(pattern, URLPattern) or pattern.pattern.converters:
                continue
            name = pattern.name or ""
            if any(word in name for word in ("pdf", "xlsx", "csv", "export")):
                continue
            short = name.removeprefix("report_")
            pages.append((f"report_{short}", Role.PERFORMANCE, reverse(name)))
        return pages

    def page(self, name: str, role, url: str, *, timings: bool) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.client(role)
        warm = []
        for _ in range(WARMUPS if timings else 1):
            t = time.perf_counter()
            response = client.get(url)
            warm.append(time.perf_counter() - t)
            if response.status_code != 200:
                emit(f"{self.label}.{name}.status", response.status_code)
                return
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        emit(f"{self.label}.{name}.queries", len(queries))
        if not timings:
            return
        # A page that takes seconds is measured fewer times, to keep the run short.
        requests = REQUESTS if min(warm) < SLOW_SECONDS else SLOW_REQUESTS
        if requests != REQUESTS:
            emit(f"{self.label}.{name}.requests", requests)
        samples = []
        for _ in range(requests):
            t = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
        emit(f"{self.label}.{name}.median_ms", statistics.median(samples))
        emit(f"{self.label}.{name}.p95_ms", _percentile(samples, 0.95))

    def allocation(self) -> None:
        from caseaudit.programme.due import add_months
        from caseaudit.programme.services import allocation_preview

        month = add_months(self.today.replace(day=1), 1)
        runs = []
        for n in range(4):
            t = time.perf_counter()
            result = allocation_preview(month=month, seed=n)
            if n:  # the first warms the caches
                runs.append(time.perf_counter() - t)
        emit(f"allocation.{self.label}.seconds", statistics.median(runs))
        emit(f"allocation.{self.label}.allocations", len(result.allocations))

    def pdf(self) -> None:
        try:
            from caseaudit.audits.pdf import audit_pdf_bytes
        except ImportError:
            emit("pdf.audit.note", "caseaudit.audits.pdf.audit_pdf_bytes is not there yet")
            return
        from caseaudit.audits.models import Audit

        audit = Audit.objects.get(pk=self.audit.pk)
        audit_pdf_bytes(audit)  # loads fonts and Pango once
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            data = audit_pdf_bytes(audit)
            runs.append(time.perf_counter() - t)
        emit("pdf.audit.seconds", statistics.median(runs))
        emit("pdf.audit.kilobytes", len(data) / 1024)

    def imports(self) -> None:
        """A generated 20,000-row case CSV through the import service, against a raw
        executemany INSERT of the same rows into a scratch table; both rolled back."""
        import csv
        import datetime as dt
        import io
        import random

        from django.db import connection, transaction
        from django.utils import timezone

        from caseaudit.cases.models import Case
        from caseaudit.imports.services import case_file_import
        from caseaudit.organisation.models import Role, Staff

        rng = random.Random(9)
        workers = list(
            Staff.objects.filter(role=Role.PRACTITIONER, team__isnull=False).values_list(
                "pk", "staff_id", "team_id", "team__code"
            )
        )
        types = ["cin", "cp", "cla", "care_leaver", "early_help"]
        rows = []
        for i in range(IMPORT_ROWS):
            pk, staff_id, team_id, team_code = rng.choice(workers)
            dob = self.today - dt.timedelta(days=rng.randint(200, 17 * 365))
            opened = self.today - dt.timedelta(days=rng.randint(10, 900))
            rows.append(
                (
                    f"BENCH{i:06d}",
                    "child",
                    rng.choice(types),
                    f"Bench Child {i}",
                    dob,
                    opened,
                    team_code,
                    staff_id,
                    team_id,
                    pk,
                )
            )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "case_id",
                "subject_type",
                "case_type",
                "name",
                "date_of_birth",
                "opened_on",
                "closed_on",
                "team",
                "allocated_worker_id",
                "first_panel_on",
                "last_audited_on",
            ]
        )
        for ref, subject, kind, name, dob, opened, team_code, staff_id, _t, _w in rows:
            writer.writerow(
                [
                    ref,
                    subject,
                    kind,
                    name,
                    dob.isoformat(),
                    opened.isoformat(),
                    "",
                    team_code,
                    staff_id,
                    "",
                    "",
                ]
            )
        data = out.getvalue().encode()
        admin = self.staff[Role.ADMIN].user

        class Rollback(Exception):
            pass

        def run_import() -> tuple[float, int]:
            t = time.perf_counter()
            try:
                with transaction.atomic():
                    result = case_file_import(
                        file=io.BytesIO(data), file_name="bench-cases.csv", by=admin
                    )
                    elapsed = time.perf_counter() - t
                    raise Rollback
            except Rollback:
                pass
            return elapsed, result.created

        # The same rows, already resolved to ids, with one prepared INSERT.
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
        table = quote("bench_case_scratch")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TABLE {table} (LIKE {quote(Case._meta.db_table)} INCLUDING ALL)"
                )
            else:
                source = quote(Case._meta.db_table)
                create = f"CREATE TABLE {table} AS SELECT * FROM {source} WHERE 0"  # noqa: S608  # nosec B608
                cursor.execute(create)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608

        def run_raw() -> float:
            t = time.perf_counter()
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    for start in range(0, len(params), 5000):
                        cursor.executemany(sql, params[start : start + 5000])
                    elapsed = time.perf_counter() - t
                    raise Rollback
            except Rollback:
                pass
            return elapsed

        # Side by side, alternating, IMPORT_TRIES times each; the best of each is compared, so
        # a moment of other work on the machine does not decide the ratio.
        import_times, raw_times = [], []
        for _ in range(IMPORT_TRIES):
            elapsed, created = run_import()
            import_times.append(elapsed)
            raw_times.append(run_raw())
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        import_rps = IMPORT_ROWS / min(import_times)
        raw_rps = IMPORT_ROWS / min(raw_times)
        emit("import.rows", created)
        emit("import.rows_per_second", import_rps)
        emit("import.executemany_rows_per_second", raw_rps)
        emit("import.vs_executemany_ratio", import_rps / raw_rps)

    def gunicorn(self) -> None:
        """Requests per second of the case list under gunicorn, against /bench/ping, with
        the session cookie of the Performance Assurance demo user (signed in for real)."""
        from django.test import Client

        from caseaudit.core.demo import DEMO_PASSWORD
        from caseaudit.organisation.models import Role

        client = Client()
        response = client.post(
            "/accounts/login/",
            {"login": self.staff[Role.PERFORMANCE].user.email, "password": DEMO_PASSWORD},
        )
        cookie = client.cookies.get("sessionid")
        if response.status_code != 302 or cookie is None:
            emit("gunicorn.note", f"could not sign in (status {response.status_code})")
            return
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        log = open("/tmp/caseaudit-bench-gunicorn.log", "w")  # noqa: S108, SIM115  # nosec B108
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [gunicorn, "caseaudit.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
            env=dict(os.environ),
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        headers = {"Cookie": f"sessionid={cookie.value}"}
        try:
            if not _wait_until_up(base + "/bench/ping", headers):
                emit(
                    "gunicorn.note",
                    "gunicorn did not answer; see /tmp/caseaudit-bench-gunicorn.log",
                )
                return
            emit("gunicorn.load_tool", "wrk" if shutil.which("wrk") else "python")
            results = {}
            for name, path in (("case_list", "/cases/"), ("ping", "/bench/ping")):
                rps, errors = _load(base + path, headers)
                results[name] = rps
                emit(f"gunicorn.{name}.rps", rps)
                emit(f"gunicorn.{name}.errors", errors)
            emit("gunicorn.case_list_vs_ping_rps_ratio", results["case_list"] / results["ping"])
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()


def _get(url: str, headers: dict) -> int:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _wait_until_up(url: str, headers: dict) -> bool:
    for _ in range(100):
        try:
            if _get(url, headers) == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _load(url: str, headers: dict) -> tuple[float, int]:
    """Requests per second and errors (non-200) over LOAD_SECONDS: wrk, or Python threads."""
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run(  # noqa: S603  # nosec B603
            [
                wrk,
                "-t",
                "2",
                "-c",
                "4",
                "-d",
                f"{LOAD_SECONDS}s",
                "--timeout",
                "10s",
                "-H",
                f"Cookie: {headers['Cookie']}",
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        socket_errors = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
        )
        total = int(errors[1]) if errors else 0
        if socket_errors:
            total += sum(int(n) for n in socket_errors.groups())
        return rps, total
    import threading

    done, errors = [0], [0]
    lock = threading.Lock()
    stop = time.monotonic() + LOAD_SECONDS

    def worker():
        while time.monotonic() < stop:
            try:
                ok = _get(url, headers) == 200
            except OSError:
                ok = False
            with lock:
                done[0] += 1
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - started), errors[0]


def measure(label: str, what: str) -> None:
    import django

    django.setup()
    m = _Measure(label)
    for name, role, url in m.pages():
        m.page(name, role, url, timings=what != "queries")
    if what == "queries":
        return
    m.allocation()
    if what == "all":
        m.imports()
        m.pdf()
        m.gunicorn()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if len(sys.argv) > 1 and sys.argv[1] == "seed":
        seed(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
