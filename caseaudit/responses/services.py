"""Writes of the QA Response workflow. Each runs in one transaction, records who did it in the
response's history (`ResponseEvent`), sends its notifications, and refuses a rule with
`ValidationError`.

- `response_create_for_audit`: completing an audit asks the case's worker for a response, due
  5 working days after the completion date; the worker and their Practice Supervisor are told
  (the Team Manager when there is no PS), by email with the audit's PDF when there is one.
- `response_submit` (the worker): one answer per restorative action (what was done, the date
  it was done, the evidence); each action is marked resolved from its answer.
- `response_return` (the actions open again; the answers stay for the worker to change) and
  `response_authorise` (the actions are agreed resolved), by the worker's Practice Supervisor
  or line manager, or the case's Team Manager.
- `action_resolve` (an action reopened or added after the response is answered on its own, by
  its owner), `action_agree` / `action_reopen` (a manager, once the response is authorised).
- `run_due_jobs`: reminders, escalation and chasing of overdue actions for one day; safe to
  run any number of times (each notification has an idempotency key naming what it is about,
  its kind and its date).

Each change of the actions' state also moves them between the rows of the actions' summary
(`action_summary.action_summary_tracking`), in the same transaction.

Services that take `now` or `today` default to the clock; tests pass fixed ones.

The restorative action writes live in `actions`, the daily jobs in `due_jobs` and the shared
helpers in `common`; every public name is importable from here.
"""

import datetime as dt
import functools
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from caseaudit.audits.models import ActionStatus, Audit, AuditStatus, RestorativeAction
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import User
from caseaudit.core.working_days import add_working_days
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from .action_summary import action_summary_tracking
from .actions import action_agree, action_number, action_reopen, action_resolve
from .answers import Answer, answer_clean
from .common import (
    action_field,
    audit_pdf,
    case_managers,
    clean_text,
    lock_response,
    long_date,
    managers_to_tell,
    record_event,
    response_people,
    response_url,
)
from .due_jobs import (
    ACTION_REMINDER_EVERY,
    OVERDUE_REMINDER_EVERY,
    DueJobsReport,
    run_due_jobs,
)
from .models import (
    RESPONSE_WORKING_DAYS,
    WITH_WORKER,
    ActionResponse,
    EventKind,
    QAResponse,
    ResponseEvent,
    ResponseStatus,
    acknowledgement_text,
)
from .policy import can_authorise

__all__ = [
    "ACTION_REMINDER_EVERY",
    "OVERDUE_REMINDER_EVERY",
    "DueJobsReport",
    "action_agree",
    "action_field",
    "action_number",
    "action_reopen",
    "action_resolve",
    "case_managers",
    "long_date",
    "response_authorise",
    "response_create_for_audit",
    "response_people",
    "response_return",
    "response_submit",
    "run_due_jobs",
]

logger = logging.getLogger(__name__)


# --- Create -----------------------------------------------------------------------------


def response_create_for_audit(*, audit: Audit, now: dt.datetime | None = None) -> QAResponse | None:
    """Ask for the QA response to a completed audit (once: an existing one is returned).

    Due `RESPONSE_WORKING_DAYS` working days after the audit's completion date. Where the audit
    has no restorative actions, the acknowledgement is prefilled ("QA (22/12/2026) received").
    Returns None, and logs why, when nobody can be asked (no worker, no manager).
    """
    now = now or timezone.now()
    with transaction.atomic():
        existing = QAResponse.objects.filter(audit=audit).first()
        if existing is not None:
            return existing
        if audit.status != AuditStatus.COMPLETED or audit.completed_at is None:
            raise ValidationError("Only a completed audit has a QA response.", code="draft")
        case = audit.case
        worker, supervisor = response_people(case)
        if worker is None:
            logger.warning(
                "No QA response for audit %s: case %s has no worker and no manager",
                audit.pk,
                case.reference,
            )
            return None
        completed_on = timezone.localdate(audit.completed_at)
        has_actions = RestorativeAction.objects.filter(audit=audit).exists()
        response = QAResponse.objects.create(
            audit=audit,
            case=case,
            worker=worker,
            supervisor=supervisor,
            completed_on=completed_on,
            due_on=add_working_days(completed_on, RESPONSE_WORKING_DAYS),
            acknowledgement="" if has_actions else acknowledgement_text(completed_on),
            created_at=now,
        )
        record_event(
            response,
            audit.completed_by,
            EventKind.CREATED,
            now,
            worker=worker.name,
            supervisor=supervisor.name if supervisor else "",
            due_on=response.due_on.isoformat(),
        )
        _notify_created(response, has_actions=has_actions)
        return response


def _notify_created(response: QAResponse, *, has_actions: bool) -> None:
    audit, case = response.audit, response.case
    tool = audit.tool_version.tool.name
    due = long_date(response.due_on)
    pdf = audit_pdf(audit)
    attached = "The audit is attached. " if pdf else ""
    if has_actions:
        ask = (
            "Answer each restorative action: what was done, the date it was done and the evidence."
        )
    else:
        ask = (
            "The audit has no restorative actions: acknowledge it with the entry "
            f"“{response.acknowledgement}”."
        )
    notify(
        recipient=response.worker,
        kind=NotificationKind.RESPONSE_REQUIRED,
        subject=f"QA response due {due}: case {case.reference}",
        body=(
            f"{audit.auditor.name} has completed a {tool} of case {case.reference}. "
            f"{attached}Please complete your QA response by {due}.\n\n{ask}"
        ),
        url=response_url(response),
        idempotency_key=f"response-created:{response.pk}:{response.worker_id}",
        attachment=pdf,
    )
    for manager in managers_to_tell(response):
        notify(
            recipient=manager,
            kind=NotificationKind.RESPONSE_REQUESTED,
            subject=f"Audit completed: case {case.reference}",
            body=(
                f"{audit.auditor.name} has completed a {tool} of case {case.reference}. "
                f"{attached}{response.worker.name} has been asked for a QA response by {due}, "
                "which you then authorise or return."
            ),
            url=response_url(response),
            idempotency_key=f"response-created:{response.pk}:{manager.pk}",
            attachment=pdf,
        )


# --- Submit, return, authorise ----------------------------------------------------------


def response_submit(
    *,
    response: QAResponse,
    by: User,
    acknowledgement: str = "",
    action_answers: dict | None = None,
    now: dt.datetime | None = None,
) -> QAResponse:
    """The worker submits their response for authorisation.

    `action_answers` maps each restorative action's id to its one answer: {"what_done",
    "done_on", "evidence"}. Every action needs what was done and the date it was done, which
    may not be in the future (`answers.answer_clean`); the evidence is optional. With no
    actions the acknowledgement is required instead. Errors are keyed by field
    (`action_field`), all at once. Each action not yet agreed is marked resolved from its
    answer: its resolution is the answer's "what was done".
    """
    now = now or timezone.now()
    answers = {str(k): v or {} for k, v in (action_answers or {}).items()}
    with transaction.atomic():
        lock_response(response)
        _check_can_submit(response, by)
        actions = list(
            RestorativeAction.objects.select_for_update()
            .filter(audit_id=response.audit_id)
            .order_by("order", "id")
        )
        rows, acknowledgement = _validate_submission(
            response, actions, answers, acknowledgement, today=timezone.localdate(now)
        )
        _record_answers(response, rows, now)
        # The audit's actions are locked above.
        with action_summary_tracking(_audit_actions(response), lock=False):
            _resolve_from_answers(rows, by, now)
        resubmission = response.status == ResponseStatus.RETURNED
        _mark_submitted(
            response, by, now, acknowledgement=acknowledgement, has_actions=bool(actions)
        )
        event = record_event(
            response,
            by,
            EventKind.SUBMITTED,
            now,
            resubmission=resubmission,
            late=timezone.localdate(now) > response.due_on,
            acknowledgement=acknowledgement if not actions else "",
            answers=[
                {"number": number, "action": action.pk, **answer.as_detail()}
                for number, action, answer in rows
            ],
        )
        _notify_submitted(response, event, resubmission=resubmission)
        return response


# One validated answer: (action number, action, its answer).
_Row = tuple[int, RestorativeAction, Answer]


def _check_can_submit(response: QAResponse, by: User) -> None:
    """Only the worker asked, and only while the response is with them."""
    staff = staff_for_user(by)
    if staff is None or staff.pk != response.worker_id:
        raise ValidationError(
            f"Only {response.worker.name}, who was asked for this response, can submit it.",
            code="not_allowed",
        )
    if response.status not in WITH_WORKER:
        raise TransitionConflict(
            f"This response is {response.get_status_display().lower()}, so it cannot be "
            f"submitted again.{_last_move(response)}"
        )


def _validate_submission(
    response: QAResponse,
    actions: list[RestorativeAction],
    answers: dict,
    acknowledgement: str,
    *,
    today: dt.date,
) -> tuple[list[_Row], str]:
    """The cleaned answers, one per action in order, and the cleaned acknowledgement; every
    error at once (`ValidationError` keyed by field)."""
    errors: dict[str, list[str]] = {}
    unknown = set(answers) - {str(a.pk) for a in actions}
    if unknown:
        errors["__all__"] = ["Some answers are for actions that are not in this audit."]
    rows: list[_Row] = []
    for number, action in enumerate(actions, start=1):
        answer = answer_clean(
            values=answers.get(str(action.pk), {}),
            number=number,
            today=today,
            errors=errors,
            key=functools.partial(action_field, action.pk),
        )
        rows.append((number, action, answer))
    acknowledgement = clean_text(acknowledgement)
    if not actions and not acknowledgement:
        errors["acknowledgement"] = [
            "Enter the acknowledgement, for example "
            f"“{acknowledgement_text(response.completed_on)}”"
        ]
    if errors:
        raise ValidationError(errors)
    return rows, acknowledgement


def _record_answers(response: QAResponse, rows: list[_Row], now: dt.datetime) -> None:
    """Create the new answers and update the changed ones (unchanged ones keep their time)."""
    existing = {a.action_id: a for a in ActionResponse.objects.filter(response=response)}
    to_create, to_update = [], []
    for _number, action, answer in rows:
        values = (answer.what_done, answer.done_on, answer.evidence)
        row = existing.get(action.pk)
        if row is None:
            to_create.append(
                ActionResponse(
                    response=response,
                    action=action,
                    what_done=answer.what_done,
                    done_on=answer.done_on,
                    evidence=answer.evidence,
                    answered_at=now,
                )
            )
        elif (row.what_done, row.done_on, row.evidence) != values:
            row.what_done, row.done_on, row.evidence = values
            row.answered_at = now
            to_update.append(row)
    ActionResponse.objects.bulk_create(to_create)
    if to_update:
        ActionResponse.objects.bulk_update(
            to_update, ["what_done", "done_on", "evidence", "answered_at"]
        )


def _audit_actions(response: QAResponse) -> QuerySet[RestorativeAction]:
    """The actions of the response's audit, as the summary's tracking reads them."""
    return RestorativeAction.objects.filter(audit_id=response.audit_id)


def _resolve_from_answers(rows: list[_Row], by: User, now: dt.datetime) -> None:
    """Each action not yet agreed is resolved by its answer (its resolution is the answer's
    "what was done"). The rows are locked by the caller."""
    resolved = []
    for _number, action, answer in rows:
        if action.manager_agreed_at is not None:
            continue  # closed already: it stays as a manager agreed it
        action.status = ActionStatus.RESOLVED
        action.resolved_at, action.resolved_by, action.resolution = now, by, answer.what_done
        resolved.append(action)
    if resolved:
        RestorativeAction.objects.bulk_update(
            resolved, ["status", "resolved_at", "resolved_by", "resolution"]
        )


def _mark_submitted(
    response: QAResponse, by: User, now: dt.datetime, *, acknowledgement: str, has_actions: bool
) -> None:
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = now
    response.submitted_by = by
    if response.first_submitted_at is None:
        response.first_submitted_at = now
    if not has_actions:
        response.acknowledgement = acknowledgement
    response.save(
        update_fields=[
            "status",
            "submitted_at",
            "submitted_by",
            "first_submitted_at",
            "acknowledgement",
        ]
    )


def _notify_submitted(response: QAResponse, event: ResponseEvent, *, resubmission: bool) -> None:
    again = " again" if resubmission else ""
    for manager in managers_to_tell(response):
        notify(
            recipient=manager,
            kind=NotificationKind.RESPONSE_SUBMITTED,
            subject=f"QA response to authorise: case {response.case.reference}",
            body=(
                f"{response.worker.name} has submitted{again} their QA response to the audit "
                f"of case {response.case.reference}. Please authorise it or return it with "
                "a reason."
            ),
            url=response_url(response),
            idempotency_key=f"response-submitted:{response.pk}:{event.pk}:{manager.pk}",
        )


def _authoriser(response: QAResponse, by: User, verb: str) -> Staff:
    staff = staff_for_user(by)
    if staff is None or not can_authorise(staff, response):
        raise ValidationError(
            f"Only the worker's Practice Supervisor or the case's Team Manager can {verb} "
            "this response.",
            code="not_allowed",
        )
    if response.status != ResponseStatus.SUBMITTED:
        raise TransitionConflict(
            f"This response is {response.get_status_display().lower()}: only a submitted "
            f"response can be {'authorised' if verb == 'authorise' else 'returned'}."
            f"{_last_move(response)}"
        )
    return staff


def _last_move(response: QAResponse) -> str:
    """Who moved the response to its present state, and when, for a `TransitionConflict`:
    " It was authorised by Sam Smith at 14:02 on 5 March 2027." (empty when unknown)."""
    current = QAResponse.objects.select_related("submitted_by", "returned_by", "authorised_by").get(
        pk=response.pk
    )
    moves: dict[str, tuple[str, dt.datetime | None, User | None]] = {
        ResponseStatus.SUBMITTED: ("submitted", current.submitted_at, current.submitted_by),
        ResponseStatus.RETURNED: ("returned", current.returned_at, current.returned_by),
        ResponseStatus.AUTHORISED: ("authorised", current.authorised_at, current.authorised_by),
    }
    moved = moves.get(current.status)
    if moved is None or moved[1] is None:
        return ""
    verb, at, user = moved
    who = f" by {user.get_full_name() or user.get_username()}" if user is not None else ""
    local = timezone.localtime(at)
    return f" It was {verb}{who} at {local:%H:%M} on {local.day} {local:%B %Y}."


def response_return(
    *, response: QAResponse, by: User, reason: str, now: dt.datetime | None = None
) -> QAResponse:
    """The supervisor sends a submitted response back to the worker, with a reason. Its
    actions resolved and not yet agreed are open again (their answers are kept, for the
    worker to change and submit again)."""
    now = now or timezone.now()
    reason = clean_text(reason)
    with transaction.atomic():
        lock_response(response)
        staff = _authoriser(response, by, "return")
        if not reason:
            raise ValidationError({"reason": ["Enter why you are returning the response"]})
        response.status = ResponseStatus.RETURNED
        response.returned_at, response.returned_by, response.return_reason = now, by, reason
        response.save(update_fields=["status", "returned_at", "returned_by", "return_reason"])
        with action_summary_tracking(_audit_actions(response)):
            RestorativeAction.objects.filter(
                audit_id=response.audit_id,
                status=ActionStatus.RESOLVED,
                manager_agreed_at__isnull=True,
            ).update(status=ActionStatus.OPEN, resolved_at=None, resolved_by=None)
        event = record_event(response, by, EventKind.RETURNED, now, reason=reason)
        notify(
            recipient=response.worker,
            kind=NotificationKind.RESPONSE_RETURNED,
            subject=f"QA response returned: case {response.case.reference}",
            body=(
                f"{staff.name} has returned your QA response to the audit of case "
                f"{response.case.reference}. Open it to read why, then submit it again."
            ),
            url=response_url(response),
            idempotency_key=f"response-returned:{response.pk}:{event.pk}",
        )
        return response


def response_authorise(
    *, response: QAResponse, by: User, now: dt.datetime | None = None
) -> QAResponse:
    """The supervisor authorises a submitted response (the worker is told in the app). That
    agrees its resolved actions are resolved, closing them, except any the authoriser owns
    (another manager agrees those: `action_agree`)."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_response(response)
        staff = _authoriser(response, by, "authorise")
        response.status = ResponseStatus.AUTHORISED
        response.authorised_at, response.authorised_by = now, by
        response.save(update_fields=["status", "authorised_at", "authorised_by"])
        with action_summary_tracking(_audit_actions(response)):
            agreed = (
                RestorativeAction.objects.filter(
                    audit_id=response.audit_id,
                    status=ActionStatus.RESOLVED,
                    manager_agreed_at__isnull=True,
                )
                .exclude(owner=staff)
                .update(manager_agreed_at=now, manager_agreed_by=by)
            )
        event = record_event(response, by, EventKind.AUTHORISED, now, actions_agreed=agreed)
        closed = " Its restorative actions are agreed resolved." if agreed else ""
        notify(
            recipient=response.worker,
            kind=NotificationKind.RESPONSE_AUTHORISED,
            subject=f"QA response authorised: case {response.case.reference}",
            body=(
                f"{staff.name} has authorised your QA response to the audit of case "
                f"{response.case.reference}.{closed}"
            ),
            url=response_url(response),
            idempotency_key=f"response-authorised:{response.pk}:{event.pk}",
            email=False,
        )
        return response
