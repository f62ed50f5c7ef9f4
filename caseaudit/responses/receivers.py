from django.dispatch import receiver

from caseaudit.audits.signals import audit_completed

from .models import QAResponse
from .services import response_create_for_audit


@receiver(audit_completed, dispatch_uid="responses_audit_completed")
def response_on_audit_completed(sender, audit, recompleted=False, **kwargs):
    """Completing an audit asks for its QA response. An audit completed again after being
    reopened keeps the response it already has (its actions are read afresh by the page)."""
    if recompleted and QAResponse.objects.filter(audit=audit).exists():
        return
    response_create_for_audit(audit=audit)
