"""Real concurrent requests for the lifecycle-transition tests (audits, responses, cases).

`run_together(calls)` runs each call in its own thread, with its own database connection
(Django's connections are per thread), released together by a `threading.Barrier` so the
requests really overlap; each thread closes its connection when done. The tests using it are
`transaction=True` (the threads must see committed rows) and run on PostgreSQL only: SQLite
takes one writer at a time (IMMEDIATE transactions), so there is no race to lose there; the
same rules are checked on both databases by the service-level "stale transition" tests.
"""

import importlib
import threading

import pytest
from django.apps import apps
from django.db import connection, connections

SKIP_REASON = (
    "concurrent requests need a database server with row locks: SQLite serialises every "
    "write transaction, so there is no race to test (run with DATABASE_URL=postgres://...)"
)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(SKIP_REASON)


def load_shipped_tools() -> None:
    """The shipped tools and bands as their migration loads them (a transactional test's
    flush may have emptied the tables; this does nothing when they are there)."""
    migration = importlib.import_module("caseaudit.audit_tools.migrations.0002_load_shipped_tools")
    migration.load(apps, None)


def run_together(calls, *, timeout: float = 60) -> list:
    """Run every call at the same moment, each in its own thread and connection; return
    their results in order (an exception raised by a call is returned as its result)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001  (handed back to the test)
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, call), daemon=True) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a concurrent request did not finish (a deadlock?)"
    return results
