"""Django's session stores, with each server process keeping what it has read
(caseaudit/accounts/local_cache.py: on PostgreSQL, dropped the moment the session changes
anywhere), and the session row read with a prepared query. SESSION_ENGINE names `cached_db`
(with Redis) or `db` (without)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from caseaudit.accounts import local_cache
from caseaudit.core.prepared import PreparedQuery

# Django's `_get_session_from_db` query (the session, unless expired), compiled to SQL once
# per process (caseaudit/core/prepared.py) rather than on every request that reads it.
_unexpired_session = PreparedQuery(
    lambda session_key, now: DatabaseSessionStore.get_model_class().objects.filter(
        session_key=session_key, expire_date__gt=now
    )
)


class KeptLocally:
    """Before a session store of Django's in the class's bases."""

    session_key: str | None
    _session_key: str | None

    def load(self) -> dict:
        return local_cache.session_data(self.session_key, super().load)  # type: ignore[misc]

    def _get_session_from_db(self):
        """Django's (`db.SessionStore._get_session_from_db`): the session row, or None (and
        the key forgotten) when there is none or it has expired."""
        if not isinstance(self.session_key, str):
            return super()._get_session_from_db()  # type: ignore[misc]
        rows = _unexpired_session(self.session_key, timezone.now())
        if not rows:
            self._session_key = None
            return None
        return rows[0]

    def delete(self, session_key: str | None = None) -> None:
        # Gone here at once; the other processes hear of it when the deletion commits.
        local_cache.forget_session(session_key or self.session_key)
        super().delete(session_key)  # type: ignore[misc]
