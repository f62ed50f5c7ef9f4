"""New Django processes for the tests of the production settings, forked from a server.

The settings tests start Django as production does: a process of its own, the settings module
read from nothing but the environment given (`run_settings`, `manage.py check --deploy`).
Starting a Python interpreter and importing Django for each took about half a second of CPU,
some twenty-five times a run. Each test process keeps one server instead: a Python process that
has imported Django's own modules (the ORM, forms, templates, the test client) and nothing that
reads settings, neither caseaudit nor a settings module. For each run it forks a child, which
clears the environment and sets the one given, points its stdout and stderr at files, and runs
the code as `python -c` would (an uncaught exception prints its traceback and exits 1). The
settings module, the apps and caseaudit's code are imported fresh in every child: what the
tests check (which settings an environment gives, whether Django starts) happens in the child
as in a new process. A child took 0.2 s of CPU against 0.5 for a new interpreter.

    result = run_python(env, "import django; django.setup(); print(...)")
    result.returncode, result.stdout, result.stderr   # as subprocess.run gives them
"""

import atexit
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Imported by the server before it forks: Django's modules that read no settings on import.
PRELOAD = (
    "django.db.models",
    "django.http",
    "django.urls",
    "django.forms",
    "django.template.defaulttags",
    "django.test",
    "django.core.serializers.json",
    "django.contrib.sessions.backends.base",
    "asyncio",
    "pydantic",
)

# The server: reads one JSON request a line, forks a child for it, answers the child's exit
# status. The child never touches the server's pipes (stdin from /dev/null).
SERVER = r"""
import importlib, json, os, sys, traceback
for name in sys.argv[1:]:
    importlib.import_module(name)
requests, answers = sys.stdin, sys.stdout
for line in requests:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.environ.clear()
            os.environ.update(job["env"])
            os.chdir(job["cwd"])
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            out = os.open(job["stdout"], os.O_WRONLY | os.O_TRUNC)
            err = os.open(job["stderr"], os.O_WRONLY | os.O_TRUNC)
            os.dup2(out, 1)
            os.dup2(err, 2)
            sys.stdin = open(0, closefd=False)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False)
            sys.argv = job["argv"]
            try:
                exec(compile(job["code"], "<string>", "exec"), {"__name__": "__main__"})
                code = 0
            except SystemExit as stop:
                if stop.code is None:
                    code = 0
                elif isinstance(stop.code, int):
                    code = stop.code
                else:
                    print(stop.code, file=sys.stderr)
                    code = 1
            except BaseException:
                traceback.print_exc()
                code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps(os.waitstatus_to_exitcode(status)) + "\n")
    answers.flush()
"""


class _Server:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed code
                [sys.executable, "-c", SERVER, *PRELOAD],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                start_new_session=True,  # its children in its process group, to stop them all
            )
        return self.process

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def run(self, job: dict, timeout: float) -> int:
        with self.lock:
            process = self._start()
            assert process.stdin and process.stdout
            process.stdin.write(json.dumps(job) + "\n")
            process.stdin.flush()
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ)
                if not selector.select(timeout):
                    self.stop()  # the server and its child: a new server for the next run
                    raise subprocess.TimeoutExpired(job["argv"], timeout)
            return json.loads(process.stdout.readline())


_SERVER = _Server()
atexit.register(_SERVER.stop)


def run_python(
    env: dict, code: str, *, argv: tuple[str, ...] = ("-c",), timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run `code` in a new Django process with exactly `env` as its environment, in the
    project's folder; returns what `subprocess.run(..., capture_output=True, text=True)` would."""
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        out.touch()
        err.touch()
        job = {
            "env": env,
            "code": code,
            "argv": list(argv),
            "cwd": str(ROOT),
            "stdout": str(out),
            "stderr": str(err),
        }
        returncode = _SERVER.run(job, timeout)
        return subprocess.CompletedProcess(
            list(argv), returncode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
        )


def run_manage(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python manage.py <args>` in a new Django process (`run_python`)."""
    code = (ROOT / "manage.py").read_text(encoding="utf-8")
    return run_python(env, code, argv=("manage.py", *args), timeout=timeout)
