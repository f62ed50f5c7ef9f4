from django.dispatch import receiver

from caseaudit.audits.signals import audit_completed, audit_reopened

from .models import Allocation, AllocationStatus


@receiver(audit_completed, dispatch_uid="programme_allocation_completed")
def allocation_completed(sender, audit, **kwargs):
    """The allocation an audit was started from is done when the audit is completed."""
    Allocation.objects.filter(audit=audit).update(status=AllocationStatus.COMPLETED)


@receiver(audit_reopened, dispatch_uid="programme_allocation_reopened")
def allocation_reopened(sender, audit, **kwargs):
    """A reopened audit is a draft again: its allocation is started, not done (the programme
    page and the compliance report count an allocation done by this status)."""
    Allocation.objects.filter(audit=audit, status=AllocationStatus.COMPLETED).update(
        status=AllocationStatus.STARTED
    )
