"""Audits: the list, one audit in full, and the lifecycle (start, save a draft, complete,
reopen, discard a draft; acknowledge or withdraw an urgent finding), each through the audits
app's own selectors and services, as the pages use them."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.query import ModelIterable
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audits import policy, selectors, services
from caseaudit.audits.fields import FAMILY_CONTACT_FIELDS
from caseaudit.audits.models import Audit, BlindReading, UrgentFinding
from caseaudit.cases.selectors import case_get
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.workflows import audits as workflows

from ..api import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiError,
    ApiPagination,
    api_error_from,
    django_errors,
    logged,
)
from ..schemas import (
    MAX_ID,
    AcknowledgeIn,
    AuditDetailOut,
    AuditOut,
    AuditSaveIn,
    AuditStartIn,
    AuditStatusValue,
    DiscardIn,
    FindingOut,
    Id,
    ReopenIn,
    ToolCode,
    WithdrawFindingIn,
)
from ..selectors import audit_list as audit_list_selector

router = Router(tags=["audits"])
SCALE_HIDDEN_REASON = "Scaled in an urgent band (the scale is hidden while you moderate this audit)"
AuditId = Path(..., ge=1, le=MAX_ID)
FindingId = Path(..., ge=1, le=MAX_ID)


class AuditFilters(Schema):
    case: Id | None = None
    status: AuditStatusValue | None = None
    tool: ToolCode | None = None
    date_from: dt.date | None = Field(
        None, alias="from", description="Completed (a draft: started) on or after this day."
    )
    date_to: dt.date | None = Field(
        None, alias="to", description="Completed (a draft: started) on or before this day."
    )


def _log(request: HttpRequest, audit: Audit) -> None:
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=audit.pk,
        case_id=audit.case_id,
    )


def _band(band: ScalingBand | None) -> dict[str, Any] | None:
    return None if band is None else {"code": band.code, "name": band.name, "urgent": band.urgent}


def audit_out(request: AuthenticatedHttpRequest, audit: Audit) -> dict[str, Any]:
    """The audit in full (the audit page's content), from `selectors.audit_document`. For its
    moderator, until they compare, every scale and band of the auditor's is null and an urgent
    finding raised by a scale has that scale null and its reason without it
    (`selectors.scales_hidden_for`)."""
    document = selectors.audit_document(audit=audit)
    version = document.version
    hidden = selectors.scales_hidden_for(user=request.user, audit=audit)
    return {
        "id": audit.pk,
        "case": audit.case,
        "tool": {"code": version.tool.code, "name": version.tool.name, "version": version.number},
        "auditor": audit.auditor,
        "reason": audit.reason,
        "status": audit.status,
        "revision": audit.revision,
        "started_at": audit.started_at,
        "updated_at": audit.updated_at,
        "completed_at": audit.completed_at,
        "reopened_at": audit.reopened_at,
        "reopened_reason": audit.reopened_reason,
        "discarded_at": audit.discarded_at,
        "discard_reason": audit.discard_reason,
        "overall_scale": None if hidden else audit.overall_scale,
        "overall_band": None if hidden else _band(document.overall_band),
        "summary": audit.summary,
        "voice_of_child": audit.voice_of_child,
        "good_practice": audit.good_practice,
        "serious_safeguarding": audit.serious_safeguarding,
        "serious_safeguarding_detail": audit.serious_safeguarding_detail,
        "family_contact": {name: getattr(audit, name) for name in FAMILY_CONTACT_FIELDS},
        "sections": [
            {
                "id": item.section.pk,
                "number": item.number,
                "key": item.section.key,
                "title": item.section.title,
                "theme": item.section.theme.code,
                "scaled": item.section.scaled,
                "working_well": item.answer.working_well if item.answer else "",
                "worried_about": item.answer.worried_about if item.answer else "",
                "needs_to_happen": item.answer.needs_to_happen if item.answer else "",
                "scale": None if hidden else item.scale,
                "band": None if hidden else _band(item.band),
                "questions": [
                    {
                        "id": q.question.pk,
                        "key": q.question.key,
                        "text": q.question.text,
                        "kind": q.question.kind,
                        "choices": q.question.choices or [],
                        "required": q.question.required,
                        "answer": q.answer.answer if q.answer else "",
                        "evidence": q.evidence,
                    }
                    for q in item.questions
                ],
            }
            for item in document.sections
        ],
        "actions": document.actions,
        "findings": [_blind_finding(f) for f in document.findings] if hidden else document.findings,
        "can_edit": audit.is_draft and policy.can_edit(request.user, audit),
        "can_reopen": audit.is_completed and policy.can_reopen(request.user, audit),
        "can_discard": policy.can_discard(request.user, audit),
    }


def _blind_finding(finding: UrgentFinding) -> dict[str, Any]:
    """An urgent finding without the scale that raised it (for a blind moderator)."""
    out = {name: getattr(finding, name) for name in FindingOut.model_fields}
    if finding.trigger != "serious":
        out["scale"] = None
        out["reason"] = SCALE_HIDDEN_REASON
    return out


class _BlindListIterable(ModelIterable):
    """The list's audits, each without its overall scale where the user is its blind moderator
    (the `scales_hidden` annotation: part of the list's one query)."""

    def __iter__(self) -> Iterator[Audit]:
        for audit in super().__iter__():
            if audit.scales_hidden:
                audit.overall_scale = None
            yield audit


def _fresh(request: AuthenticatedHttpRequest, pk: int) -> dict[str, Any]:
    return audit_out(request, selectors.audit_get(user=request.user, pk=pk))


@router.get("/audits", response={200: list[AuditOut], **LIST_ERRORS}, summary="List audits")
@paginate(ApiPagination)
def audit_list(request: AuthenticatedHttpRequest, filters: Query[AuditFilters]) -> QuerySet[Audit]:
    """The audits of the cases you may see (and those you do), newest first."""
    logged(request, AccessObjectType.AUDIT, lambda audit: audit.case_id)
    qs = audit_list_selector(
        user=request.user,
        case_id=filters.case,
        status=filters.status or "",
        tool=filters.tool or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    staff = staff_for_user(request.user)
    if staff is None:
        return qs
    # `overall_scale` is null on the audits you moderate and have not compared yet.
    qs = qs.annotate(
        scales_hidden=Exists(
            BlindReading.objects.filter(audit_id=OuterRef("pk"), staff_id=staff.pk)
        )
    )
    qs._iterable_class = _BlindListIterable
    return qs


@router.get("/audits/{audit_id}", response={200: AuditDetailOut, **READ_ERRORS}, summary="An audit")
def audit_detail(request: AuthenticatedHttpRequest, audit_id: int = AuditId) -> dict[str, Any]:
    """Everything the audit page shows: sections with their scales, bands and answers, the
    family contact, restorative actions and urgent findings."""
    audit = selectors.audit_get(user=request.user, pk=audit_id)
    _log(request, audit)
    return audit_out(request, audit)


@router.post("/audits", response={201: AuditDetailOut, **WRITE_ERRORS}, summary="Start an audit")
def audit_start(request: AuthenticatedHttpRequest, payload: AuditStartIn) -> Status:
    """Start a draft audit of a case you may see and audit, with a tool's published version.
    The tool and the reason go together (the Closure Record for a closure audit, the Carers
    tool for a carers' audit of a carer household, the IRO and CP Chair tools for those roles'
    own audits, a peer audit never of your own team or, for a CSM, service): 422 says why, on
    `tool` or `reason`. 409 (with `audit_id`) when you already have a draft with that tool of
    that case."""
    case = case_get(user=request.user, pk=payload.case)
    auditor = staff_for_user(request.user)
    if auditor is None:  # a superuser's token, without a staff record: refused as the service does
        raise api_error_from(
            ValidationError("Only current members of staff can audit a case.", code="not_allowed")
        )
    try:
        audit = services.audit_start(
            case=case,
            auditor=auditor,
            tool_code=payload.tool,
            reason=payload.reason,
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "draft_exists" and error.params:
            raise ApiError(
                409, error.messages[0], django_errors(error), audit_id=error.params["audit_id"]
            ) from error
        raise api_error_from(error) from error
    _log(request, audit)
    return Status(201, _fresh(request, audit.pk))


@router.put(
    "/audits/{audit_id}", response={200: AuditDetailOut, **WRITE_ERRORS}, summary="Save a draft"
)
def audit_save(
    request: AuthenticatedHttpRequest, payload: AuditSaveIn, audit_id: int = AuditId
) -> dict[str, Any]:
    """Save changes to your draft. `revision` must be the revision you read: if anyone has
    saved since, nothing is saved and the answer is 409 with the current `revision`. Errors
    name the fields as the audit form does (`s<section id>-scale`, `q<question id>-answer`,
    `actions-<row>-due_on`)."""
    audit = selectors.audit_get(user=request.user, pk=audit_id)
    _log(request, audit)
    data = payload.model_dump(exclude_unset=True)
    revision = data.pop("revision")
    if "sections" in data:
        data["sections"] = {int(key): value for key, value in (data["sections"] or {}).items()}
    if "questions" in data:
        data["questions"] = {int(key): value for key, value in (data["questions"] or {}).items()}
    for row in data.get("actions") or []:
        # An action without an owner is the case's allocated worker's, as on the form (said
        # here: the service checks only the owners it is given).
        row.setdefault("owner_id", audit.case.allocated_worker_id)
    try:
        services.audit_save(audit=audit, by=request.user, data=data, revision=revision)
    except ValidationError as error:
        detail = "The audit was not saved" if hasattr(error, "error_dict") else None
        raise api_error_from(error, detail) from error
    return _fresh(request, audit.pk)


@router.post(
    "/audits/{audit_id}/complete",
    response={200: AuditDetailOut, **WRITE_ERRORS},
    summary="Complete an audit",
)
def audit_complete(request: AuthenticatedHttpRequest, audit_id: int = AuditId) -> dict[str, Any]:
    """Complete your draft. 422 lists everything still missing, each with its field: the
    tool's required questions (`q<id>-answer`), the family contact (`contact_made`,
    `who_contacted`, `contact_method`, `contact_not_appropriate_reason`), a restorative action
    for each section scaled in a band that needs one (`s<id>-actions`; `overall-actions` for
    the overall scale), and the rest as the audit form does."""
    audit = selectors.audit_get(user=request.user, pk=audit_id)
    _log(request, audit)
    try:
        workflows.audit_complete(audit=audit, by=request.user)
    except ValidationError as error:
        detail = "The audit is not complete yet" if hasattr(error, "error_dict") else None
        raise api_error_from(error, detail) from error
    return _fresh(request, audit.pk)


@router.post(
    "/audits/{audit_id}/reopen",
    response={200: AuditDetailOut, **WRITE_ERRORS},
    summary="Reopen a completed audit",
)
def audit_reopen(
    request: AuthenticatedHttpRequest, payload: ReopenIn, audit_id: int = AuditId
) -> dict[str, Any]:
    """A manager responsible for the case reopens a completed audit as a draft, saying why;
    the auditor is told."""
    audit = selectors.audit_get(user=request.user, pk=audit_id)
    _log(request, audit)
    try:
        workflows.audit_reopen(audit=audit, by=request.user, reason=payload.reason)
    except ValidationError as error:
        raise api_error_from(error) from error
    return _fresh(request, audit.pk)


@router.post(
    "/audits/{audit_id}/discard",
    response={200: AuditDetailOut, **WRITE_ERRORS},
    summary="Discard a draft",
)
def audit_discard(
    request: AuthenticatedHttpRequest, payload: DiscardIn, audit_id: int = AuditId
) -> dict[str, Any]:
    """Discard your draft, started by mistake, saying why: it is kept, read-only, as
    "discarded", and the reason goes in the case's history. Only the auditor (else 403), only a
    draft never completed (else 422); 409 when it was saved since the `revision` you read."""
    audit = selectors.audit_get(user=request.user, pk=audit_id)
    _log(request, audit)
    try:
        workflows.audit_discard(
            audit=audit, by=request.user, reason=payload.reason, revision=payload.revision
        )
    except ValidationError as error:
        raise api_error_from(error) from error
    return _fresh(request, audit.pk)


def _finding(request: AuthenticatedHttpRequest, pk: int) -> UrgentFinding:
    """The finding, if you may see its case (404 otherwise), logged as a view of its audit."""
    finding = selectors.urgent_finding_get(user=request.user, pk=pk)
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=finding.audit_id,
        case_id=finding.case_id,
    )
    return finding


@router.post(
    "/findings/{finding_id}/acknowledge",
    response={200: AuditDetailOut, **WRITE_ERRORS},
    summary="Acknowledge an urgent finding",
)
def finding_acknowledge(
    request: AuthenticatedHttpRequest, payload: AcknowledgeIn, finding_id: int = FindingId
) -> dict[str, Any]:
    """A manager of the case (its Team Manager or Practice Supervisor, the service's CSM, an
    Assistant Director or the Director) records the action taken on an open urgent finding,
    which closes it; answers with the finding's audit. 403 for anyone else who sees the case;
    409 when it was acknowledged or withdrawn meanwhile (nothing is changed)."""
    finding = _finding(request, finding_id)
    try:
        services.urgent_finding_acknowledge(
            finding=finding, by=request.user, action_taken=payload.action_taken
        )
    except ValidationError as error:
        raise api_error_from(error) from error
    return _fresh(request, finding.audit_id)


@router.post(
    "/findings/{finding_id}/withdraw",
    response={200: AuditDetailOut, **WRITE_ERRORS},
    summary="Withdraw an urgent finding raised in error",
)
def finding_withdraw(
    request: AuthenticatedHttpRequest, payload: WithdrawFindingIn, finding_id: int = FindingId
) -> dict[str, Any]:
    """The auditor who raised an open urgent finding withdraws it as raised in error, saying
    why; everyone told about it is told. 403 for anyone else who sees the case; 409 when it
    was acknowledged or withdrawn meanwhile."""
    finding = _finding(request, finding_id)
    try:
        services.urgent_finding_withdraw(finding=finding, by=request.user, reason=payload.reason)
    except ValidationError as error:
        raise api_error_from(error) from error
    return _fresh(request, finding.audit_id)
