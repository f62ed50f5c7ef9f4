"""This app's rows of the access-control matrix (caseaudit/core/access_matrix.py explains the
personas and statuses; caseaudit/core/tests/test_access_matrix.py asks them)."""

from caseaudit.core.access_matrix import Entry

ENTRIES: tuple[Entry, ...] = ()


def add_to_world(world) -> None:
    """Add this app's records to the matrix's world (the `org` fixture's people and records,
    built once per test module), as attributes the entries' "@" paths name."""
