"""/api/v1/ operations of caseaudit.feedback: an audit's family feedback, the practitioner's
reflection and the audit conversation, read as the audit page shows them (whoever reads the
audit; logged as a read of the audit). Requests are made in the browser only: the link is shown
once, and the family's address is typed there and never kept."""

import datetime as dt
from typing import Any

from ninja import Path, Router, Schema

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.audits.selectors import audit_get
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.feedback.selectors import audit_feedback

from ..api import READ_ERRORS
from ..schemas import MAX_ID, StaffRef

router = Router(tags=["feedback"])
AuditId = Path(..., ge=1, le=MAX_ID)


class FamilyFeedbackOut(Schema):
    id: int
    relationship: str
    version: str
    submitted_at: dt.datetime
    going_well: str
    worries: str
    would_like: str
    scale: int | None
    share_consent: bool


class ReflectionOut(Schema):
    practitioner: StaffRef
    invited_at: dt.datetime
    reflected_at: dt.datetime | None
    proud_of: str
    do_differently: str
    support_needed: str
    conversation_on: dt.date | None
    conversation_with: str


class AuditFeedbackOut(Schema):
    audit: int
    feedback: list[FamilyFeedbackOut]
    reflection: ReflectionOut | None


@router.get(
    "/audits/{audit_id}/feedback",
    response={200: AuditFeedbackOut, **READ_ERRORS},
    summary="An audit's family feedback and practitioner's reflection",
)
def audit_feedback_detail(
    request: AuthenticatedHttpRequest, audit_id: int = AuditId
) -> dict[str, Any]:
    """The family's own words (each answer to a feedback request) and the practitioner's
    reflection with the audit conversation, for whoever may read the audit (404 otherwise)."""
    audit = audit_get(user=request.user, pk=audit_id)
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=audit.pk,
        case_id=audit.case_id,
    )
    data = audit_feedback(user=request.user, audit=audit)
    c = data.collaboration
    return {
        "audit": audit.pk,
        "feedback": [
            {
                "id": f.pk,
                "relationship": f.relationship,
                "version": f.audience,
                "submitted_at": f.submitted_at,
                "going_well": f.going_well,
                "worries": f.worries,
                "would_like": f.would_like,
                "scale": f.scale,
                "share_consent": f.share_consent,
            }
            for f in data.feedback
        ],
        "reflection": None
        if c is None
        else {
            "practitioner": c.practitioner,
            "invited_at": c.invited_at,
            "reflected_at": c.reflected_at,
            "proud_of": c.proud_of,
            "do_differently": c.do_differently,
            "support_needed": c.support_needed,
            "conversation_on": c.conversation_on,
            "conversation_with": c.conversation_with,
        },
    }
