"""The migrated SQLite test database of the suite (caseaudit/conftest.py), made once and copied.

Migrating the test database from nothing takes each test process about as long as a hundred
view tests (Django builds the state of every model for every migration, ours and the
libraries'), and `make test` runs several processes. The first process to need it migrates as
before and keeps a copy of the result (`TEMPLATE_DIR`); the others, and later runs, copy that
file into their in-memory database with SQLite's backup API, then send `post_migrate` as
`migrate` would (the content types, permissions and shipped tools it ensures are already in the
copy, so it finds them).

The copy is named by a digest of everything that shapes the migrated database: the Python and
Django versions, the locked dependencies, every installed app's migration files and every file
of `caseaudit` outside its tests and conftest.py (migrations import our modules and load our
data files), each named by its path inside the checkout. Any change to one of them makes a new
copy. A file lock makes the other processes of a run wait for the first one's copy instead of
migrating beside it.

The copies are kept in the user's cache folder (`$XDG_CACHE_HOME/caseaudit/test-db`, else
`~/.cache/caseaudit/test-db`), not in the checkout: a new clone of the same code on the same
machine (CI clones the repository afresh each time) finds the copy an earlier run made, as pip
and uv find their downloads. The newest `KEEP` copies are kept, so that checkouts of different
code on one machine do not remove each other's copy in the middle of a run; a copy removed all
the same is made again (and a flush is a real flush until then).

The same copy also replaces the flush after each transactional test (the browser tests):
Django empties every table and sends `post_migrate` again (about 0.13 s a test); copying the
kept database back gives the same tables (no rows of the test's; the content types,
permissions and shipped tools `post_migrate` makes) in a few milliseconds.

Only an in-memory SQLite test database is copied (the default suite); PostgreSQL and SQLite
files migrate and flush as before. CASEAUDIT_TEST_DB_TEMPLATE=0 turns it off.
"""

import fcntl
import hashlib
import os
import sqlite3
import sys
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from sqlite3 import connect as sqlite_connect

ROOT = Path(__file__).resolve().parents[1]


def template_dir(environ: Mapping[str, str]) -> Path:
    """CASEAUDIT_TEST_DB_TEMPLATE_DIR, else the user's cache folder."""
    if environ.get("CASEAUDIT_TEST_DB_TEMPLATE_DIR"):
        return Path(environ["CASEAUDIT_TEST_DB_TEMPLATE_DIR"])
    cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "caseaudit" / "test-db"


TEMPLATE_DIR = template_dir(os.environ)
# How many copies (of different code) are kept.
KEEP = 4
SOURCE_SUFFIXES = {".py", ".json", ".sql", ".csv", ".txt", ".yaml", ".yml"}


def enabled() -> bool:
    return os.environ.get("CASEAUDIT_TEST_DB_TEMPLATE", "1") != "0"


def digest() -> str:
    """What the migrated database is made from, as a short hex digest."""
    import django
    from django.apps import apps

    h = hashlib.sha256()
    h.update(f"{sys.version}|{django.__version__}".encode())
    files = {ROOT / "requirements-dev.lock"}
    for config in apps.get_app_configs():
        files.update(Path(config.path, "migrations").glob("*.py"))
    for path in (ROOT / "caseaudit").rglob("*"):
        if path.suffix in SOURCE_SUFFIXES and not {"tests", "__pycache__", "conftest.py"} & set(
            path.parts
        ):
            files.add(path)
    for path in sorted(files):
        if path.is_file():
            h.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:20]


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    partial = target_path.with_suffix(f".{os.getpid()}.partial")
    target = sqlite_connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
    os.replace(partial, target_path)  # whole or not at all, for the processes that read it


def _remove_others(keep: Path) -> None:
    """Remove all but the `KEEP` newest copies (`keep`, just made, among them)."""

    def age(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # removed by another checkout's run meanwhile
            return 0.0

    others = sorted((p for p in keep.parent.glob("*.sqlite3") if p != keep), key=age)
    for old in others[: max(0, len(others) - (KEEP - 1))]:
        old.unlink(missing_ok=True)
        old.with_suffix(".lock").unlink(missing_ok=True)


def install() -> Callable[[], None]:
    """Make `migrate` of an in-memory SQLite test database copy the kept one (or make it);
    returns the function that puts `migrate` back."""
    from django.core.management.commands import flush, migrate
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connections

    original = migrate.Command.handle
    done: set[str] = set()
    key = digest()

    def handle(self, *args, **options):
        alias = options["database"]
        connection = connections[alias]
        if alias in done or connection.vendor != "sqlite" or not connection.is_in_memory_db():
            return original(self, *args, **options)
        done.add(alias)
        path = TEMPLATE_DIR / f"{key}-{alias}.sqlite3"
        with _locked(path):
            connection.ensure_connection()
            if path.is_file():
                source = sqlite_connect(path)
                try:
                    source.backup(connection.connection)
                finally:
                    source.close()
                emit_post_migrate_signal(options["verbosity"], False, alias)
                return None
            result = original(self, *args, **options)
            _copy(connection.connection, path)
            _remove_others(path)
            return result

    def flush_handle(self, **options):
        alias = options.get("database", "default")
        connection = connections[alias]
        path = TEMPLATE_DIR / f"{key}-{alias}.sqlite3"
        if alias not in done or not connection.is_in_memory_db() or not path.is_file():
            return flush_original(self, **options)
        _restore(path, connection, post_migrate=not options.get("inhibit_post_migrate"))
        return None

    flush_original = flush.Command.handle
    migrate.Command.handle = handle
    flush.Command.handle = flush_handle

    def uninstall() -> None:
        migrate.Command.handle = original
        flush.Command.handle = flush_original

    return uninstall


def _restore(path: Path, connection, *, post_migrate: bool) -> None:
    """The in-memory database made again as the kept copy: what a flush followed by
    `post_migrate` leaves (the copy was kept after `migrate` sent it: content types,
    permissions, the shipped tools), in a few milliseconds rather than a DELETE on every
    table and the receivers' work again. The content types' cache is emptied, as the flush's
    `post_migrate` empties it."""
    from django.contrib.contenttypes.models import ContentType

    connection.ensure_connection()
    source = sqlite_connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    if post_migrate:
        ContentType.objects.clear_cache()
