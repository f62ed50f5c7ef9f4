"""The monthly programme's allocations and the due list, with the pages' permissions."""

import datetime as dt
from typing import Annotated, Literal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import StringConstraints

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.cases.models import Case
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.programme import selectors
from caseaudit.programme.models import Allocation, AllocationStatus

from ..api import LIST_ERRORS, READ_ERRORS, ApiPagination, logged
from ..schemas import AllocationOut, DueOut, Id

router = Router(tags=["programme"])

Month = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")]


class AllocationFilters(Schema):
    month: Month
    auditor: Id | None = None
    status: Literal[tuple(AllocationStatus.values)] | None = None  # type: ignore[valid-type]


class DueFilters(Schema):
    when: Literal["month", "overdue", "next"] = "month"
    team: Id | None = None
    service_area: Id | None = None


@router.get(
    "/allocations",
    response={200: list[AllocationOut], **READ_ERRORS},
    summary="A month's allocations",
)
@paginate(ApiPagination)
def allocation_list(
    request: AuthenticatedHttpRequest, filters: Query[AllocationFilters]
) -> QuerySet[Allocation]:
    """The month's programme (YYYY-MM), for those who may see the programme page, with what
    its page shows them (a Team Manager and Business Support: their team's, of confirmed
    months): 404 for anyone else, and when the month has no programme or not one they may
    open. Cancelled allocations are left out.
    Written to the access log (once a request), as the programme page is."""
    month = dt.date.fromisoformat(filters.month + "-01")
    programme = selectors.programme_get(user=request.user, month=month)
    if programme is None:
        raise Http404("No programme for that month")
    # The allocations name cases: one access-log entry for the request, as the programme page
    # writes one per view.
    access_record(
        request=request, object_type=AccessObjectType.PROGRAMME, object_id=programme.label
    )
    allocations = selectors.programme_allocations(programme=programme, user=request.user).order_by(
        "rule", "auditor__name", "id"
    )
    if filters.auditor:
        allocations = allocations.filter(auditor_id=filters.auditor)
    if filters.status:
        allocations = allocations.filter(status=filters.status)
    return allocations


@router.get("/due", response={200: list[DueOut], **LIST_ERRORS}, summary="Audits due")
@paginate(ApiPagination)
def due_list(request: AuthenticatedHttpRequest, filters: Query[DueFilters]) -> QuerySet[Case]:
    """Open cases you may see whose annual or carers' audit is due, as the due page: by the
    end of this month (overdue included), overdue only, or by the end of next month."""
    logged(request, AccessObjectType.CASE, lambda case: case.pk)
    return selectors.due_list(
        user=request.user,
        when=filters.when,
        month=timezone.localdate(),
        team_id=filters.team,
        service_area_id=filters.service_area,
    )
