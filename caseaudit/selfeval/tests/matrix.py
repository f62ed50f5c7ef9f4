"""This app's rows of the access-control matrix (caseaudit/core/access_matrix.py explains the
personas and statuses; caseaudit/core/tests/test_access_matrix.py asks them)."""

from caseaudit.core.access_matrix import Entry

ENTRIES: tuple[Entry, ...] = ()


def add_to_world(world) -> None:
    """Adds this app's records to the matrix's world."""
