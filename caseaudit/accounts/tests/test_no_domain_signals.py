"""No Django signals for domain behaviour (docs/CONVENTIONS.md, docs/adr/0003): a step that
matters is a service, called explicitly. The only receivers allowed are listed here, each with
why it is not domain behaviour. Adding a receiver anywhere in the project fails this test
until it is either removed or justified in ALLOWED.

Two checks: every receiver connected at run time (all of Django's, allauth's and
django-tasks' signals, found through the garbage collector) whose function lives in
`caseaudit`, and every `.connect(` / `@receiver` in the source (a receiver connected lazily).
"""

import gc
import re
import weakref
from pathlib import Path

from django.dispatch import Signal

SOURCE = Path(__file__).resolve().parents[2]  # the caseaudit package

# Security logging from the sign-in frameworks (allauth and django.contrib.auth offer no other
# hook): they write the security log and stamp the session; no domain behaviour.
SECURITY_LOGGING = {
    "caseaudit.accounts.receivers.signed_in",
    "caseaudit.accounts.receivers.sign_in_failed",
    "caseaudit.accounts.receivers.signed_out",
    "caseaudit.accounts.receivers.authenticator_added",
    "caseaudit.accounts.receivers.authenticator_reset",
    "caseaudit.accounts.receivers.authenticator_deleted",
    "caseaudit.accounts.receivers.authenticator_used",
    "caseaudit.accounts.receivers.mfa_failed",
    "caseaudit.accounts.receivers.password_reset",
    "caseaudit.accounts.receivers.password_changed",
}
# Infrastructure, not domain behaviour.
INFRASTRUCTURE = {
    # Forgets the in-process cache of closure days when one is saved or deleted.
    "caseaudit.core.working_days._clear_closure_days",
    # Installs the shipped audit tools after `migrate` (setup, as a data migration would).
    "caseaudit.audit_tools.apps.ensure_shipped_tools",
}
# Domain receivers still being replaced by explicit service calls: shrink this to nothing.
# (The audits, cases, programme, reports and responses receivers are already gone.)
PENDING_REMOVAL: set[str] = set()

ALLOWED = SECURITY_LOGGING | INFRASTRUCTURE | PENDING_REMOVAL

# Source files that may contain `.connect(` / `@receiver`, and why.
ALLOWED_FILES = {
    "accounts/receivers.py": "the security-logging receivers above",
    "accounts/apps.py": "connects those receivers (receivers.connect())",
    "core/working_days.py": "the closure-day cache above",
    "audit_tools/apps.py": "the shipped tools above",
    "accounts/sso.py": "allauth's sociallogin.connect(): linking an account, not a signal",
    "bench/run.py": "database connections of the benchmark, not signals",
    "accounts/local_cache.py": "psycopg.connect(): the listener's database connection",
}


def _name(func) -> str:
    func = getattr(func, "__func__", func)  # a bound method
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def connected_project_receivers() -> set[str]:
    names = set()
    # The test processes freeze what lives for the whole run (caseaudit/conftest.py), and
    # gc.get_objects() does not list frozen objects: thaw them to look, freeze them again.
    gc.unfreeze()
    try:
        objects = gc.get_objects()
    finally:
        gc.freeze()
    # type(), not isinstance(): a lazy object (request.user) would load itself to answer.
    for signal in [obj for obj in objects if issubclass(type(obj), Signal)]:
        for entry in signal.receivers:
            receiver = entry[1]
            if isinstance(receiver, weakref.ReferenceType):
                receiver = receiver()
            if receiver is not None and _name(receiver).startswith("caseaudit."):
                names.add(_name(receiver))
    return names


def test_only_allowed_receivers_are_connected():
    connected = connected_project_receivers()
    assert connected, "the security-logging receivers should be connected"
    unexpected = connected - ALLOWED
    assert not unexpected, (
        f"Signal receivers with no place here: {sorted(unexpected)}. Call a service "
        "explicitly instead (no signals for domain behaviour)."
    )


def test_the_account_receivers_that_disabled_accounts_are_gone():
    connected = connected_project_receivers()
    assert "caseaudit.accounts.receivers.user_saved" not in connected
    assert "caseaudit.accounts.receivers.user_loaded" not in connected


CONNECT = re.compile(r"\.connect\(|@receiver\b")


def test_no_other_file_connects_a_receiver():
    offending = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if "/tests/" in f"/{relative}" or "/migrations/" in relative:
            continue
        if relative in ALLOWED_FILES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CONNECT.search(line) and not line.lstrip().startswith("#"):
                offending.append(f"{relative}:{number}: {line.strip()}")
    assert not offending, "Receivers connected outside the allowed files:\n" + "\n".join(offending)
