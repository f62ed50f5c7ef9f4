"""Soak test of the SQLite default: the real processes of `make run` on one SQLite file under
concurrent load, with no server error and no "database is locked" anywhere.

What runs (as `make run` runs them, DEBUG=1, on a fresh SQLite file in a temporary folder,
migrated and seeded with `seed_demo --scale small`):
- the web server: `manage.py runserver --noreload` on a free port of 127.0.0.1;
- the task worker: `manage.py run_worker` (django-tasks-db's worker, restarted after a
  database error), polling every 0.2 s;
- the scheduler: `manage.py run_scheduler --interval 2` (lease renewals and checks for due
  jobs every 2 seconds).

The load, for SOAK_SECONDS (60 by default: a minute; the whole test takes about 110 s, most
of the rest being the migration and the seed), from threads of `requests` sessions signed in
through the real sign-in form (sessions are renewed at most once a minute, the database cache
counts the sign-ins):
- Performance Assurance swapping programme allocations ("Swap case": the engine's next
  choice), two threads;
- auditors saving their draft audits (the autosave of the audit's first section page, the
  form as the page renders it), two threads;
- workers saving and submitting their QA responses (autosave, then "Submit"), which notifies
  their supervisors: emails the worker sends;
- a manager browsing the home page, the case list and the programme;
- every few seconds a periodic job is queued for the worker (`run_job NAME --enqueue`: due
  reminders and escalations, the pending-email sweep, the report summary, the clean-ups).

It then asserts: no 5xx answer and no connection error; "database is locked" (and
OperationalError) nowhere in the captured output of the server, the worker, the scheduler
or the `run_job` commands; the worker and the scheduler still running; the load did happen
(swaps, draft saves and submissions succeeded, the queued jobs ran).

Marked `soak`; it runs on its own, `make soak` (CI runs it after `make test`, which leaves it
out to stay quick), on SQLite only (skipped when DATABASE_URL names another database:
PostgreSQL has no single write lock to soak; `make soak` always runs it on SQLite). Before the
SQLite settings of caseaudit/settings.py (WAL, IMMEDIATE transactions, a busy timeout) and the
short email transaction it failed: "database is locked" from the server (500s on "Swap case")
and the worker.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from caseaudit.qa.htmlforms import csrf_token, form_fields


def _answer(name: str) -> str:
    """What the load's workers type in an empty field of the QA response form."""
    if name.endswith("-done_on"):  # the date done: yesterday (never in the future anywhere)
        return time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))
    return "Done: the plan was updated with the family."


pytestmark = [pytest.mark.soak]

ROOT = Path(__file__).resolve().parents[3]
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
PASSWORD = "caseaudit-demo-2026"  # caseaudit.demo.authority.DEMO_PASSWORD
JOBS = ["due_reminders", "pending_emails", "report_summary", "background_files", "stale_imports"]
LOCKED = re.compile(r"database is locked|OperationalError", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def soak_env(db_path: Path, port: int) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CASEAUDIT_TESTING", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        # SOAK_SETTINGS_MODULE: other settings to soak (e.g. without the SQLite OPTIONS, to see
        # this test fail as it did before them).
        DJANGO_SETTINGS_MODULE=os.environ.get("SOAK_SETTINGS_MODULE", "caseaudit.settings"),
        DATABASE_URL=f"sqlite:///{db_path}",
        DEBUG="1",
        REQUIRE_MFA="0",
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(*args, env, log=None, check=True, timeout=180):
    cmd = [sys.executable, "manage.py", *args]
    if log is None:
        return subprocess.run(  # noqa: S603
            cmd, cwd=ROOT, env=env, check=check, capture_output=True, text=True, timeout=timeout
        )
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


class Load:
    """Counts of what the load threads got, shared by the threads."""

    def __init__(self, base: str, deadline: float):
        self.base, self.deadline = base, deadline
        self.lock = threading.Lock()
        self.statuses: dict[str, dict[int, int]] = {}
        self.errors: list[str] = []

    def record(self, kind: str, status: int) -> None:
        with self.lock:
            counts = self.statuses.setdefault(kind, {})
            counts[status] = counts.get(status, 0) + 1

    def ok(self, kind: str) -> int:
        return sum(n for status, n in self.statuses.get(kind, {}).items() if status < 400)

    def server_errors(self) -> dict:
        return {
            kind: {s: n for s, n in counts.items() if s >= 500}
            for kind, counts in self.statuses.items()
            if any(s >= 500 for s in counts)
        }

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def session(self, email: str) -> requests.Session | None:
        """A session signed in through the real sign-in form; None if refused (counted:
        a 5xx fails the test, a refusal only leaves this account out)."""
        session = requests.Session()
        page = session.get(f"{self.base}/accounts/login/", timeout=60)
        response = session.post(
            f"{self.base}/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "login": email,
                "password": PASSWORD,
            },
            timeout=60,
            allow_redirects=False,
        )
        self.record("sign_in", response.status_code)
        return session if response.status_code == 302 else None

    def get(self, session, kind: str, path: str) -> requests.Response:
        response = session.get(self.base + path, timeout=60)
        self.record(kind, response.status_code)
        return response

    def post(self, session, kind: str, path: str, data) -> requests.Response:
        response = session.post(self.base + path, data=data, timeout=60, allow_redirects=False)
        self.record(kind, response.status_code)
        return response


def guarded(load: Load, body):
    def run():
        try:
            body()
        except Exception as exc:  # a connection error, a failed sign-in: reported at the end
            with load.lock:
                load.errors.append(f"{body.__name__}: {type(exc).__name__}: {exc}")

    return threading.Thread(target=run, daemon=True)


def form_with(html: str, field: str) -> list[tuple[str, str]]:
    """The fields of the page's form that has `field` (forms that post to their own page)."""
    for index in range(10):
        try:
            fields = form_fields(html, index=index)
        except (LookupError, IndexError):
            break
        if any(name == field for name, _ in fields):
            return fields
    raise LookupError(f"No form with a {field!r} field on the page")


def rows(db_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path, timeout=30) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def soak_site(tmp_path):
    """The three processes on a fresh, seeded SQLite file; their output in tmp_path/*.log."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite soak test runs on SQLite only")
    db_path = tmp_path / "soak.sqlite3"
    port = free_port()
    env = soak_env(db_path, port)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("seed_demo", "--scale", "small", env=env)
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("server", "worker", "scheduler")}  # noqa: SIM115
    procs = {
        "server": manage(
            "runserver", "--noreload", f"127.0.0.1:{port}", env=env, log=logs["server"]
        ),
        "worker": manage(
            "run_worker", "--interval", "0.2", "--no-startup-delay", env=env, log=logs["worker"]
        ),
        "scheduler": manage("run_scheduler", "--interval", "2", env=env, log=logs["scheduler"]),
    }
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{base}/accounts/login/", timeout=5)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    try:
        yield {"base": base, "db": db_path, "env": env, "procs": procs, "dir": tmp_path}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs.values():
            log.close()


def test_sqlite_serves_the_web_worker_and_scheduler_together_without_locks(soak_site):
    db = soak_site["db"]
    load = Load(soak_site["base"], time.monotonic() + SOAK_SECONDS)
    performance = "performance@demo.caseaudit.example"
    allocations = [
        pk for (pk,) in rows(db, "select id from programme_allocation where status='planned'")
    ]
    drafts = rows(
        db,
        "select a.id, u.email from audits_audit a join organisation_staff s on s.id=a.auditor_id "
        "join auth_user u on u.id=s.user_id where a.status='draft' order by a.id",
    )
    responses = rows(
        db,
        "select r.id, u.email from responses_qaresponse r join organisation_staff s "
        "on s.id=r.worker_id join auth_user u on u.id=s.user_id "
        "where r.status in ('awaiting_worker', 'returned') order by r.id",
    )
    assert allocations and drafts and responses, "the small demo has work to do"

    def swaps(offset):
        def swapping():
            session = load.session(performance)
            assert session is not None, "Performance Assurance could not sign in"
            i = offset
            while load.running():
                pk = allocations[i % len(allocations)]
                page = load.get(session, "swap_page", f"/programme/allocations/{pk}/swap/")
                if page.status_code == 200:
                    path = f"/programme/allocations/{pk}/swap/"
                    load.post(session, "swap", path, form_with(page.text, "reference"))
                i += 2

        return swapping

    def draft_saves(mine):
        def saving():
            sessions = {}
            while load.running():
                for pk, email in mine:
                    if not load.running():
                        break
                    if email not in sessions:
                        sessions[email] = load.session(email)
                    session = sessions[email]
                    if session is None:
                        continue
                    # A page of the audit (the task list has no form): its own fields and
                    # the hidden "page" naming it, as its autosave posts them.
                    path = f"/audits/{pk}/edit/section-1/"
                    page = load.get(session, "audit_edit", path)
                    if page.status_code != 200:
                        continue
                    data = form_fields(page.text, action=path)
                    load.post(session, "audit_autosave", f"/audits/{pk}/autosave/", data)

        return saving

    def submissions():
        sessions = {}
        for pk, email in responses:
            if not load.running():
                break
            if email not in sessions:
                sessions[email] = load.session(email)
            session = sessions[email]
            if session is None:
                continue
            page = load.get(session, "response_page", f"/responses/{pk}/")
            if page.status_code != 200:
                continue
            try:
                data = form_fields(page.text, action=f"/responses/{pk}/")
            except LookupError:
                continue
            autosave = [*data, ("draft_revision", dict(data).get("draft_revision", "0"))]
            load.post(session, "response_autosave", f"/responses/{pk}/autosave/", autosave)
            answers = [(k, v or _answer(k)) for k, v in data]
            load.post(session, "response_submit", f"/responses/{pk}/", answers)

    def browsing():
        session = load.session("team.manager@demo.caseaudit.example")
        assert session is not None, "the Team Manager could not sign in"
        while load.running():
            for path in ("/", "/cases/", "/programme/", "/responses/"):
                load.get(session, "browse", path)

    job_outputs = []

    def jobs():
        i = 0
        while load.running():
            done = manage(
                "run_job", JOBS[i % len(JOBS)], "--enqueue", env=soak_site["env"], check=False
            )
            job_outputs.append(done.stdout + done.stderr)
            i += 1
            time.sleep(2)

    threads = [
        guarded(load, body)
        for body in (
            swaps(0),
            swaps(1),
            draft_saves(drafts[0::2]),
            draft_saves(drafts[1::2]),
            submissions,
            browsing,
            jobs,
        )
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SOAK_SECONDS + 120)
    # Let the worker finish the jobs queued last.
    for _ in range(100):
        queued = rows(db, "select count(*) from jobs_jobrun where status in ('queued', 'running')")
        if queued[0][0] == 0:
            break
        time.sleep(0.2)

    procs = soak_site["procs"]
    alive = {name: proc.poll() is None for name, proc in procs.items()}
    logs = {name: (soak_site["dir"] / f"{name}.log").read_text(errors="replace") for name in procs}
    logs["run_job"] = "\n".join(job_outputs)
    locked = {
        name: [line for line in text.splitlines() if LOCKED.search(line)][:5]
        for name, text in logs.items()
        if LOCKED.search(text)
    }
    job_runs = dict(rows(db, "select status, count(*) from jobs_jobrun group by status"))
    summary = {kind: dict(sorted(c.items())) for kind, c in sorted(load.statuses.items())}

    assert locked == {}, locked
    assert load.server_errors() == {}, summary
    assert not load.errors, load.errors
    assert alive == {"server": True, "worker": True, "scheduler": True}, logs["worker"][-3000:]
    # The load happened: each kind of write succeeded, and the queued jobs ran.
    assert load.ok("swap") > 0, summary
    assert load.ok("audit_autosave") > 0, summary
    # Each draft is saved by one thread, from the page as just read: every autosave saves.
    assert set(load.statuses["audit_autosave"]) == {200}, summary
    assert load.ok("response_submit") > 0, summary
    assert job_runs.get("ok", 0) >= 3, job_runs
    assert job_runs.get("failed", 0) == 0, rows(
        db, "select job, result from jobs_jobrun where status='failed'"
    )
