"""Writes of the case register that other apps call: `cases_regrouped`, when cases move
between teams or case types or are erased. Closing and erasing a case are
`caseaudit.dataprotection.services` (they read and delete the records of every app); who may
close is `policy.can_close`.
"""

from caseaudit.reports import services as report_services


def cases_regrouped(*, reason: str) -> None:
    """Cases moved between teams or case types, or were erased with their audits: figures
    kept per team elsewhere (the reports' scale summary) must be recounted. Call it inside
    the writing transaction; `reason` is a short phrase for the log."""
    report_services.summary_mark_stale(reason=reason)
