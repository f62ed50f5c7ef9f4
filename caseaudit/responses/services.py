"""Writes of the QA Response workflow. Each runs in one transaction, records who did it in the
response's history (`ResponseEvent`), sends its notifications, and refuses a rule with
`ValidationError`.

- `response_create_for_audit`: completing an audit asks the case's worker for a response, due
  5 working days after the completion date; the worker and their Practice Supervisor are told
  (the Team Manager when there is no PS), by email with the audit's PDF when there is one.
- `response_submit` (the worker), `response_return` and `response_authorise` (the worker's
  Practice Supervisor or line manager, or the case's Team Manager).
- `action_resolve` (the action's owner), `action_agree` / `action_reopen` (a manager).
- `run_due_jobs`: reminders, escalation and chasing of overdue actions for one day; safe to
  run any number of times (each notification has an idempotency key naming what it is about,
  its kind and its date).

Services that take `now` or `today` default to the clock; tests pass fixed ones.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.models import ActionStatus, Audit, AuditStatus, RestorativeAction
from caseaudit.cases.models import Case
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import By, User
from caseaudit.core.working_days import add_working_days, is_working_day, working_days_between
from caseaudit.notifications.models import Notification
from caseaudit.notifications.services import Attachment, NotificationKind, notify
from caseaudit.organisation.models import Role, Staff
from caseaudit.organisation.selectors import staff_for_user

from . import attachments
from .models import (
    RESPONSE_WORKING_DAYS,
    WITH_WORKER,
    ActionResponse,
    EventKind,
    QAResponse,
    ReminderKind,
    ResponseEvent,
    ResponseStatus,
    acknowledgement_text,
)
from .selectors import can_agree, can_authorise, can_resolve

logger = logging.getLogger(__name__)

# While a response stays overdue, the worker is reminded again every this many working days.
OVERDUE_REMINDER_EVERY = 5
# An overdue action's owner is reminded once in each such run of working days.
ACTION_REMINDER_EVERY = 5


def action_field(action_pk: int, name: str) -> str:
    """The form field (and error key) of one action's answer: "a12-what_done"."""
    return f"a{action_pk}-{name}"


def long_date(d: dt.date) -> str:
    """ "Thursday 31 December 2026"."""
    return f"{d:%A} {d.day} {d:%B %Y}"


def _clean_text(value) -> str:
    return "" if value is None else str(value).strip()


def _event(response: QAResponse, by: By, kind: str, at: dt.datetime, **detail) -> ResponseEvent:
    return ResponseEvent.objects.create(response=response, by=by, kind=kind, at=at, detail=detail)


def _url(response: QAResponse) -> str:
    return reverse("response_detail", args=[response.pk])


def _lock(response: QAResponse) -> None:
    """Lock the response's row for this transaction and reload its own values."""
    list(QAResponse.objects.select_for_update().filter(pk=response.pk).values_list("pk"))
    response.refresh_from_db(
        fields=[f.attname for f in QAResponse._meta.concrete_fields if not f.is_relation]
    )


# --- Who is asked, who is told ----------------------------------------------------------


def case_managers(case: Case) -> list[Staff]:
    """The case team's Team Manager(s); if the team has none, the service's CSM(s)."""
    managers = list(
        Staff.objects.active()
        .filter(team_id=case.team_id, role=Role.TEAM_MANAGER)
        .select_related("user")
        .order_by("pk")
    )
    if not managers:
        managers = list(
            Staff.objects.active()
            .filter(
                Q(service_area_id=case.team.service_area_id) | Q(team_id=case.team_id),
                role=Role.SERVICE_MANAGER,
            )
            .select_related("user")
            .order_by("pk")
        )
    return managers


def response_people(case: Case) -> tuple[Staff | None, Staff | None]:
    """(worker, supervisor) for a response on `case`: the allocated worker (if they have not
    left), else the case team's Team Manager (else the service's CSM); and that person's line
    manager, if current."""
    worker = case.allocated_worker if case.allocated_worker_id else None
    if worker is None or not worker.is_active:
        managers = case_managers(case)
        worker = managers[0] if managers else None
    if worker is None:
        return None, None
    supervisor = worker.line_manager if worker.line_manager_id else None
    if supervisor is not None and not supervisor.is_active:
        supervisor = None
    return worker, supervisor


def _managers_to_tell(response: QAResponse) -> list[Staff]:
    """Who authorises: the supervisor, or the case's Team Manager(s) if there is none."""
    if response.supervisor is not None and response.supervisor.is_active:
        return [response.supervisor]
    return [s for s in case_managers(response.case) if s.pk != response.worker_id]


def _pdf(audit: Audit) -> Attachment | None:
    if not attachments.pdf_available():
        return None
    return Attachment(
        name=attachments.pdf_filename(audit),
        kind=attachments.ATTACHMENT_KIND,
        object_id=audit.pk,
    )


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
        _event(
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
    pdf = _pdf(audit)
    attached = "The audit is attached. " if pdf else ""
    if has_actions:
        ask = "Answer each restorative action: what was done or is planned, and by when."
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
        url=_url(response),
        idempotency_key=f"response-created:{response.pk}:{response.worker_id}",
        attachment=pdf,
    )
    for manager in _managers_to_tell(response):
        notify(
            recipient=manager,
            kind=NotificationKind.RESPONSE_REQUESTED,
            subject=f"Audit completed: case {case.reference}",
            body=(
                f"{audit.auditor.name} has completed a {tool} of case {case.reference}. "
                f"{attached}{response.worker.name} has been asked for a QA response by {due}, "
                "which you then authorise or return."
            ),
            url=_url(response),
            idempotency_key=f"response-created:{response.pk}:{manager.pk}",
            attachment=pdf,
        )


# --- Submit, return, authorise ----------------------------------------------------------


def _parse_date(value, key: str, errors: dict) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[key] = ["“By when” must be a real date"]
        return None


def response_submit(
    *,
    response: QAResponse,
    by: User,
    acknowledgement: str = "",
    action_answers: dict | None = None,
    now: dt.datetime | None = None,
) -> QAResponse:
    """The worker submits their response for authorisation.

    `action_answers` maps each restorative action's id to {"what_done", "planned_by"}; every
    action needs "what_done" ("planned_by", a date, is optional). With no actions the
    acknowledgement is required instead. Errors are keyed by field (`action_field`).
    """
    now = now or timezone.now()
    answers = {str(k): v or {} for k, v in (action_answers or {}).items()}
    with transaction.atomic():
        _lock(response)
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
        actions = list(
            RestorativeAction.objects.filter(audit_id=response.audit_id).order_by("order", "id")
        )
        errors: dict[str, list[str]] = {}
        unknown = set(answers) - {str(a.pk) for a in actions}
        if unknown:
            errors["__all__"] = ["Some answers are for actions that are not in this audit."]
        rows = []
        for number, action in enumerate(actions, start=1):
            values = answers.get(str(action.pk), {})
            what_done = _clean_text(values.get("what_done"))
            planned_by = _parse_date(
                values.get("planned_by"), action_field(action.pk, "planned_by"), errors
            )
            if not what_done:
                errors[action_field(action.pk, "what_done")] = [
                    f"Write what was done or is planned for action {number}"
                ]
            rows.append((number, action, what_done, planned_by))
        acknowledgement = _clean_text(acknowledgement)
        if not actions and not acknowledgement:
            errors["acknowledgement"] = [
                "Enter the acknowledgement, for example "
                f"“{acknowledgement_text(response.completed_on)}”"
            ]
        if errors:
            raise ValidationError(errors)

        existing = {a.action_id: a for a in ActionResponse.objects.filter(response=response)}
        to_create, to_update = [], []
        for _number, action, what_done, planned_by in rows:
            answer = existing.get(action.pk)
            if answer is None:
                to_create.append(
                    ActionResponse(
                        response=response,
                        action=action,
                        what_done=what_done,
                        planned_by=planned_by,
                        answered_at=now,
                    )
                )
            elif (answer.what_done, answer.planned_by) != (what_done, planned_by):
                answer.what_done, answer.planned_by, answer.answered_at = (
                    what_done,
                    planned_by,
                    now,
                )
                to_update.append(answer)
        ActionResponse.objects.bulk_create(to_create)
        if to_update:
            ActionResponse.objects.bulk_update(
                to_update, ["what_done", "planned_by", "answered_at"]
            )

        resubmission = response.status == ResponseStatus.RETURNED
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = now
        response.submitted_by = by
        if response.first_submitted_at is None:
            response.first_submitted_at = now
        if not actions:
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
        event = _event(
            response,
            by,
            EventKind.SUBMITTED,
            now,
            resubmission=resubmission,
            late=timezone.localdate(now) > response.due_on,
            acknowledgement=acknowledgement if not actions else "",
            answers=[
                {
                    "number": number,
                    "action": action.pk,
                    "what_done": what_done,
                    "planned_by": planned_by.isoformat() if planned_by else None,
                }
                for number, action, what_done, planned_by in rows
            ],
        )
        again = " again" if resubmission else ""
        for manager in _managers_to_tell(response):
            notify(
                recipient=manager,
                kind=NotificationKind.RESPONSE_SUBMITTED,
                subject=f"QA response to authorise: case {response.case.reference}",
                body=(
                    f"{response.worker.name} has submitted{again} their QA response to the audit "
                    f"of case {response.case.reference}. Please authorise it or return it with "
                    "a reason."
                ),
                url=_url(response),
                idempotency_key=f"response-submitted:{response.pk}:{event.pk}:{manager.pk}",
            )
        return response


def _authoriser(response: QAResponse, by: User, verb: str) -> Staff:
    staff = staff_for_user(by)
    if not can_authorise(staff, response):
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
    moved = {
        ResponseStatus.SUBMITTED: ("submitted", current.submitted_at, current.submitted_by),
        ResponseStatus.RETURNED: ("returned", current.returned_at, current.returned_by),
        ResponseStatus.AUTHORISED: ("authorised", current.authorised_at, current.authorised_by),
    }.get(current.status)
    if moved is None or moved[1] is None:
        return ""
    verb, at, user = moved
    who = f" by {user.get_full_name() or user.get_username()}" if user is not None else ""
    local = timezone.localtime(at)
    return f" It was {verb}{who} at {local:%H:%M} on {local.day} {local:%B %Y}."


def response_return(
    *, response: QAResponse, by: User, reason: str, now: dt.datetime | None = None
) -> QAResponse:
    """The supervisor sends a submitted response back to the worker, with a reason."""
    now = now or timezone.now()
    reason = _clean_text(reason)
    with transaction.atomic():
        _lock(response)
        staff = _authoriser(response, by, "return")
        if not reason:
            raise ValidationError({"reason": ["Enter why you are returning the response"]})
        response.status = ResponseStatus.RETURNED
        response.returned_at, response.returned_by, response.return_reason = now, by, reason
        response.save(update_fields=["status", "returned_at", "returned_by", "return_reason"])
        event = _event(response, by, EventKind.RETURNED, now, reason=reason)
        notify(
            recipient=response.worker,
            kind=NotificationKind.RESPONSE_RETURNED,
            subject=f"QA response returned: case {response.case.reference}",
            body=(
                f"{staff.name} has returned your QA response to the audit of case "
                f"{response.case.reference}. Open it to read why, then submit it again."
            ),
            url=_url(response),
            idempotency_key=f"response-returned:{response.pk}:{event.pk}",
        )
        return response


def response_authorise(
    *, response: QAResponse, by: User, now: dt.datetime | None = None
) -> QAResponse:
    """The supervisor authorises a submitted response (the worker is told in the app)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock(response)
        staff = _authoriser(response, by, "authorise")
        response.status = ResponseStatus.AUTHORISED
        response.authorised_at, response.authorised_by = now, by
        response.save(update_fields=["status", "authorised_at", "authorised_by"])
        event = _event(response, by, EventKind.AUTHORISED, now)
        notify(
            recipient=response.worker,
            kind=NotificationKind.RESPONSE_AUTHORISED,
            subject=f"QA response authorised: case {response.case.reference}",
            body=(
                f"{staff.name} has authorised your QA response to the audit of case "
                f"{response.case.reference}. Mark each restorative action resolved when it "
                "is done."
            ),
            url=_url(response),
            idempotency_key=f"response-authorised:{response.pk}:{event.pk}",
            email=False,
        )
        return response


# --- Restorative actions ----------------------------------------------------------------


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


def _action_detail(action: RestorativeAction) -> dict:
    return {"action": action.pk, "description": action.description[:200]}


def action_resolve(
    *, action: RestorativeAction, by: User, note: str, now: dt.datetime | None = None
) -> RestorativeAction:
    """The action's owner marks it resolved, saying what was done. A manager then agrees
    (`action_agree`); until then it is not closed."""
    now = now or timezone.now()
    note = _clean_text(note)
    with transaction.atomic():
        _lock_action(action)
        response = _action_response(action)
        staff = staff_for_user(by)
        if not can_resolve(staff, action, response):
            raise ValidationError(
                "Only the action's owner can mark it resolved.", code="not_allowed"
            )
        if action.status != ActionStatus.OPEN:
            raise TransitionConflict("This action is already marked resolved.")
        if not note:
            raise ValidationError({"note": ["Enter what was done to resolve the action"]})
        action.status = ActionStatus.RESOLVED
        action.resolved_at, action.resolved_by, action.resolution = now, by, note
        action.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
        event = _event(
            response, by, EventKind.ACTION_RESOLVED, now, note=note, **_action_detail(action)
        )
        for manager in _managers_to_tell(response):
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
                url=_url(response) + "#actions",
                idempotency_key=f"action-resolved:{action.pk}:{event.pk}:{manager.pk}",
                email=False,
            )
        return action


def _action_manager(action, response, by: User, verb: str) -> Staff:
    staff = staff_for_user(by)
    if not can_agree(staff, action, response):
        raise ValidationError(
            f"Only the worker's Practice Supervisor or the case's Team Manager can {verb} "
            "this action (never its own owner).",
            code="not_allowed",
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
        action.manager_agreed_at, action.manager_agreed_by = now, by
        action.save(update_fields=["manager_agreed_at", "manager_agreed_by"])
        event = _event(response, by, EventKind.ACTION_AGREED, now, **_action_detail(action))
        if action.owner_id and action.owner_id != staff.pk:
            notify(
                recipient=action.owner,
                kind=NotificationKind.ACTION_AGREED,
                subject=f"Restorative action closed: case {response.case.reference}",
                body=(
                    f"{staff.name} has agreed your restorative action on case "
                    f"{response.case.reference} is resolved. It is closed."
                ),
                url=_url(response) + "#actions",
                idempotency_key=f"action-agreed:{action.pk}:{event.pk}",
                email=False,
            )
        return action


def action_reopen(
    *, action: RestorativeAction, by: User, reason: str, now: dt.datetime | None = None
) -> RestorativeAction:
    """A manager does not agree an action is resolved: it is open again, with the reason."""
    now = now or timezone.now()
    reason = _clean_text(reason)
    with transaction.atomic():
        _lock_action(action)
        response = _action_response(action)
        staff = _action_manager(action, response, by, "reopen")
        if not reason:
            raise ValidationError({"reason": ["Enter why the action is not resolved yet"]})
        action.status = ActionStatus.OPEN
        action.resolved_at = action.resolved_by = None
        action.save(update_fields=["status", "resolved_at", "resolved_by"])
        event = _event(
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
                "response to read why."
            ),
            url=_url(response) + "#actions",
            idempotency_key=f"action-reopened:{action.pk}:{event.pk}",
        )
        return action


# --- Chasing ----------------------------------------------------------------------------


@dataclass
class DueJobsReport:
    """What `run_due_jobs` did: one line per notification sent, and counts by kind."""

    today: dt.date
    working_day: bool
    lines: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    errors: int = 0

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] += 1
        self.lines.append(line)


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(
            Notification.objects.filter(idempotency_key__in=keys[start : start + 500]).values_list(
                "idempotency_key", flat=True
            )
        )
    return found


def run_due_jobs(*, today: dt.date | None = None, now: dt.datetime | None = None):
    """Send today's reminders and escalations. Safe to run any number of times a day.

    On a working day:
    - the worker is reminded the working day before the due date and on the due date;
    - the day after, an overdue response is escalated once to the case's Team Manager(s) (the
      service's CSM if the team has none), and the worker told it is overdue; then the worker
      is reminded every `OVERDUE_REMINDER_EVERY` working days while it stays overdue;
    - the owner of an open restorative action past its due date is reminded once in every
      `ACTION_REMINDER_EVERY` working days it stays open.
    Nothing is sent on a weekend, bank holiday or closure day. Each notification's
    idempotency key names the response or action, the kind and the date, so a second run on
    the same day sends nothing.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    report = DueJobsReport(today=today, working_day=is_working_day(today))
    if not report.working_day:
        return report
    next_working_day = add_working_days(today, 1)
    responses = (
        QAResponse.objects.filter(status__in=WITH_WORKER, due_on__lte=next_working_day)
        .select_related("case", "case__team", "worker__user", "supervisor")
        .order_by("due_on", "id")
    )
    for response in responses:
        try:
            with transaction.atomic():
                _chase_response(response, today=today, now=now, report=report)
        except Exception:
            report.errors += 1
            logger.exception("Chasing QA response %s failed", response.pk)
    _chase_actions(today=today, report=report)
    return report


def _remind_worker(response, kind: str, *, today, now, report, subject, body) -> None:
    worker = response.worker
    if not worker.is_active:
        return
    key = f"response-reminder:{response.pk}:{kind}:{today.isoformat()}"
    if Notification.objects.filter(idempotency_key=key).exists():
        return
    notify(
        recipient=worker,
        kind=NotificationKind(f"response_{kind}"),
        subject=subject,
        body=body,
        url=_url(response),
        idempotency_key=key,
    )
    QAResponse.objects.filter(pk=response.pk).update(
        last_reminder_kind=kind, last_reminder_on=today
    )
    response.last_reminder_kind, response.last_reminder_on = kind, today
    _event(response, None, EventKind.REMINDED, now, reminder=kind, to=worker.name)
    report.add(
        kind, f"Reminded {worker.name}: QA response for case {response.case.reference} ({kind})"
    )


def _chase_response(response: QAResponse, *, today, now, report: DueJobsReport) -> None:
    reference = response.case.reference
    due = long_date(response.due_on)
    if response.due_on > today:  # due the next working day
        _remind_worker(
            response,
            ReminderKind.DUE_TOMORROW,
            today=today,
            now=now,
            report=report,
            subject=f"QA response due tomorrow: case {reference}",
            body=f"Your QA response to the audit of case {reference} is due by {due}.",
        )
        return
    if response.due_on == today:
        _remind_worker(
            response,
            ReminderKind.DUE_TODAY,
            today=today,
            now=now,
            report=report,
            subject=f"QA response due today: case {reference}",
            body=f"Your QA response to the audit of case {reference} is due today, {due}.",
        )
        return
    # Overdue.
    if response.escalated_at is None:
        _escalate(response, today=today, now=now, report=report)
        _remind_worker(
            response,
            ReminderKind.OVERDUE,
            today=today,
            now=now,
            report=report,
            subject=f"QA response overdue: case {reference}",
            body=(
                f"Your QA response to the audit of case {reference} was due by {due} and is "
                "overdue. Your Team Manager has been told."
            ),
        )
        return
    last = response.last_reminder_on
    if last is None or working_days_between(last, today) >= OVERDUE_REMINDER_EVERY:
        _remind_worker(
            response,
            ReminderKind.STILL_OVERDUE,
            today=today,
            now=now,
            report=report,
            subject=f"QA response still overdue: case {reference}",
            body=(
                f"Your QA response to the audit of case {reference} was due by {due} and is "
                f"still overdue ({working_days_between(response.due_on, today)} working days)."
            ),
        )


def _escalate(response: QAResponse, *, today, now, report: DueJobsReport) -> None:
    """Tell the case's Team Manager(s) once that the response is overdue."""
    done = QAResponse.objects.filter(pk=response.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if not done:
        return
    response.escalated_at = now
    reference = response.case.reference
    managers = case_managers(response.case)
    for manager in managers:
        notify(
            recipient=manager,
            kind=NotificationKind.RESPONSE_OVERDUE,
            subject=f"QA response overdue: case {reference}",
            body=(
                f"The QA response of {response.worker.name} to the audit of case {reference} "
                f"was due by {long_date(response.due_on)} and has not been submitted. It is "
                "listed on your responses page until it is."
            ),
            url=reverse("response_team"),
            idempotency_key=(
                f"response-escalated:{response.pk}:{response.due_on.isoformat()}:{manager.pk}"
            ),
        )
        report.add(
            "escalated", f"Escalated to {manager.name}: QA response for case {reference} overdue"
        )
    _event(
        response,
        None,
        EventKind.ESCALATED,
        now,
        to=[m.name for m in managers],
        on=today.isoformat(),
    )


def _chase_actions(*, today: dt.date, report: DueJobsReport) -> None:
    actions = list(
        RestorativeAction.objects.filter(
            status=ActionStatus.OPEN,
            due_on__lt=today,
            audit__status=AuditStatus.COMPLETED,
            owner__isnull=False,
            owner__left_on__isnull=True,
        )
        .select_related("owner__user", "audit__case", "audit__qa_response")
        .order_by("due_on", "id")
    )
    todo = []
    for action in actions:
        days = max(1, working_days_between(action.due_on, today))
        period = (days - 1) // ACTION_REMINDER_EVERY
        # The first working day of this run of `ACTION_REMINDER_EVERY` overdue working days.
        since = add_working_days(action.due_on, 1 + period * ACTION_REMINDER_EVERY)
        todo.append((action, days, f"action-overdue:{action.pk}:{since.isoformat()}"))
    sent = _existing_keys([key for _a, _d, key in todo])
    for action, days, key in todo:
        if key in sent:
            continue
        case = action.audit.case
        response = getattr(action.audit, "qa_response", None)
        url = (
            reverse("response_detail", args=[response.pk]) + "#actions"
            if response is not None
            else reverse("audit_detail", args=[action.audit_id]) + "#restorative-actions"
        )
        try:
            notify(
                recipient=action.owner,
                kind=NotificationKind.ACTION_OVERDUE,
                subject=f"Restorative action overdue: case {case.reference}",
                body=(
                    f"A restorative action on case {case.reference} was due by "
                    f"{long_date(action.due_on)} and is not yet marked resolved "
                    f"({days} working day{'s' if days != 1 else ''} overdue). Mark it resolved "
                    "when it is done."
                ),
                url=url,
                idempotency_key=key,
            )
        except Exception:
            report.errors += 1
            logger.exception("Reminding the owner of action %s failed", action.pk)
            continue
        report.add(
            "action_overdue",
            f"Reminded {action.owner.name}: action on case {case.reference} overdue ({days} "
            "working days)",
        )
