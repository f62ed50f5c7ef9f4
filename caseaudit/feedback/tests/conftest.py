import pytest
from django.core.cache import cache

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import AuditReason
from caseaudit.audits.tests.conftest import complete_data
from caseaudit.feedback import services
from caseaudit.feedback.models import Audience, Channel, Relationship
from caseaudit.workflows import audits as workflows


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def draft(org):
    """A draft Generic Audit of the worker's case by the North CSM."""
    return audit_services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code="generic", reason=AuditReason.PERMISSIVE
    )


def complete(audit, by):
    audit_services.audit_save(
        audit=audit, by=by.user, revision=audit.revision, data=complete_data(audit)
    )
    return workflows.audit_complete(audit=audit, by=by.user)


@pytest.fixture
def make_request(org, draft):
    """`make_request()`: a letter request on the draft; returns (request, token)."""

    def _make(audit=None, audience=Audience.STANDARD, relationship=Relationship.PARENT):
        created = services.feedback_request_create(
            audit=audit or draft,
            by=org.csm_north.user,
            relationship=relationship,
            audience=audience,
            channel=Channel.LETTER,
        )
        return created.request, created.token

    return _make


def answer(client, token, **fields):
    """GET the form (for its signed token), then POST the answer."""
    page = client.get(f"/feedback/f/{token}/")
    assert page.status_code == 200
    form_token = page.context["form_token"]
    data = {"form_token": form_token, "going_well": "", "worries": "", "would_like": ""}
    data.update(fields)
    return client.post(f"/feedback/f/{token}/", data)
