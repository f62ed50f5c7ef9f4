"""Keeps the scale summary (`models.ScaleSummary`) in step with audits and cases."""

from django.dispatch import receiver

from caseaudit.audits.signals import audit_completed, audit_reopened
from caseaudit.cases.signals import cases_regrouped

from .services import summary_add_audit, summary_mark_stale


@receiver(audit_completed, dispatch_uid="reports_audit_completed")
def count_completed_audit(sender, audit, **kwargs):
    summary_add_audit(audit=audit, completed_at=audit.completed_at, sign=+1)


@receiver(audit_reopened, dispatch_uid="reports_audit_reopened")
def uncount_reopened_audit(sender, audit, completed_at, **kwargs):
    if completed_at is not None:
        summary_add_audit(audit=audit, completed_at=completed_at, sign=-1)


@receiver(cases_regrouped, dispatch_uid="reports_cases_regrouped")
def summary_stale(sender, reason, **kwargs):
    summary_mark_stale(reason=reason)
