from django.dispatch import receiver

from caseaudit.audits.signals import audit_completed

from .models import Allocation, AllocationStatus


@receiver(audit_completed, dispatch_uid="programme_allocation_completed")
def allocation_completed(sender, audit, **kwargs):
    """The allocation an audit was started from is done when the audit is completed."""
    Allocation.objects.filter(audit=audit).update(status=AllocationStatus.COMPLETED)
