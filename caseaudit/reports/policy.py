"""Who may see the reports: anyone with a report scope (`scope.report_scope`: managers,
Practice Supervisors, Business Support, Performance Assurance and administrators, each over
their own cases), and of the reports the ones their scope lists (`ReportScope.reports`:
Business Support the activity reports only, programme compliance and QA responses)."""

from caseaudit.core.typing import Actor

from .scope import report_scope


def can_view_reports(user: Actor) -> bool:
    """Whether the reports (and the home page's figures) are for `user`."""
    return report_scope(user) is not None


def can_view_report(user: Actor, report: str) -> bool:
    """Whether `user` may open the report `report` ("compliance", "responses", "quality",
    "findings"): its page, its files and its API operation."""
    scope = report_scope(user)
    return scope is not None and report in scope.reports
