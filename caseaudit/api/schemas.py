"""The API's request and response documents (pydantic, via django-ninja's Schema).

Strings a client sends are checked here first: no NUL characters or lone surrogates (which
PostgreSQL refuses, so they would otherwise fail in the database rather than as a 422), and
identifiers within the database's integer range (larger ones would overflow the query).
"""

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeAlias

from django.db.models import Choices
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from caseaudit.audits.models import (
    Audit,
    AuditReason,
    AuditStatus,
    ContactMade,
    ContactMethod,
    FindingStatus,
    YesNo,
    YesNoUnknown,
)
from caseaudit.cases.models import Case, CaseType, SubjectType
from caseaudit.core.typing import User
from caseaudit.organisation.models import Role, ServiceArea
from caseaudit.programme.due import Due, next_due
from caseaudit.programme.models import Allocation
from caseaudit.responses.models import QAResponse, ResponseStatus
from caseaudit.responses.selectors import ResponseDocument

MAX_ID = 2**63 - 1  # the largest key PostgreSQL's bigint and SQLite hold


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL; pydantic itself refuses lone surrogates.
    if "\x00" in value:
        raise ValueError("Text must not contain NUL characters")
    return value


# Free text a client sends: any characters but NUL (checked by a validator rather than a
# pattern in the document, which would make every generated client slow).
NoNul = AfterValidator(_no_nul)
Text = Annotated[str, StringConstraints(max_length=50_000), NoNul]
ShortText = Annotated[str, StringConstraints(max_length=150), NoNul]
SearchText = Annotated[str, StringConstraints(max_length=100), NoNul]
ToolCode = Annotated[str, StringConstraints(max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Scale = Annotated[int, Field(ge=0, le=10)]
Revision = Annotated[int, Field(ge=1, le=2**31 - 1)]
IdKey = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,17}$")]


def _choices(choices: type[Choices]) -> Any:
    """A `Literal` of the choices' values: the document lists them."""
    return Literal[tuple(choices.values)]


def _blank_or(choices: type[Choices]) -> Any:
    """One of the choices, or "" (not answered)."""
    return Literal[("", *choices.values)]


# The values a field may take, from the model's choices. Built at run time, which mypy cannot
# read: to it they are strings (a new one goes in both lists).
if TYPE_CHECKING:
    CaseTypeValue: TypeAlias = str
    SubjectTypeValue: TypeAlias = str
    RoleValue: TypeAlias = str
    AuditReasonValue: TypeAlias = str
    AuditStatusValue: TypeAlias = str
    FindingStatusValue: TypeAlias = str
    ResponseStatusValue: TypeAlias = str
    ContactMadeOrBlank: TypeAlias = str
    ContactMethodOrBlank: TypeAlias = str
    YesNoUnknownOrBlank: TypeAlias = str
    YesNoOrBlank: TypeAlias = str
else:
    CaseTypeValue = _choices(CaseType)
    SubjectTypeValue = _choices(SubjectType)
    RoleValue = _choices(Role)
    AuditReasonValue = _choices(AuditReason)
    AuditStatusValue = _choices(AuditStatus)
    FindingStatusValue = _choices(FindingStatus)
    ResponseStatusValue = _choices(ResponseStatus)
    ContactMadeOrBlank = _blank_or(ContactMade)
    ContactMethodOrBlank = _blank_or(ContactMethod)
    YesNoUnknownOrBlank = _blank_or(YesNoUnknown)
    YesNoOrBlank = _blank_or(YesNo)


# --- errors ---------------------------------------------------------------------------------


class FieldError(Schema):
    field: str | None = Field(description="The field (or query parameter) it is about, if any.")
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class ConflictOut(ErrorOut):
    revision: int | None = Field(
        None, description="The audit's current revision, when someone saved it since."
    )
    audit_id: int | None = Field(None, description="Your existing draft, when there is one.")


# --- references ---------------------------------------------------------------------------


class AreaRef(Schema):
    id: int
    code: str
    name: str


class TeamRef(Schema):
    id: int
    code: str
    name: str


class StaffRef(Schema):
    id: int
    staff_id: str
    name: str


class CaseRef(Schema):
    id: int
    reference: str


class ToolRef(Schema):
    code: str
    name: str
    version: int


# --- organisation ---------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    code: str
    name: str
    service_area: AreaRef
    member_count: int
    open_case_count: int


class StaffOut(Schema):
    id: int
    staff_id: str
    name: str
    role: RoleValue
    team: TeamRef | None
    service_area: AreaRef | None
    line_manager: StaffRef | None
    open_cases: int


# --- cases ----------------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    reference: str
    display_name: str
    subject_type: SubjectTypeValue
    case_type: CaseTypeValue
    date_of_birth: dt.date | None
    opened_on: dt.date
    closed_on: dt.date | None
    team: TeamRef
    allocated_worker: StaffRef | None
    first_panel_on: dt.date | None
    last_audited_on: dt.date | None


class ContactOut(Schema):
    name: str
    relationship: str
    phone: str
    email: str
    address: str


class CaseDetailOut(CaseOut):
    service_area: AreaRef
    practice_supervisor: StaffRef | None
    family_contact: ContactOut

    @staticmethod
    def resolve_service_area(case: Case) -> ServiceArea:
        return case.team.service_area

    @staticmethod
    def resolve_family_contact(case: Case) -> dict[str, str]:
        return {
            "name": case.contact_name,
            "relationship": case.contact_relationship,
            "phone": case.contact_phone,
            "email": case.contact_email,
            "address": case.contact_address,
        }


# --- audits ---------------------------------------------------------------------------------


class AuditOut(Schema):
    id: int
    case: CaseRef
    tool: ToolRef
    auditor: StaffRef
    reason: AuditReasonValue
    status: AuditStatusValue
    started_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    overall_scale: int | None
    revision: int
    open_findings: int

    @staticmethod
    def resolve_tool(audit: Audit) -> dict[str, Any]:
        version = audit.tool_version
        return {"code": version.tool.code, "name": version.tool.name, "version": version.number}


class BandOut(Schema):
    code: str
    name: str
    urgent: bool


class QuestionOut(Schema):
    id: int
    key: str
    text: str
    kind: str
    choices: list[str]
    required: bool = Field(description="Whether it must be answered to complete the audit.")
    answer: str
    evidence: str


class SectionOut(Schema):
    id: int
    number: int
    key: str
    title: str
    theme: str
    scaled: bool
    working_well: str
    worried_about: str
    needs_to_happen: str
    scale: int | None
    band: BandOut | None
    questions: list[QuestionOut]


class ActionOut(Schema):
    id: int
    description: str
    owner: StaffRef | None
    due_on: dt.date | None
    section_id: int | None = Field(
        description="The section the action answers; empty: the audit as a whole."
    )
    status: str
    resolved_at: dt.datetime | None
    resolution: str
    manager_agreed_at: dt.datetime | None


class FindingOut(Schema):
    id: int
    trigger: str
    reason: str
    scale: int | None
    status: FindingStatusValue = Field(
        description="open until a manager acknowledges it or the auditor withdraws it as "
        "raised in error"
    )
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None
    action_taken: str
    withdrawn_at: dt.datetime | None
    withdrawn_reason: str
    reminded_at: dt.datetime | None = Field(
        description="when those told were reminded (not acknowledged after 1 working day)"
    )
    escalated_to_csm_at: dt.datetime | None = Field(
        description="when it was escalated to the Children's Service Manager (2 working days)"
    )
    escalated_to_ad_at: dt.datetime | None = Field(
        description="when it was escalated to the Assistant Director (5 working days)"
    )


class FamilyContactOut(Schema):
    contact_made: str
    contact_not_appropriate_reason: str
    who_contacted: str
    contact_relationship: str
    contacted_on: dt.date | None
    contact_method: str
    key_worker_told_family: str
    contact_details_checked: str
    child_views: str
    family_views: str
    satisfaction: int | None


class AuditDetailOut(Schema):
    id: int
    case: CaseRef
    tool: ToolRef
    auditor: StaffRef
    reason: AuditReasonValue
    status: AuditStatusValue
    revision: int
    started_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    reopened_at: dt.datetime | None
    reopened_reason: str
    discarded_at: dt.datetime | None
    discard_reason: str
    overall_scale: int | None
    overall_band: BandOut | None
    summary: str
    voice_of_child: str
    good_practice: str
    serious_safeguarding: bool
    serious_safeguarding_detail: str
    family_contact: FamilyContactOut
    sections: list[SectionOut]
    actions: list[ActionOut]
    findings: list[FindingOut]
    can_edit: bool = Field(description="Whether you may save and complete it (its auditor).")
    can_reopen: bool = Field(description="Whether you may reopen it (a manager of the case).")
    can_discard: bool = Field(
        description="Whether you may discard it (its auditor, a draft never completed)."
    )


class AuditStartIn(Schema):
    case: Id
    tool: ToolCode
    reason: AuditReasonValue


class SectionIn(Schema):
    working_well: Text | None = None
    worried_about: Text | None = None
    needs_to_happen: Text | None = None
    scale: Scale | None = None


class QuestionIn(Schema):
    answer: Text | None = Field(
        None,
        description='"yes", "no" or "na"; one of the choices; an ISO date; or text, by the '
        "question's kind.",
    )
    evidence: Text | None = None


class ActionIn(Schema):
    id: Id | None = Field(None, description="An existing action's id; empty for a new one.")
    description: Text | None = None
    owner_id: Id | None = Field(
        None, description="The staff id of its owner; left out: the case's allocated worker."
    )
    due_on: dt.date | None = None
    section_id: Id | None = Field(
        None,
        description="The section (id) the action answers; null: the audit as a whole; left "
        "out: an existing action keeps its section. A section scaled in a band marked "
        "`actions_required` needs at least one action for it before the audit is completed.",
    )


class AuditSaveIn(Schema):
    """A draft's changes. Fields left out are left as they are; `actions`, when given, is the
    whole list (actions left out are removed)."""

    revision: Revision = Field(
        description="The revision you read: a save based on an older one is refused with 409."
    )
    summary: Text | None = None
    voice_of_child: Text | None = None
    good_practice: Text | None = None
    serious_safeguarding: bool | None = None
    serious_safeguarding_detail: Text | None = None
    overall_scale: Scale | None = None
    contact_made: ContactMadeOrBlank | None = None
    contact_not_appropriate_reason: Text | None = None
    who_contacted: ShortText | None = None
    contact_relationship: Annotated[str, StringConstraints(max_length=80), NoNul] | None = None
    contacted_on: dt.date | None = None
    contact_method: ContactMethodOrBlank | None = None
    key_worker_told_family: YesNoUnknownOrBlank | None = None
    contact_details_checked: YesNoOrBlank | None = None
    child_views: Text | None = None
    family_views: Text | None = None
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None
    sections: dict[IdKey, SectionIn] | None = Field(None, description="By section id.")
    questions: dict[IdKey, QuestionIn] | None = Field(None, description="By question id.")
    actions: list[ActionIn] | None = Field(None, max_length=200)


class ReopenIn(Schema):
    reason: Text = Field(description="Why the audit is being reopened.")


class AcknowledgeIn(Schema):
    action_taken: Text = Field(
        description="The action taken on the finding (recorded in the audit's history); "
        "acknowledging closes the finding."
    )


class WithdrawFindingIn(Schema):
    reason: Text = Field(
        description="Why the finding was raised in error (everyone told about it is told)."
    )


class DiscardIn(Schema):
    reason: Text = Field(description="Why the draft is being discarded (kept in the case history).")
    revision: Revision = Field(
        description="The revision you read: if the draft was saved since, nothing is discarded "
        "and the answer is 409."
    )


# --- QA responses ---------------------------------------------------------------------------


class ResponseOut(Schema):
    id: int
    audit_id: int
    case: CaseRef
    tool: str
    worker: StaffRef
    supervisor: StaffRef | None
    status: ResponseStatusValue
    completed_on: dt.date
    due_on: dt.date
    overdue: bool
    submitted_at: dt.datetime | None
    authorised_at: dt.datetime | None

    @staticmethod
    def resolve_tool(response: QAResponse) -> str:
        return response.audit.tool_version.tool.name

    @staticmethod
    def resolve_overdue(response: QAResponse) -> bool:
        return response.is_overdue()


class ActionAnswerOut(Schema):
    """A restorative action with its one answer in the response (the answer's fields are null
    until it is answered). Submitting the response resolves the action from it: the action's
    `resolution` is the answer's `what_done`."""

    action: ActionOut
    what_done: str | None = Field(description="What was done.")
    done_on: dt.date | None = Field(
        description="The date it was done (never in the future; null in answers given "
        "before the date was asked for)."
    )
    evidence: str | None = Field(description="Where the work can be seen (may be empty).")
    answered_at: dt.datetime | None


class ResponseEventOut(Schema):
    at: dt.datetime
    kind: str
    by: str | None


class WithDocument(Protocol):
    """A QA response with its `document` attached (by the endpoint)."""

    document: ResponseDocument


class ResponseDetailOut(ResponseOut):
    """Built from a response with its `document` (`responses.selectors.response_document`)
    attached."""

    acknowledgement: str
    returned_at: dt.datetime | None
    return_reason: str
    actions: list[ActionAnswerOut]
    history: list[ResponseEventOut]

    @staticmethod
    def resolve_actions(response: WithDocument) -> list[dict[str, Any]]:
        return [
            {
                "action": item.action,
                "what_done": item.answer.what_done if item.answer else None,
                "done_on": item.answer.done_on if item.answer else None,
                "evidence": item.answer.evidence if item.answer else None,
                "answered_at": item.answer.answered_at if item.answer else None,
            }
            for item in response.document.actions
        ]

    @staticmethod
    def resolve_history(response: WithDocument) -> list[dict[str, Any]]:
        return [
            {"at": event.at, "kind": event.kind, "by": _person(event.by)}
            for event in response.document.history
        ]


def _person(user: User | None) -> str | None:
    """A user as the pages name them (`organisation.selectors.person_name`), from the staff
    record read with the row: a leaver keeps the name the record was made under."""
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else (user.get_full_name() or user.get_username())


# --- programme ------------------------------------------------------------------------------


class AllocationOut(Schema):
    id: int
    month: str
    programme_status: str
    rule: str
    auditor: StaffRef
    peer: StaffRef | None
    case: CaseRef | None
    tool_code: str
    reason: str
    status: str
    audit_id: int | None

    @staticmethod
    def resolve_month(allocation: Allocation) -> str:
        return allocation.programme.label

    @staticmethod
    def resolve_programme_status(allocation: Allocation) -> str:
        return allocation.programme.status


class DueOut(Schema):
    """Built from a case of `programme.selectors.due_list`."""

    case: CaseOut
    kind: Literal["annual", "carers"]
    due_on: dt.date

    @staticmethod
    def resolve_case(case: Case) -> Case:
        return case

    @staticmethod
    def resolve_kind(case: Case) -> str:
        return _next_due(case).kind

    @staticmethod
    def resolve_due_on(case: Case) -> dt.date:
        return _next_due(case).due_on


def _next_due(case: Case) -> Due:
    return next_due(
        opened_on=case.opened_on,
        last_audited_on=case.last_audited_on,
        is_carer=case.is_carer,
        first_panel_on=case.first_panel_on,
    )


# --- reports --------------------------------------------------------------------------------

# A table cell or a figure: numbers, text (dates as YYYY-MM-DD, a month as its first day) or
# null (no value: a percentage of nothing, a date not yet reached).
Scalar = int | float | str | bool | None
ColumnKind = Literal["text", "number", "percent", "decimal", "date", "month", "tag"]
ReportName = Literal["compliance", "responses", "quality", "findings"]


class ReportColumnOut(Schema):
    key: str
    label: str
    kind: ColumnKind = Field(
        description="number, percent (0–100, one decimal) and decimal cells are numbers; date "
        "and month cells are YYYY-MM-DD (a month: its first day); text and tag cells are text."
    )


class ReportPageOut(Schema):
    number: int = Field(description="This page of the table's rows (the `page` parameter).")
    pages: int
    count: int = Field(description="Rows in every page together.")


class ReportTableOut(Schema):
    key: str = Field(description="As the report page's table and its CSV file name it.")
    title: str
    description: str
    note: str = Field(description="Says when the table lists only the first rows.")
    columns: list[ReportColumnOut]
    rows: list[list[Scalar]] = Field(
        description="One list of cells per row, in the order of `columns`: the values of the "
        "table's CSV file (a link to a case or audit is its reference)."
    )
    page: ReportPageOut | None = Field(
        None, description="For a table listed a page at a time: which page this is."
    )


class ReportPeriodOut(Schema):
    start: dt.date
    end: dt.date


class ReportOut(Schema):
    report: ReportName
    scope: str = Field(description='Whose figures these are, e.g. "team North A".')
    period: ReportPeriodOut
    figures: dict[str, Scalar | dict[str, Scalar]] = Field(
        description="The figures at the top of the report page, by name."
    )
    tables: list[ReportTableOut]
