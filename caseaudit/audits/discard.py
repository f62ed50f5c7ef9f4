"""Discarding a draft started by mistake (the wrong case, tool or reason).

Only the auditor discards, only a draft that has never been completed (a reopened audit has a
QA response and a place in the reports: it is completed again instead), and always with a
reason. The audit is not deleted: it is kept, read-only, as "discarded", with who, when and
why in its own history and in the case's, and any urgent finding it raised stays raised. A
discarded Closure Record no longer holds the case as "closure pending" (`closure.py` reads
drafts and completed records only).

`services.audit_discard` is the service (it also frees the programme allocation the draft was
started from); this module holds its rules and its compare-and-set.
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from caseaudit.cases.models import CaseEvent, CaseEventKind
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import User

from .models import Audit, AuditEvent, AuditStatus, EventKind
from .policy import can_edit, discard_refusal

REASON_MAX = 1000


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"at {local:%H:%M} on {local.day} {local:%B %Y}"


def _conflict(audit: Audit) -> TransitionConflict:
    """The draft is no longer the one the caller read: say what happened to it."""
    current = Audit.objects.get(pk=audit.pk)
    if current.status == AuditStatus.DISCARDED:
        return TransitionConflict(
            f"This draft was already discarded {_when(current.discarded_at)}: nothing changed."
        )
    if current.status == AuditStatus.COMPLETED:
        return TransitionConflict("This audit was completed a moment ago, so it was not discarded.")
    return TransitionConflict(
        "This draft was saved a moment ago (in another window, or by its autosave), so it was "
        "not discarded: look at it again, and discard it if you still want to."
    )


def discard_draft(*, audit: Audit, by: User, reason: str, revision: int | None) -> Audit:
    """Mark the draft discarded: a compare-and-set on its still being a never-completed draft
    (and, with `revision`, on its revision: a save since then wins). Records it in the audit's
    history and the case's. The caller holds the transaction."""
    reason = (reason or "").strip()
    audit.refresh_from_db(fields=["status", "reopened_at", "revision"])
    refusal = discard_refusal(user=by, audit=audit)
    if refusal and not can_edit(by, audit):
        raise ValidationError(refusal, code="not_allowed")
    if refusal and audit.status == AuditStatus.DISCARDED:
        raise _conflict(audit)
    if refusal:
        raise ValidationError(refusal, code="not_discardable")
    if not reason:
        raise ValidationError({"reason": "Enter why you are discarding this draft"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"The reason must be {REASON_MAX} characters or fewer"})
    now = timezone.now()
    draft = Audit.objects.filter(pk=audit.pk, status=AuditStatus.DRAFT, reopened_at__isnull=True)
    if revision is not None:
        draft = draft.filter(revision=revision)
    done = draft.update(
        status=AuditStatus.DISCARDED,
        discarded_at=now,
        discarded_by=by,
        discard_reason=reason,
        revision=F("revision") + 1,
        updated_at=now,
        updated_by=by,
    )
    if done != 1:
        raise _conflict(audit)
    audit.refresh_from_db(
        fields=[
            "status",
            "discarded_at",
            "discard_reason",
            "revision",
            "updated_at",
        ]
    )
    audit.discarded_by = audit.updated_by = by
    tool = audit.tool_version.tool
    AuditEvent.objects.create(
        audit=audit, by=by, kind=EventKind.DISCARDED, at=now, detail={"reason": reason}
    )
    CaseEvent.objects.create(
        case_id=audit.case_id,
        at=now,
        by=by,
        kind=CaseEventKind.AUDIT_DISCARDED,
        detail={"audit": audit.pk, "tool": tool.name, "tool_code": tool.code, "reason": reason},
    )
    return audit
