"""`make bench`: the figures of the README's "Benchmarks", each measured side by side in one run.

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
  page, audit form, audit page, programme page, due page, each report page and each report's
  tabs (`caseaudit/reports/tabs.py`, when the reports have tabs);
- the monthly allocation (`programme.services.allocation_preview`);
- at the national scale, the self-evaluation pack's figures (`selfeval.national.*`:
  `selfeval.figures.pack_figures` for the whole authority and the last 12 months, the first
  call and the p95 of SELFEVAL_RUNS more: the background job's time), when the
  self-evaluation app has them, and the pack's page (`national.selfeval_pack.*`) of a draft
  made and counted for the purpose (rolled back);

and at the county scale also: the rows per second of a 20,000-row case CSV through
`imports.services.case_file_import` against a raw `executemany` INSERT of the same rows into a
scratch table (both rolled back; `caseaudit/bench/import_rate.py`), the audit PDF's render time,
and the requests per second under gunicorn (`caseaudit/bench/load.py`: 2 sync workers, `wrk`
with 2 threads x 20 connections, 10 seconds each, in three rounds: medians) of a bare Django
view with only SecurityMiddleware (`caseaudit/bench/bare_settings.py`, its own gunicorn with the
same arguments), then, signed in as demo users (sending the cookies their browser holds after
its first page: session, CSRF, signed-in marker), `/bench/ping` (`caseaudit/bench/urls.py`: the
app's whole middleware, no view work), the case list, a case page and the home page, each as
`gunicorn.<page>.rps` and `gunicorn.<page>.vs_bare_ratio`. `wrk` is required (`apt-get install
-y wrk`). Before the load, each page's CPU time per request in this process
(`gunicorn.<page>.cpu_ms`: Django's test client, the same user, CPU_REQUESTS requests after 5
warm-ups; `caseaudit/bench/cpu.py` gives the same figure alone, with the queries): on a machine
shared with other work the rates vary from run to run, the CPU time much less.

Output: one `name: value` line per figure, then `target.<name>: ok|MISSED` for the targets
(query counts equal at county and national scale, p95 under 300 ms at county and 1 s at
national scale, except the report pages and their tabs: 300 ms at every scale; import at
least a third of the raw insert rate; under gunicorn, no errors and
at least VS_BARE_TARGETS of the bare view's rate: ping 0.5, case list and case page 0.05, home
0.04). The
small scale's query counts are a check: `queries.<page>.county_minus_small` (0 unless a list
is empty at the small scale, which saves fetching its rows).

Environment: BENCH_NATIONAL=1 adds the national scale; BENCH_REUSE=1 keeps databases already
seeded by an earlier run (for working on the benchmark itself, not for figures to report);
BENCH_ONLY=gunicorn runs only the gunicorn part at county scale (reusing its database when
seeded); BENCH_PROFILE=1 serves the app under cProfile (caseaudit/bench/profiled_wsgi.py: the
rates then mean nothing, the profiles in /tmp do); BENCH_DB_PREFIX names the databases;
REDIS_URL is the cache and session store, as in production (README: Redis is recommended
there); unset, the Redis at REDIS_SERVER (database BENCH_REDIS_DB) if one answers, else
the database (`gunicorn.cache` says which).
"""

import math
import os
import re
import shutil
import statistics
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script (`make bench`): the project's own modules
    sys.path.insert(0, str(ROOT))

from caseaudit.bench.load import (  # noqa: E402
    GUNICORN_ARGS,
    LOAD_CONNECTIONS,
    LOAD_ROUNDS,
    LOAD_THREADS,
    Gunicorn,
    get_status,
    load,
)

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
# BENCH_DB_PREFIX: another prefix for the databases (several people benchmarking on one server).
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "caseaudit_bench_")
# (label, seed_demo scale, what is measured there)
SCALES = [
    ("small", "small", "queries"),
    ("county", "large", "all"),
    ("national", "national", "pages"),
]
WARMUPS, REQUESTS = 3, 30
SLOW_SECONDS, SLOW_REQUESTS = 1.0, 10  # pages slower than this get fewer requests
# Requests per second as a share of the bare Django view's, under the same gunicorn and load.
VS_BARE_TARGETS = {"ping": 0.5, "case_list": 0.05, "case_page": 0.05, "home": 0.04}
CPU_REQUESTS = 100  # in-process requests per page for `gunicorn.<page>.cpu_ms`
SELFEVAL_RUNS = 5  # calls of the self-evaluation pack's figures after the first
P95_TARGET_MS = {"county": 300, "national": 1000}
REPORT_P95_TARGET_MS = 300  # the report pages, at the national scale too
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
        SITE_URL="http://127.0.0.1:8000",
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


REDIS_SERVER = "redis://127.0.0.1:6379"
BENCH_REDIS_DB = 14  # a database of its own: the bench's sessions and counters


def _redis_url() -> str:
    """REDIS_URL if set, else the bench's database of the Redis at REDIS_SERVER if it answers,
    else "" (the cache and sessions in the database)."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    url = f"{REDIS_SERVER}/{BENCH_REDIS_DB}"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 - any failure means: no Redis here
        print(
            f"note: Redis is not reachable at {REDIS_SERVER} ({error}); the cache is the database."
        )
        return ""
    return url


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


def _vacuum(url: str, use_pg: bool, *, full: bool = True) -> None:
    """VACUUM (ANALYZE), or with full=False ANALYZE alone, as autovacuum would."""
    if use_pg:
        with _pg_connect(url.rsplit("/", 1)[1]) as conn:
            conn.execute("VACUUM (ANALYZE)" if full else "ANALYZE")
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
    reuse = os.environ.get("BENCH_REUSE") == "1" or bool(os.environ.get("BENCH_ONLY"))
    use_pg = _pg_available()
    emit("database", "postgresql" if use_pg else "sqlite")
    # Every child process and server started from here inherits it (`bench_env`).
    os.environ["REDIS_URL"] = _redis_url()
    emit("cache", "redis" if os.environ["REDIS_URL"] else "database")
    emit("cpu_count", os.cpu_count() or 0)
    figures: dict[str, str] = {}
    python = sys.executable
    collected = False
    only = os.environ.get("BENCH_ONLY", "")
    if only not in ("", "gunicorn"):
        print(f"error: BENCH_ONLY={only!r}: the only part that runs alone is 'gunicorn'")
        return 2
    if not shutil.which("wrk"):
        print("error: `make bench` loads gunicorn with wrk: install it (apt-get install -y wrk)")
        return 2
    for label, scale, what in SCALES:
        if label == "national" and not national:
            continue
        if only and label != "county":
            continue
        if only:
            what = only
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
            # and its report summaries (a summary a migration added is not built yet).
            _run([python, __file__, "summaries"], env)
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
                # The report pages (and their tabs) answer in 300 ms at every scale.
                page_limit = REPORT_P95_TARGET_MS if page.startswith("report_") else limit
                ok = float(value) < page_limit
                emit(f"target.{label}.{page}.p95", "ok" if ok else "MISSED")
    ratio = figures.get("import.vs_executemany_ratio")
    if ratio is not None:
        emit(
            "target.import.vs_executemany",
            "ok" if float(ratio) >= IMPORT_RATIO_TARGET else "MISSED",
        )
    if "gunicorn.load_tool" in figures or "gunicorn.errors" in figures:
        for page, target in VS_BARE_TARGETS.items():
            ratio = figures.get(f"gunicorn.{page}.vs_bare_ratio")
            ok = ratio is not None and float(ratio) >= target
            emit(f"target.gunicorn.{page}.vs_bare_ratio", "ok" if ok else "MISSED")
        for page in ("bare", *VS_BARE_TARGETS):
            errors = figures.get(f"gunicorn.{page}.errors")
            emit(
                f"target.gunicorn.{page}.no_errors",
                "ok" if errors == "0" and "gunicorn.errors" not in figures else "MISSED",
            )


# --- Seeding (a child process with the scale's database) --------------------------------------


def seed(scale: str) -> None:
    import django

    django.setup()
    from caseaudit.demo import seed as demo

    # The same story at every scale: no QA responses (`responses_demo` is too slow for the
    # large ones), actions resolved with the history instead.
    demo.seed_demo(scale=scale, history=True, responses=False, log=print)


def summaries() -> None:
    """Rebuild the report summaries of a reused database unless every one is built."""
    import django

    django.setup()
    from caseaudit.reports.services import summary_all_built, summary_rebuild

    if not summary_all_built():
        t = time.monotonic()
        summary_rebuild()
        emit("summaries.rebuilt.seconds", time.monotonic() - t)


# --- Measuring (a child process with the scale's database) ------------------------------------


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class _Measure:
    def __init__(self, label: str):
        from django.utils import timezone

        from caseaudit.demo.authority import demo_email
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
        return pages + self._tab_pages()

    def _tab_pages(self):
        """Every tab of every report (`caseaudit.reports.tabs.TABS`, URL `report_<report>_tab`
        with its `tab` slug), if the reports have tabs."""
        from django.urls import NoReverseMatch, reverse

        from caseaudit.organisation.models import Role

        try:
            from caseaudit.reports.tabs import TABS
        except ImportError:
            return []
        pages = []
        for report, tabs in TABS.items():
            for slug, _label in tabs:
                try:
                    url = reverse(f"report_{report}_tab", kwargs={"tab": slug})
                except NoReverseMatch:  # a report whose tabs are not served (yet)
                    continue
                # Figure names are words and dots: "good-practice" -> "good_practice".
                name = f"report_{report}_tab_{slug}".replace("-", "_")
                pages.append((name, Role.PERFORMANCE, url))
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

    def selfeval(self) -> None:
        """`selfeval.<scope>.first_seconds` and `.p95_seconds`: the self-evaluation pack's figures
        (`caseaudit.selfeval.figures.pack_figures`) of the last 12 months, for the whole
        authority: the first call's time and the p95 of SELFEVAL_RUNS more. No request waits
        for them: this is the time of the background job that counts a pack's figures
        (`selfeval.tasks.pack_count_figures_task`, queued when a draft is started or its
        figures refreshed).

        Then the pack's page, as every page is timed (`page`: `<scope>.selfeval_pack.p95_ms`,
        `.median_ms`, `.queries`): a draft of the whole authority for the last 12 months,
        started as the Performance Assurance demo user through `selfeval.services.pack_create`,
        its figures counted by calling `pack_count_figures` directly as the worker would
        (`selfeval.<scope>.count_seconds`; no task backend runs here), in a transaction rolled
        back at the end: nothing is left in the database."""
        try:
            from caseaudit.selfeval.figures import pack_figures
        except ImportError:
            emit("selfeval.note", "caseaudit.selfeval.figures.pack_figures is not there yet")
            return
        from caseaudit.reports.periods import LAST_12_MONTHS, period_range

        start, end = period_range(LAST_12_MONTHS, self.today)
        runs = []
        for _ in range(1 + SELFEVAL_RUNS):
            t = time.perf_counter()
            pack_figures(scope=None, period_start=start, period_end=end, today=self.today)
            runs.append(time.perf_counter() - t)
        emit(f"selfeval.{self.label}.first_seconds", runs[0])
        emit(f"selfeval.{self.label}.p95_seconds", _percentile(runs[1:], 0.95))
        self._selfeval_pack(start, end)

    def _selfeval_pack(self, start, end) -> None:
        """The pack page's figures (`selfeval`), in a transaction rolled back at the end."""
        from django.db import transaction
        from django.urls import reverse

        from caseaudit.organisation.models import Role
        from caseaudit.selfeval import services
        from caseaudit.selfeval.models import PackScope

        class Rollback(Exception):
            pass

        author = self.staff[Role.PERFORMANCE].user
        try:
            with transaction.atomic():
                # The count is queued on commit, which never comes: it is called here instead.
                pack = services.pack_create(
                    by=author,
                    title="Bench self-evaluation",
                    scope_kind=PackScope.AUTHORITY,
                    service=None,
                    period_start=start,
                    period_end=end,
                )
                t = time.perf_counter()
                outcome = services.pack_count_figures(pack_id=pack.pk)
                emit(f"selfeval.{self.label}.count_seconds", time.perf_counter() - t)
                if outcome != "ready":
                    emit(f"selfeval.{self.label}.count_outcome", outcome)
                self.page(
                    "selfeval_pack",
                    Role.PERFORMANCE,
                    reverse("selfeval_pack", args=[pack.pk]),
                    timings=True,
                )
                raise Rollback
        except Rollback:
            pass

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
        """A generated IMPORT_ROWS-row case CSV through the import service, against a raw
        executemany INSERT of the same rows (caseaudit/bench/import_rate.py)."""
        from caseaudit.bench.import_rate import import_rates
        from caseaudit.organisation.models import Role

        for name, value in import_rates(today=self.today, by=self.staff[Role.ADMIN].user).items():
            emit(f"import.{name}", value)

    def gunicorn_pages(self) -> list[tuple[str, object, str]]:
        """(name, role, path) of the pages loaded under gunicorn, each as the demo user the
        in-process timings use for it."""
        from django.urls import reverse

        from caseaudit.audits.models import Audit
        from caseaudit.organisation.models import Role

        tm = self.staff[Role.TEAM_MANAGER]
        audit = getattr(self, "audit", None) or Audit.objects.filter(case__team=tm.team).first()
        return [
            ("ping", Role.PERFORMANCE, "/bench/ping"),
            ("case_list", Role.PERFORMANCE, reverse("case_list")),
            ("case_page", Role.TEAM_MANAGER, reverse("case_detail", args=[audit.case_id])),
            ("home", Role.TEAM_MANAGER, reverse("home")),
        ]

    def _sign_in(self, role) -> str | None:
        """The cookies of the demo user's browser, signed in for real (the password page) and
        after its first page: the session, CSRF and signed-in cookies, as a `Cookie` header."""
        from django.test import Client

        from caseaudit.demo.authority import DEMO_PASSWORD

        client = Client()
        response = client.post(
            "/accounts/login/", {"login": self.staff[role].user.email, "password": DEMO_PASSWORD}
        )
        from django.conf import settings

        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if response.status_code != 302 or cookie is None:
            emit("gunicorn.note", f"could not sign in (status {response.status_code})")
            return None
        # Every cookie a browser holds after its first page, as it would send them: the CSRF
        # cookie (its forms need it) and the signed-in marker; without them every page would
        # make and set them again.
        client.get("/")
        return "; ".join(
            f"{name}={morsel.value}"
            for name, morsel in client.cookies.items()
            if morsel.value  # not one deleted (emptied and expired)
        )

    def gunicorn(self) -> None:
        """Requests per second under gunicorn (GUNICORN_ARGS: 2 sync workers) with the same
        load (wrk, LOAD_THREADS x LOAD_CONNECTIONS, LOAD_SECONDS each): a bare Django view
        with only SecurityMiddleware (caseaudit/bench/bare_settings.py), then /bench/ping and
        the pages, signed in as demo users, in LOAD_ROUNDS rounds; each page's median also as
        a ratio to the bare view's."""
        if not shutil.which("wrk"):
            emit("gunicorn.note", "wrk is not installed (apt-get install wrk): not measured")
            emit("gunicorn.errors", "wrk missing")
            return
        emit("gunicorn.load_tool", "wrk")
        emit("gunicorn.load", f"{LOAD_THREADS} threads x {LOAD_CONNECTIONS} connections")
        emit("gunicorn.workers", GUNICORN_ARGS[1])
        emit("gunicorn.cache", "redis" if os.environ.get("REDIS_URL") else "database")
        from django.conf import settings
        from django.db import connection

        emit("gunicorn.session_engine", settings.SESSION_ENGINE)
        from caseaudit.accounts import local_cache

        # Sessions and users kept by each process until PostgreSQL announces a change (ADR 0015).
        emit("gunicorn.local_auth_cache", "on" if local_cache.enabled() else "off")
        # The import measurement before this rolled back 20,000 cases: their dead rows are
        # ten times the county's live cases, and every page that reads the cases would scan
        # them (the case list at 0.027 of the bare view, against 0.048 once vacuumed).
        # Autovacuum would clear them within a minute, but a server may run without it
        # (autovacuum = off): the bench vacuums as it would.
        t = time.monotonic()
        _vacuum(os.environ["DATABASE_URL"], connection.vendor == "postgresql")
        emit("gunicorn.vacuum_seconds", time.monotonic() - t)
        pages = self.gunicorn_pages()
        cookies = {}
        for _name, role, _path in pages:
            if role not in cookies:
                cookies[role] = self._sign_in(role)
                if cookies[role] is None:
                    return
        self.cpu_per_request(pages)
        bare_env = dict(os.environ, DJANGO_SETTINGS_MODULE="caseaudit.bench.bare_settings")
        bare_server = Gunicorn("caseaudit.wsgi", bare_env)
        profile = os.environ.get("BENCH_PROFILE") == "1"
        app = "caseaudit.bench.profiled_wsgi" if profile else "caseaudit.wsgi"
        server = Gunicorn(app, dict(os.environ))
        with bare_server as bare_base, server as base:
            if bare_base is None:
                return _no_server(bare_server)
            if base is None:
                return _no_server(server)
            loads = [("bare", bare_base + "/bench/ping", {})]
            for name, role, path in pages:
                # wrk counts a redirect (to the sign-in page) as a success: check first.
                status = get_status(base + path, {"Cookie": cookies[role]})
                if status == 200:
                    loads.append((name, base + path, {"Cookie": cookies[role]}))
                else:
                    emit(f"gunicorn.{name}.status", status)
                    emit(f"gunicorn.{name}.errors", "status")
            rates, errors = self._load_rounds(loads)
            for name, url, headers in loads[1:]:  # still signed in at the end
                errors[name] += get_status(url, headers) != 200
        self._emit_rates(rates, errors)
        if profile:
            emit("gunicorn.profile", "/tmp/caseaudit-bench-profile-<pid>.prof")  # noqa: S108  # nosec B108

    @staticmethod
    def _load_rounds(loads) -> tuple[dict[str, list[float]], dict[str, int]]:
        """LOAD_ROUNDS rounds of the bare view and each page in turn: a change in the machine's
        speed during the run (seen here: a third, from one minute to the next) then reaches the
        yardstick and the pages alike, and the median of each leaves out a round's outlier."""
        from django.db import connection

        rates: dict[str, list[float]] = {name: [] for name, _url, _headers in loads}
        errors = dict.fromkeys(rates, 0)
        for _round in range(LOAD_ROUNDS):
            for name, url, headers in loads:
                if name != "bare":
                    # Each load adds thousands of access-log rows about one case within
                    # seconds, which no real case sees; planned on statistics from before
                    # them, the case page's "who has looked" query sorted them all (0.94 ms for
                    # 2,389 views, against 0.23 ms reading the newest from the index). The
                    # statistics are made as fresh as autovacuum keeps them.
                    _vacuum(
                        os.environ["DATABASE_URL"], connection.vendor == "postgresql", full=False
                    )
                rps, failed = load(url, headers)
                rates[name].append(rps)
                errors[name] += failed
        return rates, errors

    @staticmethod
    def _emit_rates(rates: dict[str, list[float]], errors: dict[str, int]) -> None:
        bare = statistics.median(rates["bare"])
        emit("gunicorn.rounds", LOAD_ROUNDS)
        for name, runs in rates.items():
            emit(f"gunicorn.{name}.rps", statistics.median(runs))
            emit(f"gunicorn.{name}.rps_rounds", " ".join(f"{rps:.1f}" for rps in runs))
            emit(f"gunicorn.{name}.errors", errors[name])
            if name != "bare":
                emit(f"gunicorn.{name}.vs_bare_ratio", statistics.median(runs) / bare)

    def cpu_per_request(self, pages) -> None:
        """`gunicorn.<page>.cpu_ms`: this process's CPU time per request of each page."""
        from caseaudit.bench.cpu import page_cost

        for name, role, path in pages:
            client = self.client(role)
            for _ in range(5):
                client.get(path)
            cpu, _wall = page_cost(client, path, CPU_REQUESTS)
            emit(f"gunicorn.{name}.cpu_ms", cpu)


def _no_server(server: Gunicorn) -> None:
    emit("gunicorn.note", server.note)
    emit("gunicorn.errors", "no server")


def measure(label: str, what: str) -> None:
    import django

    django.setup()
    m = _Measure(label)
    # As the serving processes do (caseaudit/wsgi.py): this process stands for one of them.
    from caseaudit.core.memory import tune_garbage_collector

    tune_garbage_collector()
    if what == "gunicorn":  # BENCH_ONLY=gunicorn
        m.gunicorn()
        return
    for name, role, url in m.pages():
        m.page(name, role, url, timings=what != "queries")
    if what == "queries":
        return
    m.allocation()
    if label == "national":
        m.selfeval()
    if what == "all":
        m.imports()
        m.pdf()
        m.gunicorn()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "seed":
        seed(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "summaries":
        summaries()
    elif len(sys.argv) > 1 and sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
