"""Helpers for the API tests."""

import datetime as dt

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import AuditReason
from caseaudit.audits.tests.conftest import completion_extras
from caseaudit.workflows import audits as workflows


def completed_audit(auditor, case):
    """An audit of `case` by `auditor`, completed through the audits app's services (which
    asks the case's worker for a QA response)."""
    audit = audit_services.audit_start(
        case=case, auditor=auditor, tool_code="generic", reason=AuditReason.PERMISSIVE
    )
    sections = audit.tool_version.sections.all()
    audit_services.audit_save(
        audit=audit,
        by=auditor.user,
        revision=audit.revision,
        data={
            "sections": {s.pk: {"working_well": "Good.", "scale": 7} for s in sections if s.scaled},
            "voice_of_child": "Heard.",
            "overall_scale": 7,
            "summary": "Fine.",
            "actions": [
                {
                    "description": "Update the plan.",
                    "owner_id": case.allocated_worker_id,
                    "due_on": dt.date(2027, 1, 15),
                }
            ],
            **completion_extras(audit),
        },
    )
    return workflows.audit_complete(audit=audit, by=auditor.user)
