"""QA responses: the list and one response, scoped as the response pages are."""

from django.db.models import QuerySet
from ninja import Path, Query, Router, Schema
from ninja.pagination import paginate

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.responses import selectors
from caseaudit.responses.models import QAResponse

from ..api import LIST_ERRORS, READ_ERRORS, ApiPagination, logged
from ..schemas import MAX_ID, Id, ResponseDetailOut, ResponseOut, ResponseStatusValue
from ..selectors import response_list as response_list_selector

router = Router(tags=["responses"])


class ResponseFilters(Schema):
    case: Id | None = None
    status: ResponseStatusValue | None = None
    worker: Id | None = None


@router.get(
    "/responses", response={200: list[ResponseOut], **LIST_ERRORS}, summary="List QA responses"
)
@paginate(ApiPagination)
def response_list(
    request: AuthenticatedHttpRequest, filters: Query[ResponseFilters]
) -> QuerySet[QAResponse]:
    """The QA responses on cases you may see, soonest due first."""
    logged(request, AccessObjectType.QA_RESPONSE, lambda response: response.case_id)
    return response_list_selector(
        user=request.user,
        case_id=filters.case,
        status=filters.status or "",
        worker_id=filters.worker,
    )


@router.get(
    "/responses/{response_id}",
    response={200: ResponseDetailOut, **READ_ERRORS},
    summary="A QA response",
)
def response_detail(
    request: AuthenticatedHttpRequest, response_id: int = Path(..., ge=1, le=MAX_ID)
) -> QAResponse:
    """The response with each restorative action and its one answer (what was done, the date
    it was done, the evidence; null until answered), and its history. Submitting the response
    resolves each action from its answer, so an action's `resolution` is its answer's
    `what_done`."""
    response = selectors.response_get(user=request.user, pk=response_id)
    access_record(
        request=request,
        object_type=AccessObjectType.QA_RESPONSE,
        object_id=response.pk,
        case_id=response.case_id,
    )
    # Attached for ResponseDetailOut's resolvers (`schemas.WithDocument`): the model has no
    # such field.
    response.document = selectors.response_document(response=response)  # type: ignore[attr-defined]
    return response
