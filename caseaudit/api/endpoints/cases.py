"""Cases: the list (filtered as the case list page) and one case (as the case page)."""

from typing import Literal

from django.db.models import QuerySet
from ninja import Path, Query, Router, Schema
from ninja.pagination import paginate

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.cases import selectors
from caseaudit.cases.models import Case
from caseaudit.core.typing import AuthenticatedHttpRequest

from ..api import LIST_ERRORS, READ_ERRORS, ApiPagination, logged
from ..schemas import MAX_ID, CaseDetailOut, CaseOut, CaseTypeValue, Id, SearchText

router = Router(tags=["cases"])


class CaseFilters(Schema):
    q: SearchText = ""
    team: Id | None = None
    case_type: CaseTypeValue | None = None
    worker: Id | None = None
    status: Literal["open", "closed", "all"] = "open"


@router.get("/cases", response={200: list[CaseOut], **LIST_ERRORS}, summary="List cases")
@paginate(ApiPagination)
def case_list(request: AuthenticatedHttpRequest, filters: Query[CaseFilters]) -> QuerySet[Case]:
    """The cases you may see, as the case list page shows them: open ones unless `status`
    says otherwise; `q` matches a case reference exactly or a name in part."""
    logged(request, AccessObjectType.CASE, lambda case: case.pk)
    return selectors.case_list(
        user=request.user,
        search=filters.q.strip(),
        team_id=filters.team,
        case_type=filters.case_type or "",
        worker_id=filters.worker,
        status=filters.status,
    )


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **READ_ERRORS}, summary="A case")
def case_detail(
    request: AuthenticatedHttpRequest, case_id: int = Path(..., ge=1, le=MAX_ID)
) -> Case:
    case = selectors.case_get(user=request.user, pk=case_id)
    access_record(
        request=request, object_type=AccessObjectType.CASE, object_id=case.pk, case_id=case.pk
    )
    return case
