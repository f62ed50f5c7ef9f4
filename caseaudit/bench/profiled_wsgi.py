"""The app's WSGI application under cProfile, for `BENCH_PROFILE=1 make bench` only.

Each gunicorn worker profiles every request it serves and writes its statistics to
/tmp/caseaudit-bench-profile-<pid>.prof every 100 requests (and when it exits); read them with
`python -m pstats` or `caseaudit/bench/run.py profile-report`."""

import atexit
import cProfile
import os

from caseaudit.wsgi import application as _application

_profile = cProfile.Profile()
_served = [0]
PATH = "/tmp/caseaudit-bench-profile-{pid}.prof"  # noqa: S108  # nosec B108


def _dump() -> None:
    _profile.dump_stats(PATH.format(pid=os.getpid()))


atexit.register(_dump)


def application(environ, start_response):
    _profile.enable()
    try:
        return list(_application(environ, start_response))
    finally:
        _profile.disable()
        _served[0] += 1
        if _served[0] % 100 == 0:
            _dump()
