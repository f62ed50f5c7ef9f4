"""The demo county's feedback (caseaudit/demo/feedback.py): made once, on completed audits and
drafts, with links nobody can open."""

import pytest
from django.utils import timezone

from caseaudit.demo.feedback import feedback_demo
from caseaudit.feedback.models import Collaboration, FamilyFeedback, FeedbackRequest
from caseaudit.feedback.selectors import request_for_token

from .conftest import complete

pytestmark = pytest.mark.django_db


def test_demo_feedback(org, draft):
    from caseaudit.audits import services as audit_services
    from caseaudit.audits.models import AuditReason

    completed = []
    for case in (org.colleague_case, org.case_b):
        audit = audit_services.audit_start(
            case=case, auditor=org.director, tool_code="generic", reason=AuditReason.PERMISSIVE
        )
        completed.append(complete(audit, org.director))
    counts = feedback_demo(today=timezone.localdate(), rng_seed=1)
    assert counts["feedback requests"] == FeedbackRequest.objects.count() >= 1
    assert FeedbackRequest.objects.filter(audit=draft).exists()  # the draft's open request
    assert counts["family feedback"] == FamilyFeedback.objects.count()
    for feedback in FamilyFeedback.objects.select_related("request"):
        assert feedback.request.audit_id == feedback.audit_id
        assert feedback.submitted_at >= feedback.request.created_at
    assert Collaboration.objects.filter(audit=draft, practitioner=org.worker).exists()
    assert feedback_demo(today=timezone.localdate(), rng_seed=1) == {}  # once
    assert request_for_token("0" * 20) is None
