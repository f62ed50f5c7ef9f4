"""Sessions in the database (Django's `db`), kept by each process as
`caseaudit.accounts.sessions` says."""

from django.contrib.sessions.backends import db

from . import KeptLocally


class SessionStore(KeptLocally, db.SessionStore):
    pass
