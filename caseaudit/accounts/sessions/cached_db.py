"""Sessions read from the shared cache and written through to the database (Django's
`cached_db`), kept by each process as `caseaudit.accounts.sessions` says."""

from django.contrib.sessions.backends import cached_db

from . import KeptLocally


class SessionStore(KeptLocally, cached_db.SessionStore):
    pass
