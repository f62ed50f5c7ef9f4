"""A subject-access export: everything held here about one case, for the data protection officer.

`subject_access_document(case=...)` builds one dict (JSON-ready: dates and times as ISO text,
times in UTC) with a section for each kind of record:

- `case`: the case record itself, with its team, service and allocated worker;
- `case_events`: the case's history (closure, imports);
- `audits`: each audit with its section answers, question answers, restorative actions,
  urgent findings and history;
- `responses`: each QA response with the worker's answers and its history;
- `allocations`: the monthly programme's allocations of the case;
- `notifications`: the in-app notifications about the case (see `services.case_notifications`);
- `access_log`: every access-log entry about the case (who, what, when, from where);
- `family_feedback`: the feedback requests of its audits (never the link or an address) with
  the family's answers; `collaborations`: the practitioner's reflections and audit conversations;
- `people`: the members of staff and accounts the sections name by id.

It takes a fixed number of queries however many records the case has. `subject_access_pdf`
renders the same dict as a PDF (WeasyPrint) from `dataprotection/subject_access_pdf.html`.
The caller has checked the user is the data protection officer
(`caseaudit.cases.selectors.is_data_protection_officer`).
"""

import datetime as dt
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits.models import (
    Audit,
    AuditEvent,
    QuestionAnswer,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.cases.models import Case, CaseEvent
from caseaudit.core.pdf import html_to_pdf
from caseaudit.feedback.records import case_feedback_records
from caseaudit.organisation.models import Staff
from caseaudit.programme.models import Allocation
from caseaudit.responses.models import ActionResponse, QAResponse, ResponseEvent

from .services import case_notifications

SECTIONS = (
    "case",
    "case_events",
    "audits",
    "responses",
    "allocations",
    "notifications",
    "access_log",
    "family_feedback",
    "collaborations",
    "people",
)
# Fields never exported: internal bookkeeping of the email queue and the uploaded files.
SKIPPED_FIELDS = frozenset(
    {"attachment_factory", "attachment_args", "idempotency_key", "email_last_error", "revision"}
)


def _value(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _fields(obj: models.Model, *, exclude=()) -> dict:
    """The record's own columns (foreign keys as `<name>_id`), JSON-ready."""
    return {
        f.attname: _value(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in SKIPPED_FIELDS and f.attname not in exclude
    }


def _grouped(rows, key: str) -> dict:
    groups: dict = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


def _audit_record(
    audit: Audit,
    *,
    sections: list[SectionAnswer],
    questions: list[QuestionAnswer],
    actions: list[RestorativeAction],
    findings: list[UrgentFinding],
    events: list[AuditEvent],
) -> dict:
    """One audit with its section answers, question answers, actions, findings and history."""
    return _fields(audit) | {
        "tool": audit.tool_version.tool.name,
        "tool_version": audit.tool_version.number,
        "sections": [
            _fields(a, exclude=("audit_id",)) | {"section": a.section.title} for a in sections
        ],
        "questions": [
            _fields(a, exclude=("audit_id",))
            | {"section": a.question.section.title, "question": a.question.text}
            for a in questions
        ],
        "actions": [_fields(a, exclude=("audit_id",)) for a in actions],
        "urgent_findings": [_fields(f, exclude=("audit_id", "case_id")) for f in findings],
        "history": [_fields(e, exclude=("audit_id",)) for e in events],
    }


def _audit_records(case: Case) -> tuple[list[int], list[dict]]:
    """The case's audits: their ids, and each as a record (six queries)."""
    audits = list(
        Audit.objects.filter(case=case)
        .select_related("tool_version__tool")
        .order_by("started_at", "id")
    )
    sections = _grouped(
        SectionAnswer.objects.filter(audit__case=case)
        .select_related("section")
        .order_by("section__order", "id"),
        "audit_id",
    )
    questions = _grouped(
        QuestionAnswer.objects.filter(audit__case=case)
        .select_related("question__section")
        .order_by("question__section__order", "question__order", "id"),
        "audit_id",
    )
    actions = _grouped(
        RestorativeAction.objects.filter(audit__case=case).order_by("order", "id"), "audit_id"
    )
    findings = _grouped(
        UrgentFinding.objects.filter(case=case).order_by("raised_at", "id"), "audit_id"
    )
    audit_events = _grouped(
        AuditEvent.objects.filter(audit__case=case).order_by("at", "id"), "audit_id"
    )
    records = [
        _audit_record(
            audit,
            sections=sections.get(audit.pk, []),
            questions=questions.get(audit.pk, []),
            actions=actions.get(audit.pk, []),
            findings=findings.get(audit.pk, []),
            events=audit_events.get(audit.pk, []),
        )
        for audit in audits
    ]
    return [a.pk for a in audits], records


def _response_records(case: Case) -> tuple[list[int], list[dict]]:
    """The case's QA responses: their ids, and each as a record with the worker's answers and
    its history (three queries)."""
    responses = list(QAResponse.objects.filter(case=case).order_by("created_at", "id"))
    answers = _grouped(
        ActionResponse.objects.filter(response__case=case).order_by("action__order", "id"),
        "response_id",
    )
    response_events = _grouped(
        ResponseEvent.objects.filter(response__case=case).order_by("at", "id"), "response_id"
    )
    records = [
        _fields(response)
        | {
            "answers": [_fields(a, exclude=("response_id",)) for a in answers.get(response.pk, [])],
            "history": [
                _fields(e, exclude=("response_id",)) for e in response_events.get(response.pk, [])
            ],
        }
        for response in responses
    ]
    return [r.pk for r in responses], records


def subject_access_document(*, case: Case) -> dict:
    """Everything held about `case` (see the module). A fixed number of queries (nineteen),
    whatever its size."""
    case = Case.objects.select_related("team__service_area").get(pk=case.pk)
    audit_ids, audits = _audit_records(case)
    response_ids, responses = _response_records(case)
    allocations = list(
        Allocation.objects.filter(case=case)
        .select_related("programme")
        .order_by("programme__month", "id")
    )
    notifications = list(
        case_notifications(case=case, audit_ids=audit_ids, response_ids=response_ids).order_by(
            "created_at", "id"
        )
    )
    access = list(AccessEvent.objects.filter(case_id=case.pk).order_by("at", "id"))
    case_events = list(CaseEvent.objects.filter(case=case).order_by("at", "id"))
    family_voice = case_feedback_records(case=case)  # caseaudit.feedback: two queries

    document = {
        "about": {
            "authority": settings.AUTHORITY_NAME,
            "produced_at": _value(timezone.now()),
            "times": "UTC (ISO 8601)",
            "sections": list(SECTIONS),
        },
        "case": _fields(case)
        | {"team": case.team.name, "service_area": case.team.service_area.name},
        "case_events": [_fields(e) for e in case_events],
        "audits": audits,
        "responses": responses,
        "allocations": [_fields(a) | {"month": a.programme.label} for a in allocations],
        "notifications": [_fields(n) for n in notifications],
        "access_log": [_fields(e) for e in access],
        "family_feedback": [
            _fields(r, exclude=("token_digest",))
            | {"answer": _fields(answer) if answer is not None else None}
            for r, answer in family_voice.requests
        ],
        "collaborations": [_fields(c) for c in family_voice.collaborations],
    }
    document["people"] = _people(document, Staff)
    return document


# Columns that name a member of staff (by Staff id) or an account (by User id).
STAFF_KEYS = frozenset(
    {"allocated_worker_id", "auditor_id", "owner_id", "worker_id", "supervisor_id", "peer_id",
     "recipient_id", "practitioner_id"}
)  # fmt: skip
USER_KEYS = frozenset(
    {"user_id", "by_id", "updated_by_id", "completed_by_id", "reopened_by_id", "resolved_by_id",
     "manager_agreed_by_id", "raised_by_id", "acknowledged_by_id", "submitted_by_id",
     "returned_by_id", "authorised_by_id", "changed_by_id", "created_by_id", "cancelled_by_id",
     "invited_by_id", "conversation_recorded_by_id"}
)  # fmt: skip


def _collect(value, staff_ids: set, user_ids: set) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, int) and not isinstance(item, bool):
                if key in STAFF_KEYS:
                    staff_ids.add(item)
                elif key in USER_KEYS:
                    user_ids.add(item)
            _collect(item, staff_ids, user_ids)
    elif isinstance(value, list):
        for item in value:
            _collect(item, staff_ids, user_ids)


def _person(staff) -> dict:
    return {
        "name": staff.name,
        "staff_id": staff.staff_id,
        "role": staff.get_role_display(),
        "email": staff.user.email,
    }


def _people(document: dict, staff_model) -> dict:
    """Who the sections name: `staff` by Staff id and `accounts` by User id, with name, staff
    ID, role and email (two queries). An account without a staff record shows its email."""
    from django.contrib.auth import get_user_model

    staff_ids: set = set()
    user_ids: set = set()
    _collect(document, staff_ids, user_ids)
    staff = staff_model.objects.filter(pk__in=staff_ids).select_related("user")
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("staff")
    return {
        "staff": {str(s.pk): _person(s) for s in staff},
        "accounts": {
            str(u.pk): _person(u.staff)
            if hasattr(u, "staff")
            else {"name": "", "staff_id": "", "role": "", "email": u.email}
            for u in users
        },
    }


def subject_access_json(document: dict) -> bytes:
    return (
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n"
    ).encode()


def subject_access_filename(case: Case, suffix: str) -> str:
    """`subject-access-<case id>-<YYYY-MM-DD>.<suffix>`: never the child's name (nor the
    reference, which some authorities treat as personal data in a file name)."""
    return f"subject-access-case-{case.pk}-{timezone.localdate():%Y-%m-%d}.{suffix}"


def _label(key: str) -> str:
    return key.removesuffix("_id").replace("_", " ").capitalize() + (
        " (id)" if key.endswith("_id") else ""
    )


# What one record of each list is called in the PDF ("Audit 2").
RECORD_NAMES = {
    "case_events": "History entry",
    "audits": "Audit",
    "responses": "QA response",
    "allocations": "Allocation",
    "notifications": "Notification",
    "access_log": "Access log entry",
    "family_feedback": "Feedback request",
    "collaborations": "Practitioner's reflection",
    "sections": "Section",
    "questions": "Question",
    "actions": "Restorative action",
    "urgent_findings": "Urgent finding",
    "history": "History entry",
    "answers": "Answer",
    "staff": "Member of staff",
    "accounts": "Account",
}


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _records(key: str, items: list) -> list[dict]:
    name = RECORD_NAMES.get(key, _label(key))
    return [
        {"title": f"{name} {n}", "nodes": _nodes(record)} for n, record in enumerate(items, start=1)
    ]


def _nodes(value: dict) -> list[dict]:
    """A record as a tree for the PDF template: each node a label with a value, or with
    records of its own (a nested list or dict)."""
    nodes = []
    for key, item in value.items():
        if isinstance(item, list) and all(not isinstance(i, dict | list) for i in item):
            # No records, or plain values (an import's old and new value): one line.
            text = " → ".join(str(_text(i)) for i in item) if item else "None"
            nodes.append({"label": _label(key), "value": text})
        elif isinstance(item, list):
            nodes.append({"label": _label(key), "records": _records(key, item)})
        elif isinstance(item, dict):
            nodes.append({"label": _label(key), "records": [{"title": "", "nodes": _nodes(item)}]})
        else:
            nodes.append({"label": _label(key), "value": _text(item)})
    return nodes


def subject_access_html(*, case: Case, document: dict) -> str:
    """The document as HTML for the PDF: each section a heading, each record a table (its
    nested lists below it)."""
    sections = []
    for key in SECTIONS:
        value = document[key]
        if key == "people":
            sections.append(
                {
                    "title": "People named",
                    "records": _records("staff", list(value["staff"].values()))
                    + _records("accounts", list(value["accounts"].values())),
                }
            )
        elif isinstance(value, list):
            sections.append({"title": _label(key), "records": _records(key, value)})
        else:
            sections.append(
                {"title": _label(key), "records": [{"title": "", "nodes": _nodes(value)}]}
            )
    return render_to_string(
        "dataprotection/subject_access_pdf.html",
        {
            "case": case,
            "about": document["about"],
            "sections": sections,
            "authority_name": settings.AUTHORITY_NAME,
            "produced_on": timezone.localdate(),
        },
    )


def subject_access_pdf(*, case: Case, document: dict) -> bytes:
    """The document as a tagged (PDF/UA) PDF (WeasyPrint, fetching nothing)."""
    return html_to_pdf(subject_access_html(case=case, document=document), what="subject access PDF")
