"""Restorative actions after the QA response. Submitting the response resolves each action
from its answer and authorising it agrees them (`services`); what is left is answered here, one
action at a time: an action a manager reopened, or one added when the audit was reopened, is
answered by its owner with the same answer as in the response (`action_resolve`: what was done,
the date it was done, the evidence; it replaces the action's answer), and a manager agrees it
is resolved (`action_agree`) or reopens it (`action_reopen`). Each runs in one transaction,
records who did it in the response's history, moves the action between the rows of the
actions' summary (`action_summary`) and tells the other side. Import these from
`caseaudit.responses.services`.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from caseaudit.audits.models import ActionStatus, RestorativeAction
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import User
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from .action_summary import action_summary_tracking
from .answers import answer_clean
from .common import clean_text, managers_to_tell, record_event, response_url
from .models import (
    WITH_WORKER,
    ActionResponse,
    EventKind,
    QAResponse,
    ResponseEvent,
    ResponseStatus,
)
from .policy import can_agree, can_resolve


def _action_response(action: RestorativeAction) -> QAResponse:
    response = (
        QAResponse.objects.select_related("case", "case__team", "worker", "supervisor")
        .filter(audit_id=action.audit_id)
        .first()
    )
    if response is None:
        raise ValidationError(
            "This action's audit has no QA response, so it cannot be tracked here.",
            code="no_response",
        )
    return response


def _lock_action(action: RestorativeAction) -> None:
    list(RestorativeAction.objects.select_for_update().filter(pk=action.pk).values_list("pk"))
    action.refresh_from_db(
        fields=[
            "status",
            "resolved_at",
            "resolved_by",
            "resolution",
            "manager_agreed_at",
            "manager_agreed_by",
            "owner",
            "due_on",
        ]
    )


def _this(action: RestorativeAction) -> QuerySet[RestorativeAction]:
    """The action, as the summary's tracking reads it (locked by `_lock_action`)."""
    return RestorativeAction.objects.filter(pk=action.pk)


def _action_detail(action: RestorativeAction) -> dict:
    return {"action": action.pk, "description": action.description[:200]}


def action_number(action: RestorativeAction) -> int:
    """The action's number in its audit (1 for the first), as the pages and errors name it."""
    earlier = Q(order__lt=action.order) | Q(order=action.order, pk__lt=action.pk)
    return RestorativeAction.objects.filter(audit_id=action.audit_id).filter(earlier).count() + 1


def _action_owner(action: RestorativeAction, response: QAResponse, by: User) -> Staff:
    """`by`'s staff record, once they may answer the action now: the owner's `_action_manager`."""
    staff = staff_for_user(by)
    # can_resolve refuses None too: the test is for the type checker.
    if staff is None or not can_resolve(staff, action, response):
        raise ValidationError("Only the action's owner can mark it resolved.", code="not_allowed")
    if response.status in WITH_WORKER:
        raise ValidationError(
            "Answer this action in the QA response: submitting the response marks it resolved.",
            code="state",
        )
    if action.status != ActionStatus.OPEN:
        raise TransitionConflict("This action is already marked resolved.")
    return staff


def _tell_managers_resolved(
    action: RestorativeAction, response: QAResponse, staff: Staff, event: ResponseEvent
) -> None:
    """Those who authorise the response, bar whoever resolved it; keyed by the event, so an
    action reopened and resolved again tells them again."""
    for manager in managers_to_tell(response):
        if manager.pk == staff.pk:
            continue
        notify(
            recipient=manager,
            kind=NotificationKind.ACTION_RESOLVED,
            subject=f"Restorative action resolved: case {response.case.reference}",
            body=(
                f"{staff.name} has marked a restorative action on case "
                f"{response.case.reference} resolved. Open the response to agree it is "
                "resolved, or reopen it."
            ),
            url=response_url(response) + "#actions",
            idempotency_key=f"action-resolved:{action.pk}:{event.pk}:{manager.pk}",
            email=False,
        )


def action_resolve(
    *,
    action: RestorativeAction,
    by: User,
    what_done: str,
    done_on: dt.date | str | None,
    evidence: str = "",
    now: dt.datetime | None = None,
) -> RestorativeAction:
    """The action's owner answers an open action after the QA response was submitted (one
    reopened by a manager, or added when the audit was reopened): what was done, the date it
    was done (not in the future) and the evidence, with the same rules as the response's
    answers. The answer replaces the action's answer in the response, and the action is
    resolved from it. A manager then agrees (`action_agree`); until then it is not closed.
    While the response is with the worker, its actions are answered in it instead."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_action(action)
        response = _action_response(action)
        staff = _action_owner(action, response, by)
        errors: dict[str, list[str]] = {}
        answer = answer_clean(
            values={"what_done": what_done, "done_on": done_on, "evidence": evidence},
            number=action_number(action),
            today=timezone.localdate(now),
            errors=errors,
        )
        if errors:
            raise ValidationError(errors)
        ActionResponse.objects.update_or_create(
            response=response,
            action=action,
            defaults={
                "what_done": answer.what_done,
                "done_on": answer.done_on,
                "evidence": answer.evidence,
                "answered_at": now,
            },
        )
        with action_summary_tracking(_this(action), lock=False):
            action.status = ActionStatus.RESOLVED
            action.resolved_at, action.resolved_by, action.resolution = now, by, answer.what_done
            action.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
        event = record_event(
            response,
            by,
            EventKind.ACTION_RESOLVED,
            now,
            note=answer.what_done,
            done_on=answer.as_detail()["done_on"],
            evidence=answer.evidence,
            **_action_detail(action),
        )
        _tell_managers_resolved(action, response, staff, event)
        return action


def _action_manager(action, response, by: User, verb: str) -> Staff:
    staff = staff_for_user(by)
    if not can_agree(staff, action, response):
        raise ValidationError(
            f"Only the worker's Practice Supervisor or the case's Team Manager can {verb} "
            "this action (never its own owner).",
            code="not_allowed",
        )
    if response.status != ResponseStatus.AUTHORISED:
        raise ValidationError(
            "Authorise or return the QA response first: authorising it agrees its actions "
            "are resolved.",
            code="state",
        )
    if action.status != ActionStatus.RESOLVED:
        raise TransitionConflict(
            "This action is not marked resolved (it may have been reopened a moment ago)."
        )
    if action.manager_agreed_at is not None:
        raise TransitionConflict("A manager has already agreed this action is resolved.")
    return staff


def action_agree(
    *, action: RestorativeAction, by: User, now: dt.datetime | None = None
) -> RestorativeAction:
    """A manager agrees the action is resolved: it is closed."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_action(action)
        response = _action_response(action)
        staff = _action_manager(action, response, by, "agree")
        with action_summary_tracking(_this(action), lock=False):
            action.manager_agreed_at, action.manager_agreed_by = now, by
            action.save(update_fields=["manager_agreed_at", "manager_agreed_by"])
        event = record_event(response, by, EventKind.ACTION_AGREED, now, **_action_detail(action))
        if action.owner_id and action.owner_id != staff.pk:
            notify(
                recipient=action.owner,
                kind=NotificationKind.ACTION_AGREED,
                subject=f"Restorative action closed: case {response.case.reference}",
                body=(
                    f"{staff.name} has agreed your restorative action on case "
                    f"{response.case.reference} is resolved. It is closed."
                ),
                url=response_url(response) + "#actions",
                idempotency_key=f"action-agreed:{action.pk}:{event.pk}",
                email=False,
            )
        return action


def action_reopen(
    *, action: RestorativeAction, by: User, reason: str, now: dt.datetime | None = None
) -> RestorativeAction:
    """A manager does not agree an action is resolved: it is open again, with the reason, for
    its owner to answer again (`action_resolve`)."""
    now = now or timezone.now()
    reason = clean_text(reason)
    with transaction.atomic():
        _lock_action(action)
        response = _action_response(action)
        staff = _action_manager(action, response, by, "reopen")
        if not reason:
            raise ValidationError({"reason": ["Enter why the action is not resolved yet"]})
        with action_summary_tracking(_this(action), lock=False):
            action.status = ActionStatus.OPEN  # its answer stays, for the owner to change
            action.resolved_at = action.resolved_by = None
            action.save(update_fields=["status", "resolved_at", "resolved_by"])
        event = record_event(
            response, by, EventKind.ACTION_REOPENED, now, reason=reason, **_action_detail(action)
        )
        owner = action.owner or response.worker
        notify(
            recipient=owner,
            kind=NotificationKind.ACTION_REOPENED,
            subject=f"Restorative action reopened: case {response.case.reference}",
            body=(
                f"{staff.name} does not agree your restorative action on case "
                f"{response.case.reference} is resolved yet, and has reopened it. Open the "
                "response to read why, then answer it again."
            ),
            url=response_url(response) + "#actions",
            idempotency_key=f"action-reopened:{action.pk}:{event.pk}",
        )
        return action
