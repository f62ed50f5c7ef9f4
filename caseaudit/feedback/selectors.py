"""Reads of family feedback, requests and collaborations.

Feedback and reflections are part of the audit: whoever reads the audit's text
(`caseaudit.audits.selectors.audit_text_qs` / `audit_get`) reads them, nobody else. The public
form reads one request by its token's digest (`request_for_token`), and nothing about the case.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from caseaudit.audits.models import Audit
from caseaudit.audits.selectors import audit_get, audit_text_qs, reads_audit_text
from caseaudit.core.prepared import PreparedQuery
from caseaudit.core.typing import Actor

from .models import Collaboration, FamilyFeedback, FeedbackRequest, RequestStatus
from .policy import can_edit, can_invite, can_request, practitioner_for
from .tokens import token_digest, token_normalise


def request_for_token(token: str) -> FeedbackRequest | None:
    """The request a link's token names, if it can still be answered (open, not expired);
    None for an unknown, answered, cancelled or expired one alike. One indexed query for
    each (a token of the wrong shape is looked up as its digest too), so they take the same
    time."""
    digest = token_digest(token_normalise(token) or token[:64])
    request = FeedbackRequest.objects.filter(token_digest=digest).first()
    if request is None or request.status != RequestStatus.OPEN:
        return None
    if request.expires_at <= timezone.now():
        return None
    return request


@dataclass
class AuditFeedback:
    """What the audit page, its PDF and the QA response show of the family's and the
    practitioner's voice; `requests` and the actions only for the auditor."""

    feedback: list[FamilyFeedback] = field(default_factory=list)
    requests: list[FeedbackRequest] = field(default_factory=list)
    collaboration: Collaboration | None = None
    is_auditor: bool = False
    can_request: bool = False
    can_invite: bool = False
    practitioner_name: str = ""

    @property
    def shown(self) -> bool:
        return bool(self.feedback or self.collaboration or self.is_auditor)


# Read with every audit page, its PDF and the QA response: each compiled once
# (caseaudit/core/prepared.py).
_feedback = PreparedQuery(
    lambda audit_id: FamilyFeedback.objects.filter(audit_id=audit_id).order_by("submitted_at", "pk")
)
_collaboration = PreparedQuery(
    lambda audit_id: (
        Collaboration.objects.filter(audit_id=audit_id)
        .select_related("practitioner")
        .order_by("pk")[:1]
    )
)
_requests = PreparedQuery(
    lambda audit_id: FeedbackRequest.objects.filter(audit_id=audit_id).order_by(
        "-created_at", "-pk"
    )
)


def _collaboration_of(audit: Audit) -> Collaboration | None:
    found = _collaboration(audit.pk)
    return found[0] if found else None


def audit_feedback(*, user: Actor | None, audit: Audit) -> AuditFeedback:
    """The family's feedback and the collaboration of `audit`, which the caller has read with
    `audit_get` (`user` None: a document for someone who may read it, the PDF). Two queries
    (three for the auditor, who also sees the requests sent)."""
    if user is not None and not reads_audit_text(user):
        return AuditFeedback()
    collaboration = _collaboration_of(audit)
    result = AuditFeedback(feedback=_feedback(audit.pk), collaboration=collaboration)
    if user is not None and can_edit(user, audit):
        result.is_auditor = True
        result.requests = _requests(audit.pk)
        result.can_request = can_request(user, audit)
        result.can_invite = can_invite(user, audit, invited=collaboration is not None)
        practitioner = practitioner_for(audit)
        result.practitioner_name = practitioner.name if practitioner else ""
    return result


def feedback_request_get(*, user: Actor, pk: int) -> FeedbackRequest:
    """A request, for those who read its audit; 404 for anyone else."""
    request = (
        FeedbackRequest.objects.filter(pk=pk, audit__in=audit_text_qs(user).values("pk"))
        .select_related("audit", "audit__case")
        .first()
    )
    if request is None:
        raise Http404("No such feedback request")
    return request


def collaboration_get(*, user: Actor, audit_pk: int) -> Collaboration:
    """The audit's collaboration, for those who read the audit; 404 otherwise (and when the
    practitioner has not been invited)."""
    audit = audit_get(user=user, pk=audit_pk)
    collaboration = _collaboration_of(audit)
    if collaboration is None:
        raise Http404("The practitioner has not been invited into this audit")
    collaboration.audit = audit
    return collaboration


def feedback_visible_qs(user: Actor) -> QuerySet[FamilyFeedback]:
    """The feedback on the audits whose text the user reads."""
    return FamilyFeedback.objects.filter(audit__in=audit_text_qs(user).values("pk"))
