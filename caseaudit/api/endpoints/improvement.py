"""/api/v1/ operations of caseaudit.improvement: published findings reports (their frozen
figures and recommendations) and improvement actions, read-only, scoped as the pages are
(`improvement.policy`): a report or action out of the user's scope is a 404."""

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from ninja.pagination import paginate

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.improvement import selectors
from caseaudit.improvement.models import ActionUpdate, FindingsReport, ImprovementAction

from ..api import LIST_ERRORS, READ_ERRORS, ApiPagination
from ..schemas import MAX_ID, AreaRef, Id, StaffRef, TeamRef

router = Router(tags=["improvement"])

ActionStatusValue = Literal["not_started", "in_progress", "completed"]
ActionStatusFilter = Literal["not_started", "in_progress", "completed", "overdue"]


class FindingsReportOut(Schema):
    id: int
    title: str
    scope: Literal["authority", "service", "team"]
    service: AreaRef | None
    team: TeamRef | None
    period_start: dt.date
    period_end: dt.date
    published_at: dt.datetime | None
    author: StaffRef
    reviewer: StaffRef | None

    @staticmethod
    def resolve_scope(obj: FindingsReport) -> str:
        return obj.scope_kind


class ThemeRef(Schema):
    code: str
    name: str


class ImprovementActionOut(Schema):
    id: int
    report: int
    number: int
    text: str
    theme: ThemeRef | None
    owner: StaffRef
    due_on: dt.date
    status: ActionStatusValue
    overdue: bool
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_report(obj: ImprovementAction) -> int:
        return obj.report_id

    @staticmethod
    def resolve_overdue(obj: ImprovementAction) -> bool:
        return obj.is_open and obj.due_on < timezone.localdate()


class FindingsReportDetailOut(FindingsReportOut):
    overview: str
    figures: dict[str, Any]
    recommendations: list[ImprovementActionOut]
    previous: int | None

    @staticmethod
    def resolve_recommendations(obj: FindingsReport) -> list[ImprovementAction]:
        return selectors.report_actions(report=obj)

    @staticmethod
    def resolve_previous(obj: FindingsReport) -> int | None:
        return obj.previous_id


class ActionUpdateOut(Schema):
    at: dt.datetime
    by: str
    status: ActionStatusValue
    note: str
    evidence: str
    evidence_url: str

    @staticmethod
    def resolve_by(obj: ActionUpdate) -> str:
        return obj.by.name


class ImprovementActionDetailOut(ImprovementActionOut):
    updates: list[ActionUpdateOut]

    @staticmethod
    def resolve_updates(obj: ImprovementAction) -> list[Any]:
        return list(selectors.action_updates(action=obj))


class ActionFilters(Schema):
    service: Id | None = None
    status: ActionStatusFilter | None = None


def _log(request: AuthenticatedHttpRequest, report_id: int) -> None:
    access_record(
        request=request,
        object_type=AccessObjectType.REPORT,
        object_id=f"findings-report-{report_id}",
    )


@router.get(
    "/improvement/reports",
    response={200: list[FindingsReportOut], **LIST_ERRORS},
    summary="List published findings reports",
)
@paginate(ApiPagination)
def improvement_report_list(request: AuthenticatedHttpRequest) -> QuerySet[FindingsReport]:
    """The published findings reports you may read (the managers in each report's scope),
    the latest period first."""
    return selectors.published_report_list(user=request.user)


@router.get(
    "/improvement/reports/{report_id}",
    response={200: FindingsReportDetailOut, **READ_ERRORS},
    summary="A published findings report",
)
def improvement_report_detail(
    request: AuthenticatedHttpRequest, report_id: int = Path(..., ge=1, le=MAX_ID)
) -> FindingsReport:
    """The report as published: its overview, its figures as they were frozen on publishing
    (the auditors' words anonymised), and its numbered recommendations with where each
    improvement action stands now."""
    report = selectors.published_report_get(user=request.user, pk=report_id)
    _log(request, report.pk)
    return report


@router.get(
    "/improvement/actions",
    response={200: list[ImprovementActionOut], **LIST_ERRORS},
    summary="List improvement actions",
)
@paginate(ApiPagination)
def improvement_action_list(
    request: AuthenticatedHttpRequest, filters: Query[ActionFilters]
) -> QuerySet[ImprovementAction]:
    """The improvement actions of published reports you may read, and your own; by the
    report's service and by status ("overdue": open past the due date)."""
    return selectors.action_board(
        user=request.user,
        service_id=filters.service,
        status=filters.status or "",
        today=timezone.localdate(),
    ).select_related("theme")


@router.get(
    "/improvement/actions/{action_id}",
    response={200: ImprovementActionDetailOut, **READ_ERRORS},
    summary="An improvement action",
)
def improvement_action_detail(
    request: AuthenticatedHttpRequest, action_id: int = Path(..., ge=1, le=MAX_ID)
) -> ImprovementAction:
    """The action with its progress notes and evidence, the latest first."""
    return selectors.action_get(user=request.user, pk=action_id)
