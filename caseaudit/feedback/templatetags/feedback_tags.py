"""`{% audit_feedback audit as fb %}`: the family's feedback and the practitioner's reflection
of an audit, for the audit page, its PDF and the QA response (which have read the audit through
`audit_get` and logged it). Scoped to the signed-in user in the context: someone who may not
read the audit's text gets nothing; a document without a request (the PDF) gets what the
audit holds, without the auditor's own requests."""

from django import template

from caseaudit.feedback.selectors import AuditFeedback
from caseaudit.feedback.selectors import audit_feedback as _audit_feedback

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_feedback(context, audit) -> AuditFeedback:
    if audit is None:
        return AuditFeedback()
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else None
    return _audit_feedback(user=user, audit=audit)
