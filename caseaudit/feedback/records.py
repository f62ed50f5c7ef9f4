"""A case's family feedback and collaborations, whole, for the data protection officer's
subject-access export (`caseaudit.dataprotection.subject_access`). Erasure needs nothing from
here: every record of this app CASCADEs from its audit, and the notifications it sends name the
case's reference in their subject (`dataprotection.services.case_notifications` finds them)."""

from dataclasses import dataclass

from caseaudit.cases.models import Case

from .models import Collaboration, FamilyFeedback, FeedbackRequest


@dataclass
class CaseFeedbackRecords:
    requests: list[tuple[FeedbackRequest, FamilyFeedback | None]]
    collaborations: list[Collaboration]


def case_feedback_records(*, case: Case) -> CaseFeedbackRecords:
    """Every feedback request of the case's audits with its answer, and every collaboration:
    two queries. The caller has checked the user is the data protection officer."""
    requests = []
    for request in (
        FeedbackRequest.objects.filter(audit__case=case)
        .select_related("feedback")
        .order_by("created_at", "id")
    ):
        try:
            answer = request.feedback
        except FamilyFeedback.DoesNotExist:
            answer = None
        requests.append((request, answer))
    collaborations = list(
        Collaboration.objects.filter(audit__case=case).order_by("invited_at", "id")
    )
    return CaseFeedbackRecords(requests=requests, collaborations=collaborations)
