"""Follow-up audits: a case whose audit's overall scale falls in the lowest scaling band is
audited again some months later, to see whether practice got better.

- `followup_schedule_for_audit(audit=, now=)`, called when an audit is completed (the audit
  completion workflow): a scheduled follow-up of the case from an earlier audit is done by
  this one; and when this audit's overall scale is in the lowest band, a follow-up of the case
  is scheduled `FOLLOWUP_MONTHS` months (setting, default 3) after its completion.
- `followup_cancel_for_audit(audit=)`, called when an audit is reopened: the follow-up it
  scheduled is cancelled and those it had done are scheduled again (completing it again
  decides afresh).
Both are idempotent. Scheduled follow-ups are listed on the due page (`followups_due`), sent to
the case's managers when due (FOLLOWUP_DUE, by the improvement app's daily job) and allocated
first by the monthly programme (`selectors.case_rows` reads the earliest one of each case).
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audit_tools.selectors import scaling_bands
from caseaudit.audits.models import Audit, AuditStatus, BlindReading
from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.typing import Actor

from .due import add_months, month_end
from .models import FollowUp, FollowUpStatus

DEFAULT_FOLLOWUP_MONTHS = 3


def followup_months() -> int:
    """How many months after an audit in the lowest band its follow-up is due."""
    return int(getattr(settings, "FOLLOWUP_MONTHS", DEFAULT_FOLLOWUP_MONTHS))


def lowest_band(bands: list[ScalingBand] | None = None) -> ScalingBand | None:
    bands = scaling_bands() if bands is None else bands
    return min(bands, key=lambda b: b.min_score) if bands else None


def in_lowest_band(scale: int | None, bands: list[ScalingBand] | None = None) -> bool:
    band = lowest_band(bands)
    return scale is not None and band is not None and band.min_score <= scale <= band.max_score


def followup_schedule_for_audit(*, audit: Audit, now: dt.datetime) -> FollowUp | None:
    """On completing `audit`: mark done the case's scheduled follow-ups of earlier audits, and
    schedule one of the case if the audit's overall scale is in the lowest band. Returns the
    follow-up this audit scheduled (None if it scheduled none). Safe to call again."""
    if audit.status != AuditStatus.COMPLETED or audit.completed_at is None:
        return None
    with transaction.atomic():
        FollowUp.objects.filter(
            case_id=audit.case_id,
            status=FollowUpStatus.SCHEDULED,
            audit__completed_at__lt=audit.completed_at,
        ).exclude(audit_id=audit.pk).update(
            status=FollowUpStatus.DONE, done_audit=audit, done_at=now
        )
        existing = FollowUp.objects.select_for_update().filter(audit_id=audit.pk).first()
        if not in_lowest_band(audit.overall_scale):
            if existing is not None and existing.status == FollowUpStatus.SCHEDULED:
                FollowUp.objects.filter(pk=existing.pk, status=FollowUpStatus.SCHEDULED).update(
                    status=FollowUpStatus.CANCELLED, cancelled_at=now
                )
            return None
        due_on = add_months(timezone.localdate(audit.completed_at), followup_months())
        if existing is None:
            return FollowUp.objects.create(
                case_id=audit.case_id, audit=audit, due_on=due_on, created_at=now
            )
        if existing.status == FollowUpStatus.CANCELLED:  # reopened, then completed again
            FollowUp.objects.filter(pk=existing.pk, status=FollowUpStatus.CANCELLED).update(
                status=FollowUpStatus.SCHEDULED, due_on=due_on, cancelled_at=None
            )
            existing.refresh_from_db()
        return existing


def followup_cancel_for_audit(*, audit: Audit) -> None:
    """On reopening `audit`: cancel the follow-up it scheduled, and schedule again the ones
    it had done (a later completion decides afresh). Safe to call again."""
    now = timezone.now()
    with transaction.atomic():
        FollowUp.objects.filter(audit_id=audit.pk, status=FollowUpStatus.SCHEDULED).update(
            status=FollowUpStatus.CANCELLED, cancelled_at=now
        )
        FollowUp.objects.filter(done_audit_id=audit.pk, status=FollowUpStatus.DONE).update(
            status=FollowUpStatus.SCHEDULED, done_audit=None, done_at=None
        )


def followups_due(*, user: Actor, today: dt.date) -> QuerySet[FollowUp]:
    """Scheduled follow-ups of open cases the user can see, due by the end of next month
    (overdue included), soonest first."""
    limit = month_end(add_months(today.replace(day=1), 1))
    # The first audit's scale is hidden from whoever moderates it until they have compared
    # (`audits.models.BlindReading`): `scale_hidden` on each row, in the same query.
    blind = BlindReading.objects.filter(audit=OuterRef("audit_id"), staff__user_id=user.pk)
    return (
        FollowUp.objects.annotate(scale_hidden=Exists(blind))
        .filter(
            status=FollowUpStatus.SCHEDULED,
            due_on__lte=limit,
            case__in=case_visible_qs(user).filter(closed_on__isnull=True).values("pk"),
        )
        .select_related("case", "case__team", "case__allocated_worker", "audit")
        .order_by("due_on", "pk")
    )
