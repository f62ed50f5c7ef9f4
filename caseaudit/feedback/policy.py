"""Who may do what with family feedback and the collaborative audit.

The audit's auditor asks the family (`can_request`, while the audit is a draft), cancels a
request not yet answered (`can_cancel`), invites the case's practitioner (`can_invite`) and
records the audit conversation (`can_record_conversation`). The invited practitioner writes
their reflection (`can_reflect`). Reading feedback is reading the audit: whoever reads the
audit's text (`caseaudit.audits.selectors.audit_get`).
"""

from caseaudit.audits.models import Audit
from caseaudit.audits.policy import can_edit
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from .models import Collaboration, FeedbackRequest


def practitioner_for(audit: Audit) -> Staff | None:
    """Who is invited into the audit: the case's allocated worker, if a current member of staff
    and not the auditor; None otherwise."""
    worker = audit.case.allocated_worker
    if worker is None or not worker.is_active or worker.pk == audit.auditor_id:
        return None
    return worker


def can_request(user: Actor, audit: Audit) -> bool:
    """The auditor, while the audit is a draft (the family contact task)."""
    return audit.is_draft and can_edit(user, audit)


def can_cancel(user: Actor, request: FeedbackRequest) -> bool:
    """The audit's auditor (a request already answered or cancelled: `feedback_request_cancel`
    says so)."""
    return can_edit(user, request.audit)


def invite_refusal(user: Actor, audit: Audit, *, invited: bool) -> str | None:
    """Why `user` may not invite the practitioner into `audit` (`invited`: there is already a
    collaboration); None if they may."""
    if not can_edit(user, audit):
        return "Only the auditor invites the practitioner."
    if not audit.is_draft:
        return "The practitioner is invited into a draft: this audit is not one."
    if invited:
        return "The practitioner has already been invited."
    if practitioner_for(audit) is None:
        return "This case has no allocated worker to invite."
    return None


def can_invite(user: Actor, audit: Audit, *, invited: bool) -> bool:
    return invite_refusal(user, audit, invited=invited) is None


def can_reflect(user: Actor, collaboration: Collaboration) -> bool:
    """The invited practitioner, unless the draft was discarded."""
    staff = staff_for_user(user)
    return (
        staff is not None
        and staff.pk == collaboration.practitioner_id
        and not collaboration.audit.is_discarded
    )


def can_record_conversation(user: Actor, collaboration: Collaboration) -> bool:
    """The auditor, unless the draft was discarded."""
    return not collaboration.audit.is_discarded and can_edit(user, collaboration.audit)
