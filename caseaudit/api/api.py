"""The REST API (django-ninja), mounted at /api/v1/: its document is /api/v1/openapi.json and
its browsable docs /api/v1/docs (Swagger UI from ninja's own static files: no CDN, no inline
script, so it works offline and under the Content Security Policy).

Every operation needs an API token (`Authorization: Bearer <token>`); the session cookie is
never accepted. Every error is `{"detail": "...", "errors": [{"field": ..., "message": ...}]}`.
"""

import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI
from ninja.errors import HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination

from caseaudit.audits.services import ConflictError

from .auth import ApiTokenAuth
from .schemas import ConflictOut, ErrorOut
from .services import access_record_many
from .throttling import token_throttle

logger = logging.getLogger(__name__)

MAX_PAGE = 100
DEFAULT_PAGE = 50
MAX_OFFSET = 10_000_000

# Service refusals (ValidationError codes) that are not a 422.
FORBIDDEN_CODES = frozenset({"not_allowed"})
# "conflict": `caseaudit.core.exceptions.TransitionConflict`, a lifecycle transition that lost
# a race (the record's state moved since it was read).
CONFLICT_CODES = frozenset({"draft_exists", "completed", "draft", "done", "revoked", "conflict"})

DESCRIPTION = """
The case audit programme's data, for the authority's own scripts and systems.

**Authentication**: an API token is issued to yourself, or by an administrator to a service
account made for a system (the "API tokens" page, or `manage.py create_service_account` and
`manage.py issue_api_token`); never in another person's name. Send it as
`Authorization: Bearer <token>`. The token acts as that account and sees exactly what its pages
show it; anything else is a 404. Tokens expire (by default 90 days after issue): an expired
or revoked token is a 401.

**Lists** take `limit` (at most 100) and `offset`, and return `{"items": [...], "count": n}`.

**Reports**: `/reports/compliance`, `/reports/responses`, `/reports/quality` and
`/reports/findings` return a report page's figures and tables, for the people who have the
report pages (managers and Performance Assurance), over their own scope, with the pages' filters.

**Rate limits**: by default each token may make 600 requests a minute, and each address 60
requests a minute without a valid token. Over the limit the answer is 429, with a
`Retry-After` header giving the seconds to wait.

**Errors** are `{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`: 400 for a
body that is not JSON, 401 without a valid token, 403 for an action your role may not take,
404 for what you may not see or that does not exist, 409 when the record changed since you read
it, 413 for a body over 2.5 MB, 422 for invalid input, 429 for too many requests.

Every record returned about a child is written to the access log.
"""


class ApiError(Exception):
    """An error response with the API's error document."""

    def __init__(
        self, status: int, detail: str, errors: Iterable[dict[str, Any]] = (), **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.extra = status, detail, list(errors), extra


class CaseauditAPI(NinjaAPI):
    """The API, its OpenAPI document built once per path prefix: the operations are fixed when
    the URLs load, and ninja would otherwise build the whole document (about half a second)
    on every request for /openapi.json or the docs."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schemas: dict[str, Any] = self.__dict__.setdefault("_openapi_schemas", {})
        if path_prefix not in schemas:
            schemas[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return schemas[path_prefix]


api = CaseauditAPI(
    urls_namespace="api",
    title="caseaudit API",
    version="1",
    description=DESCRIPTION,
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=ApiTokenAuth(),
    throttle=[token_throttle],
)


def _error(
    request: HttpRequest,
    status: int,
    detail: str,
    errors: Iterable[dict[str, Any]] = (),
    **extra: Any,
) -> HttpResponse:
    body = {"detail": detail, "errors": list(errors), **extra}
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="caseaudit"'
    return response


def django_errors(error: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(error, "error_dict"):
        return [
            {"field": None if key == "__all__" else key, "message": message}
            for key, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in error.messages]


def status_for(error: DjangoValidationError) -> int:
    code = getattr(error, "code", None)
    if code in FORBIDDEN_CODES:
        return 403
    if code in CONFLICT_CODES:
        return 409
    return 422


def api_error_from(
    error: DjangoValidationError, detail: str | None = None, **extra: Any
) -> ApiError:
    """A service's refusal as an API error: 403, 409 or 422 by its code, every message listed."""
    errors = django_errors(error)
    if detail is None:
        detail = errors[0]["message"] if len(errors) == 1 else f"{len(errors)} problems"
    return ApiError(status_for(error), detail, errors, **extra)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc.status, exc.detail, exc.errors, **exc.extra)


@api.exception_handler(NinjaValidationError)
def _request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", ())]
        if location and location[0] in {"query", "path", "body", "header", "cookie", "form"}:
            location = location[1:]
        if location and location[0] in {"payload", "filters", "ninja_pagination"}:
            location = location[1:]
        errors.append({"field": ".".join(location) or None, "message": str(item.get("msg", item))})
    return _error(request, 422, "The request is not valid", errors)


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    error = api_error_from(exc)
    return _error(request, error.status, error.detail, error.errors)


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return _error(request, 409, exc.message, revision=exc.revision)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Forbidden")


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _error(request, 429, "Too many requests: wait a moment and try again")
    if exc.wait is not None:
        response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) when the
    # operation reads it: that is the client's request, not a fault here.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(
        request,
        413,
        f"The request body is too large: at most {limit:,} bytes",
        max_bytes=limit,
    )


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, "Something went wrong on the server: it has been logged")


# --- pagination with the access log ----------------------------------------------------------


class ApiPagination(LimitOffsetPagination):
    """limit/offset pages (at most 100 items). When the operation named a kind of record
    (`logged(request, object_type, case_id_of)`), every record on the page is written to the
    access log, in one INSERT."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="At most 100.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE, **kwargs)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: LimitOffsetPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        offset, limit = pagination.offset, min(pagination.limit, MAX_PAGE)
        items = list(queryset[offset : offset + limit])
        log = getattr(request, ACCESS_LOG, None)
        if log is not None:
            object_type, case_id_of = log
            access_record_many(
                request=request, object_type=object_type, records=items, case_id_of=case_id_of
            )
        return {"items": items, "count": self._items_count(queryset)}


# The request attribute `logged` leaves for the pagination: what to write to the access log.
ACCESS_LOG = "_api_access_log"


def logged(request: HttpRequest, object_type: str, case_id_of: Callable[[Any], int | None]) -> None:
    """Ask the pagination to write each record of this page to the access log."""
    setattr(request, ACCESS_LOG, (object_type, case_id_of))


# The error responses operations document, besides their own 200/201.
LIST_ERRORS = {401: ErrorOut, 422: ErrorOut, 429: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {
    400: ErrorOut,  # a body that is not JSON
    413: ErrorOut,  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ConflictOut,
    422: ErrorOut,
    429: ErrorOut,
}
