"""The load of `make bench`'s gunicorn figures: a gunicorn server for the duration of a `with`
(GUNICORN_ARGS: 2 sync workers, as production's default) and `wrk` against it
(LOAD_THREADS x LOAD_CONNECTIONS for LOAD_SECONDS)."""

import re
import shutil
import socket
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOAD_SECONDS = 10
LOAD_ROUNDS = 3  # the bare view and the pages in turn, three times; each figure is the median
LOAD_THREADS, LOAD_CONNECTIONS = 2, 20
GUNICORN_ARGS = ["-w", "2"]  # sync workers, as production's default
GUNICORN_LOG = "/tmp/caseaudit-bench-gunicorn.log"  # noqa: S108  # nosec B108


class Gunicorn:
    """A gunicorn server for the duration of a `with`: its base URL, or None (and `note` says
    why) if it did not come up."""

    def __init__(self, app: str, env: dict):
        self.app, self.env, self.note = app, env, ""

    def __enter__(self) -> str | None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.log = open(GUNICORN_LOG, "a")  # noqa: SIM115
        self.server = subprocess.Popen(  # noqa: S603  # nosec B603
            [gunicorn, self.app, *GUNICORN_ARGS, "-b", f"127.0.0.1:{port}"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
        )
        base = f"http://127.0.0.1:{port}"
        if not _wait_until_up(base + "/bench/ping", {}):
            self.note = f"gunicorn ({self.app}) did not answer; see {GUNICORN_LOG}"
            return None
        return base

    def __exit__(self, *exc) -> None:
        self.server.terminate()
        self.server.wait(timeout=20)
        self.log.close()


def get_status(url: str, headers: dict) -> int:
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
            if get_status(url, headers) in (200, 302):
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def load(url: str, headers: dict) -> tuple[float, int]:
    """Requests per second and errors (non-2xx/3xx answers, socket errors) over LOAD_SECONDS
    with wrk (`apt-get install wrk`)."""
    header_args = []
    for name, value in headers.items():
        header_args += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603  # nosec B603
        [
            shutil.which("wrk"),
            "-t",
            str(LOAD_THREADS),
            "-c",
            str(LOAD_CONNECTIONS),
            "-d",
            f"{LOAD_SECONDS}s",
            "--timeout",
            "10s",
            *header_args,
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
