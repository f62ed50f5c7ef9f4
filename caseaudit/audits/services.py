"""Writes of the audits app: starting, saving, completing, reopening and discarding an audit, and
acknowledging an urgent finding. Each runs in one transaction, records who did it in the
audit's history (`AuditEvent`) and refuses a rule with `ValidationError`.

Who may do what (`can_audit`, `can_edit`, `can_reopen`, `can_acknowledge`) is in `policy.py`.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.models import Question, QuestionKind, Section, Tool
from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.cases.models import Case
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import By, User
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.models import Staff

from . import completion_rules, discard, fields, findings, start_rules
from .models import (
    ActionStatus,
    Audit,
    AuditEvent,
    AuditReason,
    AuditStatus,
    EventKind,
    QuestionAnswer,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from .policy import audit_refusal, can_edit, can_reopen, case_visible_to
from .wording import at_moment, by_whom

logger = logging.getLogger(__name__)

# The audit's own fields the form saves (`audit_save`'s `data` keys besides sections,
# questions and actions).
TEXT_FIELDS = (
    "summary",
    "voice_of_child",
    "good_practice",
    "serious_safeguarding_detail",
    *fields.FAMILY_CONTACT_TEXT_FIELDS,
)
AUDIT_FIELDS = (
    *TEXT_FIELDS,
    "overall_scale",
    "serious_safeguarding",
    "contacted_on",
    "satisfaction",
)
SECTION_TEXTS = ("working_well", "worried_about", "needs_to_happen")
# Consecutive saves by the same person within this time are one "saved" entry in the history.
SAVE_EVENT_MERGE = dt.timedelta(minutes=30)


class ConflictError(Exception):
    """Someone saved the audit after the revision the user's form was based on.

    Nothing was saved. `data` is what the user posted, so the page can show it again.
    """

    def __init__(self, *, audit: Audit, data: dict, same_user: bool) -> None:
        when = timezone.localtime(audit.updated_at).strftime("%H:%M")
        if same_user:
            message = (
                f"You saved this audit in another window at {when}; your changes here were "
                "not saved: reload to see that version"
            )
        else:
            message = (
                f"Someone else saved this audit at {when}; your changes were not saved: "
                "reload to see their version"
            )
        super().__init__(message)
        self.message = message
        self.saved_at = audit.updated_at
        self.saved_by = audit.updated_by
        self.revision = audit.revision
        self.data = data


@dataclass
class SaveResult:
    audit: Audit
    findings_raised: list[UrgentFinding] = field(default_factory=list)


def _refresh(audit: Audit) -> None:
    """Reload the audit's own values (not its relations, which stay cached)."""
    audit.refresh_from_db(
        fields=[f.attname for f in Audit._meta.concrete_fields if not f.is_relation]
    )


def _event(
    audit: Audit, by: By, kind: str, at: dt.datetime | None = None, **detail: object
) -> AuditEvent:
    return AuditEvent.objects.create(
        audit=audit, by=by, kind=kind, at=at or timezone.now(), detail=detail
    )


# --- Start ------------------------------------------------------------------------------


def audit_start(*, case: Case, auditor: Staff, tool_code: str, reason: str) -> Audit:
    """Start a draft audit of `case` by `auditor` with the published version of the tool."""
    with transaction.atomic():
        refusal = audit_refusal(auditor, case, tool_code=tool_code)
        if refusal:
            raise ValidationError(refusal, code="not_allowed")
        if reason not in AuditReason.values:
            raise ValidationError({"reason": "Choose why you are auditing the case"})
        tool = Tool.objects.filter(code=tool_code).first()
        if tool is None:
            raise ValidationError({"tool": "Choose an audit tool"})
        if case.case_type not in (tool.applies_to or []):
            raise ValidationError(
                {"tool": f"The {tool.name} is not used for {case.get_case_type_display()} cases."},
                code="not_applicable",
            )
        # The tool and the reason go together, and some are one role's (start_rules).
        problems = start_rules.start_refusal(staff=auditor, case=case, tool=tool, reason=reason)
        if problems:
            raise ValidationError(problems)
        version = tool_version_published(code=tool_code)
        if version is None:
            raise ValidationError(
                {"tool": f"The {tool.name} has no published version yet, so it cannot be used."},
                code="not_published",
            )
        draft = (
            Audit.objects.filter(
                case=case,
                auditor=auditor,
                tool_version__tool=tool,
                status=AuditStatus.DRAFT,
            )
            .only("pk")
            .first()
        )
        if draft is not None:
            raise ValidationError(
                f"You already have a draft {tool.name} of this case: continue that one.",
                code="draft_exists",
                params={"audit_id": draft.pk},
            )
        now = timezone.now()
        audit = Audit.objects.create(
            case=case,
            tool_version=version,
            auditor=auditor,
            reason=reason,
            started_at=now,
            updated_at=now,
            updated_by=auditor.user,
        )
        _event(
            audit,
            auditor.user,
            EventKind.STARTED,
            at=now,
            tool=tool.code,
            version=version.number,
            reason=reason,
        )
        return audit


# --- Save -------------------------------------------------------------------------------


def _clean_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _clean_scale(value: str | int | float | None, key: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        scale = int(value)
    except (TypeError, ValueError):
        scale = -1
    if not 0 <= scale <= 10:
        errors[key] = ["The scale must be a whole number from 0 to 10"]
        return None
    return scale


def _clean_question(question: Question, answer: object, key: str, errors: dict) -> str:
    if answer in (None, ""):
        return ""
    if question.kind == QuestionKind.DATE:
        if isinstance(answer, dt.date):
            return answer.isoformat()
        try:
            return dt.date.fromisoformat(str(answer).strip()).isoformat()
        except ValueError:
            errors[key] = [f"“{question.text}” must be a real date"]
            return ""
    answer = _clean_text(answer)
    if question.kind == QuestionKind.YES_NO_NA and answer not in ("yes", "no", "na"):
        errors[key] = [f"Answer “{question.text}” with yes, no or not applicable"]
    elif question.kind == QuestionKind.CHOICE and answer not in (question.choices or []):
        errors[key] = [f"Choose one of the answers to “{question.text}”"]
    return answer


def _apply_audit_fields(audit: Audit, data: dict, errors: dict) -> list[str]:
    changed = []
    for name in AUDIT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in TEXT_FIELDS:
            value = _clean_text(value)
        elif name == "overall_scale":
            value = _clean_scale(value, name, errors)
        elif name == "serious_safeguarding":
            value = bool(value)
        elif name == "contacted_on":
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value) if value else None
                except ValueError:
                    errors[name] = ["The date of contact must be a real date"]
                    continue
        elif name == "satisfaction":
            value = None if value in (None, "") else value
        setattr(audit, name, value)
        changed.append(name)
    if changed:
        try:
            audit.clean_fields(
                exclude=[f.name for f in Audit._meta.fields if f.name not in changed]
            )
        except ValidationError as e:
            for key, messages in e.message_dict.items():
                errors.setdefault(key, messages)
    return changed


def _apply_sections(audit: Audit, sections_data: dict, sections: dict, errors: dict) -> dict:
    """Upsert the section answers; return all of the audit's answers by section id."""
    answers = {a.section_id: a for a in SectionAnswer.objects.filter(audit=audit)}
    to_create, to_update = [], []
    for section_id, values in sections_data.items():
        section = sections.get(int(section_id))
        if section is None:
            errors[f"s{section_id}"] = ["That section is not part of this audit's tool"]
            continue
        new: dict[str, str | int | None] = {
            name: _clean_text(values[name]) for name in SECTION_TEXTS if name in (values or {})
        }
        if "scale" in (values or {}):
            key = fields.section_field(section.pk, "scale")
            scale = _clean_scale(values["scale"], key, errors)
            if scale is not None and not section.scaled:
                errors[key] = [f"“{section.title}” is not scaled"]
                scale = None
            new["scale"] = scale
        answer = answers.get(section.pk)
        if answer is None:
            if any(v not in ("", None) for v in new.values()):
                answer = SectionAnswer(audit=audit, section=section, **new)
                answers[section.pk] = answer
                to_create.append(answer)
        elif any(getattr(answer, k) != v for k, v in new.items()):
            for k, v in new.items():
                setattr(answer, k, v)
            to_update.append(answer)
    if not errors:
        SectionAnswer.objects.bulk_create(to_create)
        if to_update:
            SectionAnswer.objects.bulk_update(to_update, [*SECTION_TEXTS, "scale"])
    return answers


def _apply_questions(audit: Audit, questions_data: dict, errors: dict) -> None:
    questions = {
        q.pk: q for q in Question.objects.filter(section__version_id=audit.tool_version_id)
    }
    answers = {a.question_id: a for a in QuestionAnswer.objects.filter(audit=audit)}
    to_create, to_update = [], []
    for question_id, values in questions_data.items():
        question = questions.get(int(question_id))
        values = values or {}
        if question is None:
            errors[f"q{question_id}"] = ["That question is not part of this audit's tool"]
            continue
        new = {}
        if "answer" in values:
            key = fields.question_field(question.pk, "answer")
            new["answer"] = _clean_question(question, values["answer"], key, errors)
        if "evidence" in values:
            new["evidence"] = _clean_text(values["evidence"])
        answer = answers.get(question.pk)
        if answer is None:
            if any(new.values()):
                to_create.append(QuestionAnswer(audit=audit, question=question, **new))
        elif any(getattr(answer, k) != v for k, v in new.items()):
            for k, v in new.items():
                setattr(answer, k, v)
            to_update.append(answer)
    if not errors:
        QuestionAnswer.objects.bulk_create(to_create)
        if to_update:
            QuestionAnswer.objects.bulk_update(to_update, ["answer", "evidence"])


def _action_row(
    audit: Audit, row: dict, key: str, errors: dict, *, existing: dict, owners: dict
) -> tuple[RestorativeAction | None, dict] | None:
    """One row of actions read: (the existing action or None, its values), or None for a
    blank row or one with an error (written into `errors` under the row's `key`)."""
    pk = row.get("id")
    description = _clean_text(row.get("description"))
    due_on = row.get("due_on")
    if isinstance(due_on, str):
        try:
            due_on = dt.date.fromisoformat(due_on) if due_on else None
        except ValueError:
            errors[f"{key}-due_on"] = ["The due date must be a real date"]
            return None
    if not description and due_on is None:
        return None  # a blank row (its owner may be pre-filled): nothing to keep
    owner_id = row.get("owner_id", audit.case.allocated_worker_id)
    if owner_id and owner_id not in owners:
        errors[f"{key}-owner"] = ["Choose who owns the action"]
        return None
    action = existing.get(int(pk)) if pk else None
    if pk and action is None:
        errors[f"{key}-description"] = ["That action is not part of this audit"]
        return None
    if "section_id" in row:
        section_id = int(row["section_id"]) if row["section_id"] else None
    else:
        section_id = action.section_id if action is not None else None
    values = {
        "description": description,
        "owner_id": owner_id or None,
        "due_on": due_on,
        "section_id": section_id,
    }
    return action, values


def _apply_actions(audit: Audit, rows: list, errors: dict, *, sections: dict) -> None:
    """`rows` is the whole list of actions: existing ones not in it are removed. A row's
    "section_id" (a section of `sections`, the tool version's) is the section it answers;
    left out, an existing action keeps its section."""
    existing = {a.pk: a for a in RestorativeAction.objects.filter(audit=audit)}
    # The allocated worker is the default owner of a row that names none: check them too.
    owner_ids = {r.get("owner_id") for r in rows if r.get("owner_id")}
    owner_ids.add(audit.case.allocated_worker_id)
    owner_ids.discard(None)
    owners = Staff.objects.select_related("user").in_bulk(owner_ids)
    # Owners newly named (on a new row, or in place of another owner) must be able to see
    # the case: an owner who cannot could never resolve the action, and the case could then
    # never close. Checked once per person, through the case visibility rules.
    sees_case: dict[int, bool] = {}

    def can_see(owner_id: int) -> bool:
        if owner_id not in sees_case:
            owner = owners[owner_id]
            sees_case[owner_id] = owner.user_id is not None and case_visible_to(owner, audit.case)
        return sees_case[owner_id]

    keep, to_create, to_update = set(), [], []
    order = 0
    for index, row in enumerate(rows):
        # Errors name the row as the form does ("actions-3-due_on"): `key` when given.
        key = row.get("key") or f"actions-{index}"
        checked = _action_row(audit, row, key, errors, existing=existing, owners=owners)
        if checked is None:
            continue
        action, values = checked
        if values["section_id"] is not None and values["section_id"] not in sections:
            errors[f"{key}-section"] = ["Choose a section of this audit’s tool"]
            continue
        owner_id = values["owner_id"]
        newly_named = owner_id and (action is None or action.owner_id != owner_id)
        if newly_named and not can_see(owner_id):
            errors[f"{key}-owner"] = [
                f"{owners[owner_id].name} cannot see this case, so they could not resolve the "
                "action: choose someone who can"
            ]
            continue
        order += 1
        if action is not None:
            keep.add(action.pk)
            if action.order != order or any(getattr(action, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(action, k, v)
                action.order = order
                to_update.append(action)
        else:
            to_create.append(RestorativeAction(audit=audit, order=order, **values))
    removed = [a for pk, a in existing.items() if pk not in keep]
    for action in removed:
        if action.status == ActionStatus.RESOLVED:
            errors["actions"] = [
                f"The resolved action “{action.description[:60]}” cannot be removed"
            ]
    if errors:
        return
    if removed:
        RestorativeAction.objects.filter(pk__in=[a.pk for a in removed]).delete()
    RestorativeAction.objects.bulk_create(to_create)
    if to_update:
        RestorativeAction.objects.bulk_update(
            to_update, ["description", "owner_id", "due_on", "section_id", "order"]
        )


def _refuse_stale_save(*, audit: Audit, by: User, data: dict) -> NoReturn:
    """A save whose compare-and-set found nothing: the audit is no longer a draft, or someone
    saved since the form was opened."""
    current = Audit.objects.select_related("updated_by").get(pk=audit.pk)
    if current.status == AuditStatus.DISCARDED:
        raise ValidationError(
            "This draft was discarded, so it cannot be changed.", code="completed"
        )
    if current.status != AuditStatus.DRAFT:
        raise ValidationError(
            "This audit is completed, so it cannot be changed. A manager can reopen it.",
            code="completed",
        )
    raise ConflictError(
        audit=current, data=data, same_user=current.updated_by_id == getattr(by, "pk", None)
    )


def _saved_event(audit: Audit, by: User, *, now: dt.datetime) -> None:
    """The history's "saved" line: saves by one person close together are one line."""
    last = AuditEvent.objects.filter(audit=audit).order_by("-at", "-id").first()
    if (
        last is not None
        and last.kind == EventKind.SAVED
        and last.by_id == by.pk
        and now - last.at < SAVE_EVENT_MERGE
    ):
        last.detail = {"saves": int(last.detail.get("saves", 1)) + 1}
        last.at = now
        last.save(update_fields=["detail", "at"])
    else:
        _event(audit, by, EventKind.SAVED, at=now, saves=1)


def audit_save(
    *, audit: Audit, by: User, data: dict, revision: int, raise_findings: bool = True
) -> SaveResult:
    """Save the audit form (a draft), or one page of it, and raise any urgent findings it now
    contains.

    `raise_findings=False` is the audit form's: its autosave keeps the text safe without
    alerting managers to a scale the auditor is still choosing (moving through 0, 1, 2 with the
    arrow keys on the way to 7 would otherwise raise three findings), and its pages' "Save and
    continue" / "Save and come back later" and the check page's "Complete audit" ask the
    auditor before anyone is alerted (`findings.findings_raise_confirmed`). The API's save
    raises them at once.

    `data` holds any of the audit's own fields (`AUDIT_FIELDS`), and:
      "sections":  {section id: {"working_well", "worried_about", "needs_to_happen", "scale"}},
      "questions": {question id: {"answer", "evidence"}},
      "actions":   [{"id" (None for a new one), "description", "owner_id", "due_on",
                     "section_id" (the section it answers; empty: the whole audit),
                     "key" (optional: the form's row prefix, for errors)}, ...]
                   (the whole list: actions left out are removed; blank rows are ignored).
    Keys left out are left unchanged, and so are the sections and questions left out of
    "sections" and "questions" (and, within one, the names left out): a page of the form
    (`tasklist`) sends its own fields only. `revision` is the audit's revision the form was based
    on: if someone has saved since, nothing is saved and `ConflictError` is raised. Invalid
    values raise `ValidationError` keyed by field name (see `fields`).
    """
    if not can_edit(by, audit):
        raise ValidationError("Only the auditor can change this audit.", code="not_allowed")
    with transaction.atomic():
        now = timezone.now()
        bumped = Audit.objects.filter(
            pk=audit.pk, revision=revision, status=AuditStatus.DRAFT
        ).update(revision=F("revision") + 1, updated_at=now, updated_by=by)
        if not bumped:
            _refuse_stale_save(audit=audit, by=by, data=data)
        errors: dict[str, list[str]] = {}
        changed = _apply_audit_fields(audit, data, errors)
        sections = {s.pk: s for s in Section.objects.filter(version_id=audit.tool_version_id)}
        if "sections" in data:
            answers = _apply_sections(audit, data["sections"] or {}, sections, errors)
        else:
            answers = {a.section_id: a for a in SectionAnswer.objects.filter(audit=audit)}
        if "questions" in data:
            _apply_questions(audit, data["questions"] or {}, errors)
        if "actions" in data:
            _apply_actions(audit, list(data["actions"] or []), errors, sections=sections)
        if errors:
            raise ValidationError(errors)
        audit.revision = revision + 1
        audit.updated_at = now
        audit.updated_by = by
        if changed:
            audit.save(update_fields=changed)
        _saved_event(audit, by, now=now)
        raised = (
            findings.raise_urgent_findings(
                audit=audit, by=by, answers=answers, sections=sections, now=now
            )
            if raise_findings
            else []
        )
        return SaveResult(audit=audit, findings_raised=raised)


# --- Urgent findings --------------------------------------------------------------------
# Raising, asking before alerting, acknowledging, withdrawing and chasing are in `findings.py`;
# these names stay importable from here.
finding_recipients = findings.finding_recipients
urgent_finding_acknowledge = findings.urgent_finding_acknowledge
urgent_finding_withdraw = findings.urgent_finding_withdraw


# --- Complete and reopen ----------------------------------------------------------------


def audit_completion_problems(audit: Audit) -> list[tuple[str, str]]:
    """What stops the audit being completed, as (field name, message), in page order
    (`completion_rules`)."""
    return completion_rules.completion_problems(audit)


def _completed_conflict(audit: Audit) -> TransitionConflict:
    """The audit is no longer the draft the caller read: say what happened to it."""
    current = Audit.objects.select_related("completed_by").get(pk=audit.pk)
    if current.status == AuditStatus.DISCARDED:
        return TransitionConflict("This draft was discarded, so it cannot be completed.")
    if current.status != AuditStatus.DRAFT:
        return TransitionConflict(
            f"This audit is already completed{at_moment(current.completed_at)}, a moment ago in "
            "another window or request if you did not see it: it was not completed again."
        )
    return TransitionConflict(
        "This audit was saved in another window a moment ago, so it was not completed: "
        "reload it, check it and complete it again."
    )


def audit_mark_completed(*, audit: Audit, by: User) -> Audit:
    """The audits' part of completing a draft (`caseaudit.workflows.audits.audit_complete` is
    the whole step, with the other apps' parts): check it is whole, mark it completed (a
    compare-and-set on the draft revision that was checked) and record the case as audited.

    Raises `ValidationError` keyed by field name listing every gap, and `TransitionConflict`
    when the audit is no longer that draft (completed or saved meanwhile by another request):
    of any number of simultaneous completions exactly one succeeds."""
    if not can_edit(by, audit):
        raise ValidationError("Only the auditor can complete this audit.", code="not_allowed")
    with transaction.atomic():
        _refresh(audit)
        if audit.status != AuditStatus.DRAFT:
            raise _completed_conflict(audit)
        problems = audit_completion_problems(audit)
        if problems:
            raise ValidationError({key: [message] for key, message in problems})
        now = timezone.now()
        done = Audit.objects.filter(
            pk=audit.pk, status=AuditStatus.DRAFT, revision=audit.revision
        ).update(
            status=AuditStatus.COMPLETED,
            completed_at=now,
            completed_by=by,
            revision=F("revision") + 1,
            updated_at=now,
            updated_by=by,
        )
        if done != 1:
            raise _completed_conflict(audit)
        _refresh(audit)
        audit.completed_by = audit.updated_by = by
        today = timezone.localdate(now)
        Case.objects.filter(pk=audit.case_id).filter(
            Q(last_audited_on__isnull=True) | Q(last_audited_on__lt=today)
        ).update(last_audited_on=today)
        audit.case.refresh_from_db(fields=["last_audited_on"])
        _event(audit, by, EventKind.COMPLETED, at=now, overall_scale=audit.overall_scale)
        return audit


def audit_mark_reopened(*, audit: Audit, by: User, reason: str) -> dt.datetime:
    """The audits' part of reopening a completed audit as a draft
    (`caseaudit.workflows.audits.audit_reopen` is the whole step): a manager reopens it with
    a recorded reason and the auditor is told. Returns when it had been completed (what the
    other apps' parts count it out by).

    A compare-and-set on the completed state: when the audit is already a draft (reopened by
    someone else a moment ago), `TransitionConflict`."""
    reason = _clean_text(reason)
    with transaction.atomic():
        if not can_reopen(by, audit):
            raise ValidationError(
                "Only a manager responsible for this case can reopen its audit.",
                code="not_allowed",
            )
        if not reason:
            raise ValidationError({"reason": "Enter why the audit is being reopened"})
        now = timezone.now()
        completed_at = (
            Audit.objects.select_for_update()
            .filter(pk=audit.pk, status=AuditStatus.COMPLETED)
            .values_list("completed_at", flat=True)
            .first()
        )
        done = completed_at is not None and Audit.objects.filter(
            pk=audit.pk, status=AuditStatus.COMPLETED, completed_at=completed_at
        ).update(
            status=AuditStatus.DRAFT,
            completed_at=None,
            completed_by=None,
            reopened_reason=reason,
            reopened_by=by,
            reopened_at=now,
            revision=F("revision") + 1,
            updated_at=now,
            updated_by=by,
        )
        if done != 1:
            current = Audit.objects.select_related("reopened_by").get(pk=audit.pk)
            if current.reopened_at is not None:
                raise TransitionConflict(
                    "Only a completed audit can be reopened: this one was already reopened"
                    f"{by_whom(current.reopened_by)}{at_moment(current.reopened_at)}."
                )
            raise TransitionConflict(
                "Only a completed audit can be reopened: this one is still a draft."
            )
        _refresh(audit)
        audit.reopened_by = audit.updated_by = by
        audit.completed_by = None
        _event(audit, by, EventKind.REOPENED, at=now, reason=reason)
        _notify_reopened(audit, by)
        assert completed_at is not None  # noqa: S101  # nosec B101  # `done` was 1
        return completed_at


def _notify_reopened(audit: Audit, by: User) -> None:

    if audit.auditor.user_id == by.pk or not audit.auditor.is_active:
        return
    reference = audit.case.reference
    notify(
        recipient=audit.auditor,
        kind=NotificationKind.AUDIT_REOPENED,
        subject=f"Your audit of case {reference} was reopened",
        body=(
            f"A manager reopened your {audit.tool_version.tool.name} of case {reference}. "
            "Open the audit to read why, make the changes and complete it again."
        ),
        url=reverse("audit_edit", args=[audit.pk]),
        idempotency_key=f"audit-reopened:{audit.pk}:{audit.revision}",
        email=True,
    )


# --- Discard ----------------------------------------------------------------------------


def audit_mark_discarded(
    *, audit: Audit, by: User, reason: str, revision: int | None = None
) -> Audit:
    """The audits' part of discarding a draft (`caseaudit.workflows.audits.audit_discard` is
    the whole step): the auditor discards a draft started by mistake, saying why (`discard`);
    it is kept, read-only, in the audit's and the case's history.

    A compare-and-set on the never-completed draft (and on `revision`, when given: a save
    since then wins and this raises `TransitionConflict`); of a discard and a save at once,
    exactly one succeeds."""
    with transaction.atomic():
        return discard.discard_draft(audit=audit, by=by, reason=reason, revision=revision)
