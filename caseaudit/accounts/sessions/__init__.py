"""Django's session stores, with each server process keeping what it has read
(caseaudit/accounts/local_cache.py: on PostgreSQL, dropped the moment the session changes
anywhere). SESSION_ENGINE names `cached_db` (with Redis) or `db` (without)."""

from caseaudit.accounts import local_cache


class KeptLocally:
    """Before a session store of Django's in the class's bases."""

    session_key: str | None

    def load(self) -> dict:
        return local_cache.session_data(self.session_key, super().load)  # type: ignore[misc]

    def delete(self, session_key: str | None = None) -> None:
        # Gone here at once; the other processes hear of it when the deletion commits.
        local_cache.forget_session(session_key or self.session_key)
        super().delete(session_key)  # type: ignore[misc]
