"""The serving process's garbage collector (caseaudit/core/memory.py): the WSGI module freezes
what it loaded and raises the young generation's threshold."""

import gc
import subprocess  # nosec B404
import sys
from pathlib import Path

from caseaudit.core.memory import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parents[3]


def test_the_wsgi_module_tunes_the_collector():
    code = (
        "import gc\n"
        "before = gc.get_threshold()[0]\n"
        "import caseaudit.wsgi\n"
        "print(before, gc.get_threshold()[0], gc.get_freeze_count() > 10000)\n"
    )
    # Our own interpreter and code, no shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "caseaudit.test_settings",
            "PYTHONPATH": str(ROOT),
        },
    )
    before, after, frozen = result.stdout.split()
    assert (int(before), int(after), frozen) == (700, YOUNG_THRESHOLD, "True")


def test_the_tests_run_with_the_collector_on_tuned_and_frozen():
    """caseaudit/conftest.py turns the collector off while the suite is collected; the tests
    themselves run with it on again, its young generation raised and the collected suite
    frozen out of its sight (as the serving processes' is)."""
    assert gc.isenabled()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_freeze_count() > 0
