"""/api/v1/ operations of caseaudit.moderation: a user's moderations, one moderation (blind for
its moderator until compared), saving and completing it; and the moderation report's figures
(`/reports/moderation`, as the page /reports/moderation/)."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.moderation import policy, selectors, services
from caseaudit.moderation.models import Moderation
from caseaudit.reports import moderation as moderation_report
from caseaudit.reports.forms import ReportFilterForm
from caseaudit.reports.scope import report_scope_or_404
from caseaudit.workflows import moderation as workflows

from ..api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ApiError, api_error_from
from ..schemas import MAX_ID, ReportOut, StaffRef
from .reports import QualityQuery, _table, _value

router = Router(tags=["moderation"])
ModerationId = Path(..., ge=1, le=MAX_ID)
Scale = Annotated[int, Field(ge=0, le=10)]


class ModerationReportOut(ReportOut):
    report: Literal["moderation"]  # type: ignore[assignment]  # narrows ReportOut's names


class ModerationSectionOut(Schema):
    id: int
    key: str
    title: str
    scaled: bool
    working_well: str
    worried_about: str
    needs_to_happen: str
    scale: int | None = Field(description="The moderator's scale.")
    rationale: str
    auditor_scale: int | None = Field(
        description="The auditor's scale: null until the moderator has compared (blind)."
    )
    outcome: str = Field(description='"agreed", "moderated up" or "moderated down" once compared.')


class ReplyOut(Schema):
    author: StaffRef
    text: str
    at: dt.datetime


class ModerationOut(Schema):
    id: int
    audit: int
    case: str = Field(description="The case's reference.")
    tool: str
    auditor: StaffRef
    moderator: StaffRef | None
    status: str
    revision: int
    why: str
    month: str = Field(description="The month sampled, YYYY-MM.")
    auditor_scales_shown: bool
    overall_scale: int | None
    overall_rationale: str
    auditor_overall_scale: int | None
    completed_at: dt.datetime | None
    summary: str
    voice_of_child: str
    good_practice: str
    sections: list[ModerationSectionOut]
    actions: list[str]
    replies: list[ReplyOut]


class ModerationListOut(Schema):
    id: int
    audit: int
    case: str
    auditor: StaffRef
    moderator: StaffRef | None
    status: str
    month: str


class SectionIn(Schema):
    scale: Scale | None = None
    rationale: str = Field("", max_length=5000)


class ModerationSaveIn(Schema):
    revision: int = Field(..., ge=0, le=MAX_ID)
    sections: dict[int, SectionIn] = Field(
        default_factory=dict, description="By section id: your scale and rationale."
    )
    overall_scale: Scale | None = None
    overall_rationale: str = Field("", max_length=5000)


def _log(request: AuthenticatedHttpRequest, moderation: Moderation) -> None:
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=moderation.audit_id,
        case_id=moderation.audit.case_id,
    )


def _out(request: AuthenticatedHttpRequest, moderation: Moderation) -> dict[str, Any]:
    shown = policy.shows_auditor_scales(request.user, moderation)
    audit = moderation.audit
    return {
        "id": moderation.pk,
        "audit": audit.pk,
        "case": audit.case.reference,
        "tool": audit.tool_version.tool.name,
        "auditor": moderation.auditor,
        "moderator": moderation.moderator,
        "status": moderation.status,
        "revision": moderation.revision,
        "why": moderation.why,
        "month": moderation.sample.label,
        "auditor_scales_shown": shown,
        "overall_scale": moderation.overall_scale,
        "overall_rationale": moderation.overall_rationale,
        "auditor_overall_scale": moderation.auditor_overall_scale if shown else None,
        "completed_at": moderation.completed_at,
        "summary": audit.summary,
        "voice_of_child": audit.voice_of_child,
        "good_practice": audit.good_practice,
        "sections": [
            {
                "id": r["section"].pk,
                "key": r["section"].key,
                "title": r["section"].title,
                "scaled": r["section"].scaled,
                "working_well": r["answer"].working_well if r["answer"] else "",
                "worried_about": r["answer"].worried_about if r["answer"] else "",
                "needs_to_happen": r["answer"].needs_to_happen if r["answer"] else "",
                "scale": r["scale"],
                "rationale": r["rationale"],
                "auditor_scale": r["auditor_scale"] if shown else None,
                "outcome": r["outcome"] if shown else "",
            }
            for r in selectors.moderation_sections(moderation=moderation)
        ],
        "actions": [a.description for a in selectors.audit_actions(moderation=moderation)],
        "replies": [
            {"author": r.author, "text": r.text, "at": r.at}
            for r in moderation.replies.select_related("author")
        ]
        if moderation.is_completed
        else [],
    }


def _fresh(request: AuthenticatedHttpRequest, pk: int) -> dict[str, Any]:
    return _out(request, selectors.moderation_get(user=request.user, pk=pk))


@router.get(
    "/moderations",
    response={200: list[ModerationListOut], **LIST_ERRORS},
    summary="Your moderations",
)
def moderation_list(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    """Your moderations to do and done (as moderator), and your audits that were moderated
    (as auditor), newest sample first."""
    lists = selectors.moderation_list(user=request.user)
    seen: set[int] = set()
    rows = []
    for m in (*lists["to_do"], *lists["done"], *lists["mine"]):
        if m.pk in seen:
            continue
        seen.add(m.pk)
        rows.append(
            {
                "id": m.pk,
                "audit": m.audit_id,
                "case": m.audit.case.reference,
                "auditor": m.auditor,
                "moderator": m.moderator,
                "status": m.status,
                "month": m.sample.label,
            }
        )
    access_record(request=request, object_type=AccessObjectType.CASE_LIST, object_id="moderations")
    return rows


@router.get(
    "/moderations/{moderation_id}",
    response={200: ModerationOut, **READ_ERRORS},
    summary="A moderation",
)
def moderation_detail(
    request: AuthenticatedHttpRequest, moderation_id: int = ModerationId
) -> dict[str, Any]:
    """The audit's text, answers and actions, and the moderator's scales. For the moderator,
    the auditor's scales are null until they have compared (`auditor_scales_shown`); the
    auditor sees the moderation once it is completed."""
    moderation = selectors.moderation_get(user=request.user, pk=moderation_id)
    _log(request, moderation)
    return _out(request, moderation)


@router.put(
    "/moderations/{moderation_id}",
    response={200: ModerationOut, **WRITE_ERRORS},
    summary="Save a moderation",
)
def moderation_save(
    request: AuthenticatedHttpRequest, payload: ModerationSaveIn, moderation_id: int = ModerationId
) -> dict[str, Any]:
    """Save your scales and rationales (its moderator only). `revision` must be the one you
    read (409 otherwise). Once compared, the scales are fixed: only rationales change."""
    moderation = selectors.moderation_get(user=request.user, pk=moderation_id)
    _log(request, moderation)
    try:
        services.moderation_save(
            moderation=moderation,
            by=request.user,
            revision=payload.revision,
            sections={
                key: {"scale": value.scale, "rationale": value.rationale}
                for key, value in payload.sections.items()
            },
            overall_scale=payload.overall_scale,
            overall_rationale=payload.overall_rationale,
        )
    except services.ConflictError as error:
        raise ApiError(409, error.messages[0], revision=moderation.revision) from error
    except ValidationError as error:
        raise api_error_from(error) from error
    return _fresh(request, moderation.pk)


@router.post(
    "/moderations/{moderation_id}/complete",
    response={200: ModerationOut, **WRITE_ERRORS},
    summary="Complete a moderation",
)
def moderation_complete(
    request: AuthenticatedHttpRequest, moderation_id: int = ModerationId
) -> dict[str, Any]:
    """Compare (your scales are then fixed and the auditor's shown) and complete. Where you
    differ from the auditor by two points or more a rationale is needed: the answer is then
    422 naming the sections, the moderation stays compared, and you complete it again after
    saving the rationales. On completion the moderated overall scale becomes the audit's
    final grade and the auditor is told."""
    moderation = selectors.moderation_get(user=request.user, pk=moderation_id)
    _log(request, moderation)
    try:
        if not moderation.is_revealed:
            moderation = services.moderation_reveal(moderation=moderation, by=request.user)
        workflows.moderation_complete(moderation=moderation, by=request.user)
    except ValidationError as error:
        raise api_error_from(error) from error
    return _fresh(request, moderation.pk)


@router.get(
    "/reports/moderation",
    response={200: ModerationReportOut, **READ_ERRORS},
    summary="Moderation report",
)
def report_moderation(
    request: AuthenticatedHttpRequest,
    filters: Query[QualityQuery],
    auditor: str = Query("", max_length=40, description="One auditor's staff ID."),
) -> dict[str, Any]:
    """The moderation report page's figures (`moderated`, `exact_agreement`, `within_one`,
    `mean_difference`, `alpha_ordinal`, `grades_changed`) and tables (by auditor, by month,
    by band), with the practice quality report's filters and scope. 404 if you have no
    practice quality report."""
    scope = report_scope_or_404(request.user, moderation_report.AS_REPORT)
    data = QueryDict(mutable=True)
    for key, value in filters.dict().items():
        if value is not None:
            data[key] = value.isoformat() if isinstance(value, dt.date) else str(value)
    form = ReportFilterForm(data or None, scope=scope, today=timezone.localdate(), with_theme=True)
    if form.is_bound and not form.is_valid():
        errors = [
            {"field": None if field == "__all__" else field, "message": message}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise ApiError(422, "The request is not valid", errors)
    period = form.filters()
    report = moderation_report.moderation_report(scope=scope, filters=period, auditor=auditor)
    access_record(
        request=request, object_type=AccessObjectType.REPORT, object_id=moderation_report.KEY
    )
    return {
        "report": moderation_report.KEY,
        "scope": scope.label,
        "period": {"start": period.start, "end": period.end},
        "figures": {key: _value(value) for key, value in report.figures.items()},
        "tables": [_table(table) for table in report.tables],
    }
