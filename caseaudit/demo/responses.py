"""Demo history of QA responses, for the demo county (`caseaudit.demo.seed`).

`responses_demo(today=...)` gives each completed audit of the demo county that has no response
yet a response in a plausible state for its age: recent ones awaiting the worker or submitted,
those a few weeks old overdue (escalated), returned, submitted or authorised, older ones
authorised (on time, late, or after being returned once), with the history, answers (one per
action: what was done, the date it was done, the evidence) and action tracking that state
implies, as the services would leave them: submitting resolves each action from its answer,
returning opens them again, authorising agrees them. It sends no notifications.
Idempotent: audits that already have a response are skipped.

`demo_completed_audits(today=...)` makes completed Generic Audits for the demo county when it
has none (when the audit history was not made), so that the demo has responses to show. It
writes the rows directly (as a history), sending no signal and no notification.
"""

import datetime as dt
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits import models as audit_models
from caseaudit.audits.models import (
    ActionStatus,
    Audit,
    AuditEvent,
    AuditReason,
    AuditStatus,
    RestorativeAction,
    SectionAnswer,
)
from caseaudit.cases.models import CHILD_CASE_TYPES, Case
from caseaudit.core.working_days import add_working_days, is_working_day, previous_working_day
from caseaudit.organisation.models import Role, Staff
from caseaudit.responses.models import (
    RESPONSE_WORKING_DAYS,
    ActionResponse,
    EventKind,
    QAResponse,
    ReminderKind,
    ResponseEvent,
    ResponseStatus,
    acknowledgement_text,
)
from caseaudit.responses.services import case_managers, response_people

from .authority import DEMO_MARKER_AREA, demo_email
from .bulk import update_rows

ACTION_TEXTS = [
    "Update the chronology so it shows the last three months of visits.",
    "Record the child's wishes and feelings, in their own words, from the last visit.",
    "Upload the signed safety plan to the record.",
    "Record the outcome of the last core group meeting and the actions agreed.",
    "Complete the genogram and add the paternal family.",
    "Write a case summary that tells the story of the child's journey so far.",
    "Evidence management oversight of the decision to step down.",
    "Check the family's contact details and record that they were checked.",
]
ANSWER_TEXTS = [
    "Done: {what}",
    "Updated the record and checked it with my Practice Supervisor.",
    "Saw the child alone at home and recorded their views in their own words.",
    "Discussed in supervision; the record now shows the decision and the reasons for it.",
    "Completed and uploaded to the case record.",
]
EVIDENCE_TEXTS = [
    "Case note of {date}.",
    "Chronology on the case record, updated {date}.",
    "Supervision record of {date}.",
    "Document uploaded to the case record on {date}.",
    "",  # none given: the evidence is optional
]
RETURN_REASONS = [
    "Please add where the work can be seen (the evidence) for each action.",
    "Action 1 needs more: what exactly changed in the record?",
    "Please say how the child's views were gathered, not only that they were.",
]
# What a returned answer gains when it is submitted again.
RESUBMITTED_TEXT = " I have added where it is recorded, as asked."


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _demo_audits():
    return Audit.objects.filter(
        status=AuditStatus.COMPLETED, case__team__service_area__code__startswith=DEMO_MARKER_AREA
    )


# --- Completed audits (only when the demo county has none) -----------------------------------


def demo_completed_audits(
    *, today: dt.date | None = None, count: int = 30, seed: int = 2026
) -> list[Audit]:
    """Completed Generic Audits of demo cases over the last ten weeks (none if the demo county
    already has completed audits, or no published Generic Audit Tool)."""
    today = today or timezone.localdate()
    version = tool_version_published(code="generic")
    if version is None or _demo_audits().exists():
        return []
    rng = random.Random(seed)
    cases = _cases_to_audit(count, rng)
    managers = list(
        Staff.objects.active()
        .filter(role=Role.TEAM_MANAGER, team__service_area__code__startswith=DEMO_MARKER_AREA)
        .select_related("user")
        .order_by("pk")
    )
    sections = [s for s in version.sections.all() if s.scaled]
    made = []
    with transaction.atomic():
        for n, case in enumerate(cases):
            auditor = next((m for m in managers if m.team_id != case.team_id), None)
            if auditor is None:
                break
            managers.append(managers.pop(managers.index(auditor)))  # share the audits out
            # Spread over ten weeks, the newest today, each on a working day.
            day = today - dt.timedelta(days=(n * 70) // max(count, 1))
            while not is_working_day(day):
                day = previous_working_day(day)
            made.append(_completed_audit(case, auditor, version, sections, day, n=n, rng=rng))
    return made


def _completed_audit(case, auditor, version, sections, day, *, n, rng) -> Audit:
    """One completed peer audit of `case` on `day`, with its sections, 0-3 actions owned by
    the allocated worker and its history; the case's last audit date moved on."""
    completed_at = _moment(day, 9 + n % 7, 15)
    if completed_at > timezone.now():
        completed_at = timezone.now() - dt.timedelta(minutes=5)
    started_at = completed_at - dt.timedelta(days=2, hours=3)
    audit = Audit.objects.create(
        case=case,
        tool_version=version,
        auditor=auditor,
        reason=AuditReason.PEER,
        status=AuditStatus.COMPLETED,
        started_at=started_at,
        updated_at=completed_at,
        updated_by=auditor.user,
        completed_at=completed_at,
        completed_by=auditor.user,
        overall_scale=rng.randint(4, 9),
        summary="A peer audit of the record: the plan is clear and the child is seen; "
        "the recording of the child's views needs strengthening.",
        voice_of_child="The child's views are recorded at most visits.",
        good_practice="Timely visits and a clear, child-focused plan.",
    )
    SectionAnswer.objects.bulk_create(
        SectionAnswer(
            audit=audit,
            section=section,
            working_well="Visits are regular and purposeful.",
            worried_about="The record does not always show the child's own words.",
            needs_to_happen="Record the child's views after each visit.",
            scale=rng.randint(4, 9),
        )
        for section in sections
    )
    actions = rng.choice([0, 1, 1, 2, 2, 3])
    RestorativeAction.objects.bulk_create(
        RestorativeAction(
            audit=audit,
            description=text,
            owner=case.allocated_worker,
            due_on=add_working_days(day, rng.choice([10, 15, 20])),
            order=i,
            created_at=completed_at,
        )
        for i, text in enumerate(rng.sample(ACTION_TEXTS, actions))
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                audit=audit,
                at=started_at,
                by=auditor.user,
                kind=audit_models.EventKind.STARTED,
            ),
            AuditEvent(
                audit=audit,
                at=completed_at,
                by=auditor.user,
                kind=audit_models.EventKind.COMPLETED,
                detail={"overall_scale": audit.overall_scale},
            ),
        ]
    )
    Case.objects.filter(pk=case.pk).update(last_audited_on=day)
    return audit


def _cases_to_audit(count: int, rng: random.Random) -> list[Case]:
    """The demo practitioner's cases first (so their login shows every state), then a spread
    of open child cases with a worker and a supervisor."""
    eligible = (
        Case.objects.open()
        .filter(
            team__service_area__code__startswith=DEMO_MARKER_AREA,
            case_type__in=CHILD_CASE_TYPES,
            allocated_worker__isnull=False,
            allocated_worker__line_manager__isnull=False,
        )
        .select_related("allocated_worker", "team")
        .order_by("pk")
    )
    practitioner = Q(allocated_worker__user__email=demo_email(Role.PRACTITIONER))
    chosen = list(eligible.filter(practitioner)[:8])
    others = list(eligible.exclude(practitioner).values_list("pk", flat=True))
    picked = rng.sample(others, min(len(others), max(count - len(chosen), 0)))
    chosen += list(eligible.filter(pk__in=picked))
    rng.shuffle(chosen)
    return chosen[:count]


# --- Responses ----------------------------------------------------------------------------------


def responses_demo(*, today: dt.date | None = None, seed: int = 2026) -> dict:
    """Responses in every state for the demo county's completed audits without one.
    Returns how many were made in each status, and how many of them are "overdue" (still with
    the worker after their due date)."""
    today = today or timezone.localdate()
    now = timezone.now()
    rng = random.Random(seed)
    without_response = _demo_audits().filter(qa_response__isnull=True)
    audits = list(
        without_response.select_related(
            "case",
            "case__team",
            "case__allocated_worker__user",
            "case__allocated_worker__line_manager__user",
            "completed_by",
        ).order_by("completed_at", "pk")
    )
    counts: dict[str, int] = {}
    rows = _Rows(audits, without_response.values("pk"))
    with transaction.atomic():
        for n, audit in enumerate(audits):
            response = _DemoResponse(audit, n=n, today=today, now=now, rng=rng, rows=rows).build()
            if response is not None:
                counts[response.status] = counts.get(response.status, 0) + 1
                if response.is_overdue(today):
                    counts["overdue"] = counts.get("overdue", 0) + 1
        rows.write()
    return counts


class _Rows:
    """What the responses read (each audit's actions, each team's managers: one query each,
    not one per response) and what they write, kept until `write()` inserts it in bulk: the
    county's 4,400 responses took 47 CPU seconds written one by one (8 s so), most of `make run`'s
    first start."""

    ACTION_FIELDS = [
        "status",
        "resolved_at",
        "resolved_by",
        "resolution",
        "manager_agreed_at",
        "manager_agreed_by",
    ]

    def __init__(self, audits, without_response):
        self.actions: dict[int, list[RestorativeAction]] = {audit.pk: [] for audit in audits}
        # By a subquery, not thousands of ids as parameters.
        for action in RestorativeAction.objects.filter(audit__in=without_response).order_by(
            "order", "id"
        ):
            if action.audit_id in self.actions:
                self.actions[action.audit_id].append(action)
        self._managers: dict[int, list[Staff]] = {}
        self.responses: list[QAResponse] = []
        self.answers: list[ActionResponse] = []
        self.events: list[ResponseEvent] = []
        self.changed: dict[int, RestorativeAction] = {}

    def managers(self, case) -> list[Staff]:
        """`case_managers(case)`, read once a team."""
        if case.team_id not in self._managers:
            self._managers[case.team_id] = case_managers(case)
        return self._managers[case.team_id]

    def write(self) -> None:
        QAResponse.objects.bulk_create(self.responses)  # their ids are read back
        ActionResponse.objects.bulk_create(self.answers)
        ResponseEvent.objects.bulk_create(self.events)
        update_rows(RestorativeAction, list(self.changed.values()), self.ACTION_FIELDS)


class _DemoResponse:
    def __init__(self, audit, *, n, today, now, rng, rows: _Rows):
        self.audit, self.n, self.today, self.now, self.rng = audit, n, today, now, rng
        self.rows = rows
        self.events: list[ResponseEvent] = []
        self.answers: dict[int, ActionResponse] = {}  # by action: one answer each

    def at(self, day: dt.date, hour: int) -> dt.datetime | None:
        """A moment on `day`, or None if that is still to come."""
        moment = _moment(day, hour, self.rng.randint(0, 59))
        return moment if moment <= self.now else None

    def event(self, kind, at, by, **detail):
        self.events.append(
            ResponseEvent(response=self.response, kind=kind, at=at, by=by, detail=detail)
        )

    def plan(self, due_on: dt.date) -> str:
        """The story of this response, by its age."""
        if due_on >= self.today:
            return ["awaiting", "submitted", "awaiting"][self.n % 3]
        if due_on >= self.today - dt.timedelta(days=21):
            return ["overdue", "returned", "submitted", "authorised", "overdue", "authorised"][
                self.n % 6
            ]
        return ["authorised", "authorised_after_return", "authorised_late", "authorised"][
            self.n % 4
        ]

    def build(self) -> QAResponse | None:
        """The response and its history, in the state its plan reaches by now."""
        audit, case = self.audit, self.audit.case
        worker, supervisor = response_people(case)
        if worker is None:
            return None
        completed_on = timezone.localdate(audit.completed_at)
        due_on = add_working_days(completed_on, RESPONSE_WORKING_DAYS)
        actions = self.rows.actions[audit.pk]
        manager = self.create(worker, supervisor, completed_on, due_on, actions)
        plan = self.plan(due_on)
        if manager is None and plan != "awaiting":
            plan = "overdue" if due_on < self.today else "awaiting"
        return self.play(plan, actions, completed_on, due_on, manager)

    def create(self, worker, supervisor, completed_on, due_on, actions):
        """The response as the audit's completion made it; returns who authorises it (the
        supervisor, else a manager of the case, else None)."""
        audit = self.audit
        self.response = QAResponse(
            audit=audit,
            case=audit.case,
            worker=worker,
            supervisor=supervisor,
            completed_on=completed_on,
            due_on=due_on,
            acknowledgement="" if actions else acknowledgement_text(completed_on),
            created_at=audit.completed_at,
        )
        manager = supervisor or next(iter(self.rows.managers(audit.case)), None)
        self.event(
            EventKind.CREATED,
            audit.completed_at,
            audit.completed_by,
            worker=worker.name,
            supervisor=supervisor.name if supervisor else "",
            due_on=due_on.isoformat(),
        )
        return manager

    def play(self, plan, actions, completed_on, due_on, manager) -> QAResponse:
        """Chased, submitted, returned, resubmitted and authorised as far as `plan` goes
        (and as far as today allows)."""
        r = self.response
        if plan in ("overdue", "authorised_late"):
            self.chase(due_on)
        if plan in ("awaiting", "overdue"):
            return self.finish()

        # Submitted: on time, or two working days late.
        if plan == "authorised_late":
            submit_day = add_working_days(due_on, 2)
        else:
            submit_day = add_working_days(completed_on, self.rng.randint(1, RESPONSE_WORKING_DAYS))
        submitted_at = self.at(submit_day, 14)
        if submitted_at is None:
            return self.finish()
        self.submit(actions, submitted_at, first=True)
        if plan == "submitted":
            return self.finish()

        if plan in ("returned", "authorised_after_return"):
            submit_day = self.return_and_resubmit(plan, actions, submit_day, manager)
            if submit_day is None:
                return self.finish()

        authorised_at = self.at(add_working_days(submit_day, 1), 11)
        if authorised_at is None:
            return self.finish()
        r.status = ResponseStatus.AUTHORISED
        r.authorised_at, r.authorised_by = authorised_at, manager.user
        agreed = self.agree_actions(actions, authorised_at, manager)
        self.event(EventKind.AUTHORISED, authorised_at, manager.user, actions_agreed=agreed)
        return self.finish()

    def return_and_resubmit(self, plan, actions, submit_day, manager) -> dt.date | None:
        """Returned the next working day and (unless the plan stops at "returned")
        resubmitted two working days after the first submission. Returns the day it was
        resubmitted, or None where the story stops."""
        r = self.response
        returned_at = self.at(add_working_days(submit_day, 1), 10)
        if returned_at is None:
            return None
        reason = self.rng.choice(RETURN_REASONS)
        r.status = ResponseStatus.RETURNED
        r.returned_at, r.returned_by, r.return_reason = returned_at, manager.user, reason
        self.event(EventKind.RETURNED, returned_at, manager.user, reason=reason)
        self.reopen_actions(actions)
        if plan == "returned":
            return None
        submit_day = add_working_days(submit_day, 2)
        resubmitted_at = self.at(submit_day, 15)
        if resubmitted_at is None:
            return None
        self.submit(actions, resubmitted_at, first=False)
        return submit_day

    def chase(self, due_on: dt.date):
        """The reminders and the escalation `run_due_jobs` would have sent."""
        r, worker = self.response, self.response.worker
        day_before = previous_working_day(due_on)
        reminders = ((day_before, ReminderKind.DUE_TOMORROW), (due_on, ReminderKind.DUE_TODAY))
        for day, kind in reminders:
            moment = self.at(day, 7)
            if moment is not None:
                self.event(EventKind.REMINDED, moment, None, reminder=kind, to=worker.name)
                r.last_reminder_kind, r.last_reminder_on = kind, day
        self.escalate(add_working_days(due_on, 1))

    def escalate(self, day: dt.date):
        """The Team Manager told, and the worker reminded, on `day` (if it has come)."""
        r = self.response
        moment = self.at(day, 7)
        if moment is None or r.escalated_at is not None:
            return
        r.escalated_at = moment
        managers = self.rows.managers(r.case)
        self.event(
            EventKind.ESCALATED, moment, None, to=[m.name for m in managers], on=day.isoformat()
        )
        self.event(
            EventKind.REMINDED, moment, None, reminder=ReminderKind.OVERDUE, to=r.worker.name
        )
        r.last_reminder_kind, r.last_reminder_on = ReminderKind.OVERDUE, day

    def submit(self, actions, at, *, first: bool):
        """The worker's one answer per action (done on or before the day they submit, not
        before the audit), each action resolved from it, as `response_submit` does."""
        r = self.response
        user = r.worker.user
        submit_day = timezone.localdate(at)
        answers = []
        for number, action in enumerate(actions, start=1):
            what = self.rng.choice(ANSWER_TEXTS).format(what=action.description.lower())
            done_on = max(r.completed_on, submit_day - dt.timedelta(days=self.rng.randint(0, 2)))
            evidence = self.rng.choice(EVIDENCE_TEXTS).format(date=f"{done_on:%d/%m/%Y}")
            if not first:
                what += RESUBMITTED_TEXT
                evidence = evidence or f"Case note of {done_on:%d/%m/%Y}."
            self.answers[action.pk] = ActionResponse(
                response=r,
                action=action,
                what_done=what,
                done_on=done_on,
                evidence=evidence,
                answered_at=at,
            )
            action.status = ActionStatus.RESOLVED
            action.resolved_at, action.resolved_by, action.resolution = at, user, what
            self.rows.changed[action.pk] = action
            answers.append(
                {
                    "number": number,
                    "action": action.pk,
                    "what_done": what,
                    "done_on": done_on.isoformat(),
                    "evidence": evidence,
                }
            )
        r.status = ResponseStatus.SUBMITTED
        r.submitted_at, r.submitted_by = at, user
        if first:
            r.first_submitted_at = at
        self.event(
            EventKind.SUBMITTED,
            at,
            user,
            resubmission=not first,
            late=timezone.localdate(at) > r.due_on,
            acknowledgement=r.acknowledgement if not actions else "",
            answers=answers,
        )

    def reopen_actions(self, actions):
        """Returned: the actions are open again (their answers stay), as `response_return`
        leaves them."""
        for action in actions:
            action.status = ActionStatus.OPEN
            action.resolved_at = action.resolved_by = None
            self.rows.changed[action.pk] = action

    def agree_actions(self, actions, authorised_at, manager) -> int:
        """Authorised: the resolved actions are agreed (closed), but for one the authoriser
        owns, as `response_authorise` leaves them. Returns how many."""
        agreed = 0
        for action in actions:
            if action.status != ActionStatus.RESOLVED or action.owner_id == manager.pk:
                continue
            action.manager_agreed_at, action.manager_agreed_by = authorised_at, manager.user
            self.rows.changed[action.pk] = action
            agreed += 1
        return agreed

    def finish(self) -> QAResponse:
        r = self.response
        if r.is_overdue(self.today) and r.escalated_at is None:
            # Returned after its due date: escalated the next working day.
            since = max(r.due_on, timezone.localdate(r.returned_at or r.created_at))
            self.escalate(add_working_days(since, 1))
        self.rows.responses.append(r)
        self.rows.answers.extend(self.answers.values())
        self.rows.events.extend(sorted(self.events, key=lambda e: e.at))
        return self.response
