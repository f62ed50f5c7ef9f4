"""Completing, reopening and discarding an audit: the audits' part and the other apps' parts,
in order, in one transaction (see the package's docstring)."""

from django.db import transaction

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit
from caseaudit.core.typing import User
from caseaudit.programme import followups
from caseaudit.programme import services as programme_services
from caseaudit.reports import services as report_services
from caseaudit.responses import services as response_services
from caseaudit.responses.action_summary import action_summary_add_audit


def audit_complete(*, audit: Audit, by: User) -> Audit:
    """Complete a draft (`audit_mark_completed`: whole, then a compare-and-set on its
    revision), then ask for the QA response, mark the programme allocation done, count the
    audit in the report summaries and its actions in the actions' summary, and schedule (or
    mark done) the case's follow-up audit. An audit completed again after a reopening keeps
    the response it already has.

    Raises `ValidationError` keyed by field name listing every gap, and `TransitionConflict`
    when the audit is no longer that draft: of any number of simultaneous completions exactly
    one succeeds, and only it takes the other steps."""
    with transaction.atomic():
        audit = audit_services.audit_mark_completed(audit=audit, by=by)
        completed_at = audit.completed_at
        assert completed_at is not None  # noqa: S101  # nosec B101  # just completed
        response_services.response_create_for_audit(audit=audit, now=completed_at)
        programme_services.allocation_mark_completed(audit=audit)
        report_services.summary_add_audit(audit=audit, completed_at=completed_at, sign=+1)
        action_summary_add_audit(audit=audit, completed_at=completed_at, sign=+1)
        # An audit in the lowest band asks for a follow-up; any audit completes one due.
        followups.followup_schedule_for_audit(audit=audit, now=completed_at)
        return audit


def audit_reopen(*, audit: Audit, by: User, reason: str) -> Audit:
    """A manager reopens a completed audit as a draft with a reason, and the auditor is told
    (`audit_mark_reopened`, a compare-and-set on the completed state); then the programme
    allocation goes back to started, the audit and its actions are counted out of the
    summaries and the follow-up it scheduled is cancelled."""
    with transaction.atomic():
        completed_at = audit_services.audit_mark_reopened(audit=audit, by=by, reason=reason)
        programme_services.allocation_mark_reopened(audit=audit)
        report_services.summary_add_audit(audit=audit, completed_at=completed_at, sign=-1)
        action_summary_add_audit(audit=audit, completed_at=completed_at, sign=-1)
        followups.followup_cancel_for_audit(audit=audit)
        return audit


def audit_discard(*, audit: Audit, by: User, reason: str, revision: int | None = None) -> Audit:
    """The auditor discards a draft started by mistake (`audit_mark_discarded`, a
    compare-and-set on the draft and on `revision` when given); then the programme allocation
    it was started from, if any, is planned again so it can be started afresh."""
    with transaction.atomic():
        audit = audit_services.audit_mark_discarded(
            audit=audit, by=by, reason=reason, revision=revision
        )
        programme_services.allocation_mark_discarded(audit=audit)
        return audit
