"""Who is signed in, kept in each server process and dropped the moment it changes.

Every request reads its session (Redis, else the database) and its user with their staff
record (PostgreSQL): two round trips before any page does its own work, half the cost of a
request that does little else (docs/adr/0009-signed-in-state-kept-per-process.md). On
PostgreSQL this module keeps both in the process once read, and stays exact:

- Triggers (migration accounts 0012) notify the channel `caseaudit_auth` when a change to
  the sessions, users, staff records, teams or services commits: "s:<md5 of the session
  key>" for a session, "u" for the others (a role, a team, a password, an account disabled).
  The count of unread notifications in every page's header is kept the same way: "n:<staff
  id>" when one of theirs is added, read or deleted (migration notifications 0008).
- Each process listens on a connection of its own (a daemon thread). A notification drops
  what it names: that session, or every user kept. A change made anywhere (another process,
  the admin, an import's bulk update, psql) is seen here within the time the notification
  takes to arrive, as if the request had started a moment earlier.
- Nothing is kept, and nothing kept is used, while the listener is not listening (starting,
  its connection lost, reconnecting): every request then reads as before. What is kept is
  also never older than MAX_AGE_SECONDS, so a connection that dies without a word can leave
  nothing stale for longer than that.
- A read that a notification overtakes (the change committed while it ran) is not kept
  (`_generation`).

Each request gets objects of its own (kept as bytes this process pickled itself: nothing
from outside is ever unpickled), so nothing one request does to
its session or user reaches another. Off on SQLite (no notifications), in tests (the
`settings` fixture turns it on: caseaudit/accounts/tests/test_local_cache.py) and with
LOCAL_AUTH_CACHE=0 (a connection pooler in transaction mode cannot hold a LISTEN).
"""

import hashlib
import logging
import os
import pickle  # nosec B403
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "caseaudit_auth"
MAX_AGE_SECONDS = 5.0
# A process keeps at most this many sessions (a busy authority's signed-in staff, many
# times over); past it they are all dropped, to be read again.
MAX_SESSIONS = 20_000
USERS = "u"
LISTENER_NAME = "caseaudit-auth-listener"
NOTIFIER_NAME = "caseaudit-auth-notifier"  # `notify`'s short connections, told apart
# How long the listener waits for a notification before checking its connection (and
# whether it should still listen).
LISTEN_WAKE_SECONDS = 30.0

T = TypeVar("T")

_sessions: dict[str, tuple[float, bytes]] = {}
_users: dict[int, tuple[float, bytes]] = {}
# Each member of staff's count of unread notifications (the header of every page), by staff id.
_unread: dict[int, tuple[float, bytes]] = {}
# Changed on every notification and whenever listening starts or stops; a read is kept
# only if it has not changed while the read ran.
_generation = 0
# The last notification heard (tests wait for one of their own: everything sent before it
# has then been heard too).
_heard = ""
_listening = False
# The listener this process runs now: (pid, token). A listener whose own pair is no longer
# this one stops (after a fork, or `stop`).
_listener: tuple[int, object] | None = None
_lock = threading.Lock()
_thread: threading.Thread | None = None
_params: dict | None = None


def enabled() -> bool:
    return bool(getattr(settings, "CASEAUDIT_LOCAL_AUTH_CACHE", False)) and (
        connections["default"].vendor == "postgresql"
    )


def session_key_digest(session_key: str) -> str:
    """The session key as the trigger names it (the key itself never goes on the channel)."""
    return hashlib.md5(session_key.encode(), usedforsecurity=False).hexdigest()


def session_data(session_key: str | None, load: Callable[[], dict]) -> dict:
    """The session's data: kept from an earlier request of this process, else `load()`
    (kept when it found the session)."""
    if not session_key or not _active():
        return load()
    return _get(_sessions, session_key_digest(session_key), load, bool)


def forget_session(session_key: str | None) -> None:
    """This process's copy of the session gone at once (it ended here: its notification
    will follow)."""
    if session_key:
        _sessions.pop(session_key_digest(session_key), None)


def user(user_id: int, load: Callable[[], T]) -> T:
    """The user (with what `load` read with them): kept, else `load()` (kept when found)."""
    if not _active():
        return load()
    return _get(_users, user_id, load, lambda found: found is not None)


def unread_count(staff_id: int, load: Callable[[], int]) -> int:
    """A member of staff's count of unread notifications: kept, else `load()`. Dropped when
    a notification of theirs is added, read or deleted ("n:<staff id>", migration
    notifications 0008)."""
    if not _active():
        return load()
    return _get(_unread, staff_id, load, lambda _count: True)


def forget_unread(staff_id: int) -> None:
    """This process's copy of the count gone at once (changed here: its notification will
    follow)."""
    _unread.pop(staff_id, None)


def _get(store: dict, key, load: Callable[[], T], keep: Callable[[T], bool]) -> T:
    now = time.monotonic()
    kept = store.get(key)
    if kept is not None and now - kept[0] < MAX_AGE_SECONDS:
        return pickle.loads(kept[1])  # noqa: S301  # nosec B301
    generation = _generation
    value = load()
    if keep(value) and generation == _generation and _listening:
        if store is _sessions and len(store) >= MAX_SESSIONS:
            store.clear()
        store[key] = (now, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    return value


def _active() -> bool:
    """Listening (the listener started in this process if it is not)."""
    if not getattr(settings, "CASEAUDIT_LOCAL_AUTH_CACHE", False):
        return False
    if _listener is None or _listener[0] != os.getpid():
        if not enabled():
            return False
        _start()
    return _listening


def _start() -> None:
    global _listener, _thread, _params
    with _lock:
        if _listener is not None and _listener[0] == os.getpid():
            return
        _forget_all()  # a forked process's copies were its parent's
        _listener = (os.getpid(), object())
        _params = params = _connection_params()
        _thread = threading.Thread(
            target=_listen, args=(params, _listener), name=LISTENER_NAME, daemon=True
        )
        _thread.start()


def stop() -> None:
    """Stop listening and keep nothing (tests): the listener is woken, and its connection
    closed, before this returns."""
    global _listener, _listening
    with _lock:
        if _listener is None:
            return
        _listener = None
        _listening = False
        _forget_all()
        params = _params
    if params is not None:
        notify("stop", params=params)
    if _thread is not None:
        _thread.join(timeout=LISTEN_WAKE_SECONDS)


def notify(payload: str, *, params: dict | None = None) -> None:
    """Send `payload` on the channel at once, on a connection of its own (outside any
    transaction of the caller's)."""
    import psycopg

    params = dict(params or _connection_params(), application_name=NOTIFIER_NAME)
    with psycopg.connect(**params, autocommit=True) as connection:
        connection.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


def _connection_params() -> dict:
    """Django's connection parameters for psycopg itself, named as the listener's."""
    params = connections["default"].get_connection_params()
    for name in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(name, None)
    params["application_name"] = LISTENER_NAME
    return params


def _forget_all() -> None:
    global _generation
    _generation += 1
    _sessions.clear()
    _users.clear()
    _unread.clear()


def _listen(params: dict, me: tuple[int, object]) -> None:
    """Listen for as long as the process lives; after a failure, keep nothing until
    listening again (and then start empty: notifications may have been missed)."""
    global _listening, _generation, _heard
    import psycopg

    pause = 1.0
    while _listener is me:
        try:
            with psycopg.connect(**params, autocommit=True) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                with _lock:
                    if _listener is not me:
                        return
                    _forget_all()
                    _listening = True
                pause = 1.0
                while _listener is me:
                    for notification in connection.notifies(timeout=LISTEN_WAKE_SECONDS):
                        _generation += 1
                        _drop(notification.payload)
                        _heard = notification.payload
                        if _listener is not me:
                            break
                    # A quiet spell: check that the connection still answers.
                    connection.execute("SELECT 1")
        except Exception:
            logger.warning("auth listener: connection lost; reading every request", exc_info=True)
        finally:
            with _lock:
                if _listener is me:
                    _listening = False
                    _forget_all()
        if _listener is me:
            time.sleep(pause)
            pause = min(pause * 2, 30.0)


def _drop(payload: str) -> None:
    if payload.startswith("s:"):
        _sessions.pop(payload[2:], None)
    elif payload == USERS:
        _users.clear()
    elif payload.startswith("n:") and payload[2:].isdigit():
        _unread.pop(int(payload[2:]), None)
    elif payload == "all":  # a table emptied at once (TRUNCATE)
        _forget_all()


def wait_until_listening(seconds: float = 5.0) -> bool:
    """For tests and the bench: start listening here and wait until it does."""
    _active()
    deadline = time.monotonic() + seconds
    while not _listening and time.monotonic() < deadline:
        time.sleep(0.01)
    return _listening
