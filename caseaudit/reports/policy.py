"""Who may see the reports: anyone with a report scope (`scope.report_scope`: managers,
Practice Supervisors, Performance Assurance and administrators, each over their own cases)."""

from caseaudit.core.typing import Actor

from .scope import report_scope


def can_view_reports(user: Actor) -> bool:
    """Whether the reports (and the home page's figures) are for `user`."""
    return report_scope(user) is not None
