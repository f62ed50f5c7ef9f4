"""Data protection's writes on a case as a whole: closing it through the closure gate, and
erasing it with everything held about it (retention).

Closing: the procedure says "Closure audit for all cases prior to closure. Where actions are
needed prior to closure this should be immediately done so closure may happen." So `case_close`
refuses until the case has a completed Closure Record (tool "closure") and every restorative
action of the case's completed audits is resolved by its owner and agreed by a manager
(`caseaudit.audits.closure.closure_status`). Each closure is recorded in the case's history
(`CaseEvent`). Who may close is `caseaudit.cases.policy.can_close`.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from caseaudit.accounts.models import AccessAction, AccessEvent, AccessObjectType
from caseaudit.audits.closure import closure_status
from caseaudit.audits.models import Audit, UrgentFinding
from caseaudit.cases.models import Case, CaseEvent, CaseEventKind
from caseaudit.cases.policy import can_close
from caseaudit.cases.services import cases_regrouped
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import By, User
from caseaudit.notifications.models import Notification
from caseaudit.programme.models import Allocation
from caseaudit.responses.models import QAResponse

REASON_MAX = 2000
NOT_ALLOWED = (
    "Only the case's Team Manager, Children's Service Manager, an Assistant Director or the "
    "Director can close a case."
)


def _closed_by(case: Case) -> str:
    event = (
        CaseEvent.objects.filter(case=case, kind=CaseEventKind.CLOSED)
        .select_related("by")
        .order_by("-at", "-id")
        .first()
    )
    if event is None or event.by is None:
        return ""
    return f" by {event.by.get_full_name() or event.by.get_username()}"


def case_close(*, case: Case, by: User, closed_on: dt.date | None, reason: str) -> Case:
    """Close the case on `closed_on` for `reason`, if `by` may and its closure gate is open.

    The case's row is locked and its state checked again under the lock, so of two closures
    at once exactly one succeeds. Refuses with `ValidationError`: "not_allowed" (who),
    "not_ready" (the gate: every problem, in words), or keyed by field ("closed_on",
    "reason"); with `TransitionConflict` when the case is already closed.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Case.objects.select_related("team").select_for_update(of=("self",)).get(pk=case.pk)
        if not can_close(by, locked):
            raise ValidationError(NOT_ALLOWED, code="not_allowed")
        if locked.closed_on is not None:
            raise TransitionConflict(
                f"This case was already closed on {locked.closed_on:%-d %B %Y}"
                f"{_closed_by(locked)}: nothing was changed."
            )
        status = closure_status(case=locked)
        closure_audit = status.closure_audit
        if status.problems or closure_audit is None or closure_audit.completed_at is None:
            raise ValidationError(
                [ValidationError(problem, code="not_ready") for problem in status.problems]
            )
        now = timezone.now()
        errors = {}
        audited_on = timezone.localdate(closure_audit.completed_at)
        if closed_on is None:
            errors["closed_on"] = "Enter the date the case closed"
        elif closed_on > timezone.localdate(now):
            errors["closed_on"] = "The closure date cannot be in the future"
        elif closed_on < locked.opened_on:
            errors["closed_on"] = (
                f"The closure date must be on or after the day the case opened "
                f"({locked.opened_on:%-d %B %Y})"
            )
        elif closed_on < audited_on:
            errors["closed_on"] = (
                f"A case closes after its closure audit: enter a date on or after "
                f"{audited_on:%-d %B %Y}, when the Closure Record was completed"
            )
        if not reason:
            errors["reason"] = "Enter why the case is closing"
        elif len(reason) > REASON_MAX:
            errors["reason"] = f"The reason must be {REASON_MAX} characters or fewer"
        if errors or closed_on is None:
            raise ValidationError(errors)
        locked.closed_on = closed_on
        locked.save(update_fields=["closed_on", "updated_at"])
        CaseEvent.objects.create(
            case=locked,
            at=now,
            by=by,
            kind=CaseEventKind.CLOSED,
            detail={
                "closed_on": closed_on.isoformat(),
                "reason": reason,
                "closure_audit": closure_audit.pk,
            },
        )
        case.closed_on = closed_on
        case.updated_at = locked.updated_at
        return locked


# --- Retention: deleting a case and everything about it ----------------------------------


def case_notifications(
    *, case: Case, audit_ids: list[int], response_ids: list[int]
) -> QuerySet[Notification]:
    """The notifications about this case: those that open one of its pages (the case, its
    audits, their responses) and those whose subject names its reference ("...: case X").
    Notifications carry no foreign key (they outlive what they point at), so they are found
    by their address and subject."""
    prefixes = [f"/cases/{case.pk}/"]
    prefixes += [f"/audits/{pk}/" for pk in audit_ids]
    prefixes += [f"/responses/audit/{pk}/" for pk in audit_ids]
    prefixes += [f"/responses/{pk}/" for pk in response_ids]
    by_url = Q()
    for prefix in prefixes:
        by_url |= Q(url__startswith=prefix)
    named = re.compile(rf"\bcase {re.escape(case.reference)}(?![\w-])")
    candidates = Notification.objects.filter(by_url | Q(subject__contains=case.reference))
    ids = []
    for pk, url, subject in candidates.values_list("pk", "url", "subject"):
        if any(url.startswith(p) for p in prefixes) or named.search(subject):
            ids.append(pk)
    return Notification.objects.filter(pk__in=ids)


def case_erase(*, case: Case, by: By, reason: str) -> dict[str, int]:
    """Delete the case and everything held about it, in one transaction: its audits (answers,
    restorative actions, urgent findings, history), the QA responses to them (answers,
    history), its programme allocations, its own history and the notifications about it.

    The access log is kept: its rows hold identifiers only, never content, and are
    append-only. One entry is added ("deleted", object "case") saying the case was deleted,
    by whom (`by`, None for the retention command) and why (`reason`, kept in the entry's
    `path`, which for other entries is the page's address). Returns how many rows of each
    kind were deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the case is deleted.", code="reason")
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case.pk).first()
        if locked is None:
            raise ValidationError("This case has already been deleted.", code="gone")
        cases_regrouped(reason="a case was erased")
        audit_ids = list(Audit.objects.filter(case=locked).values_list("pk", flat=True))
        response_ids = list(QAResponse.objects.filter(case=locked).values_list("pk", flat=True))
        notifications = case_notifications(
            case=locked, audit_ids=audit_ids, response_ids=response_ids
        )
        counts = {"notifications": notifications.delete()[0]}
        # Children before parents: every foreign key to a case is PROTECT. A response goes
        # with its answers and history, an audit with its answers, actions, findings and
        # history (CASCADE); allocations only point at audits (SET_NULL), so they go first.
        counts["allocations"] = Allocation.objects.filter(case=locked).delete()[0]
        counts["responses"] = QAResponse.objects.filter(case=locked).delete()[0]
        counts["urgent_findings"] = UrgentFinding.objects.filter(case=locked).delete()[0]
        counts["audits"] = Audit.objects.filter(case=locked).delete()[0]
        counts["case_events"] = CaseEvent.objects.filter(case=locked).delete()[0]
        counts["case"] = Case.objects.filter(pk=locked.pk).delete()[0]
        AccessEvent.objects.create(
            user=by if by is not None and by.is_authenticated else None,
            action=AccessAction.DELETED,
            object_type=AccessObjectType.CASE,
            object_id=str(locked.pk),
            case_id=locked.pk,
            path=reason[:200],
        )
    return counts
