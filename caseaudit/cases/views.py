from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from caseaudit.accounts.models import AccessAction, AccessObjectType
from caseaudit.accounts.services import access_record

from . import selectors
from .forms import CaseFilterForm
from .policy import can_view_access_log


def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, user=request.user)
    cases = selectors.case_list_for_pages(user=request.user, **form.filters())
    page = Paginator(cases, settings.CASE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    # A list of children's cases: one access-log entry per page shown (not per row).
    access_record(request=request, object_type=AccessObjectType.CASE_LIST, object_id=page.number)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


# --- Who has accessed this case ----------------------------------------------------------

ACCESS_LOG_PAGE_SIZE = 50


def _refuse(request, case, object_type: str):
    """Log the refused attempt on a case the user may see, and answer 404 (the page is not
    for them: its existence is not revealed)."""
    access_record(
        request=request,
        action=AccessAction.DENIED,
        object_type=object_type,
        object_id=case.pk,
        case_id=case.pk,
    )
    raise Http404("No such page")


def case_access_log_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has accessed this case: for its managers and the data protection officer."""
    case = selectors.case_get(user=request.user, pk=pk)
    if not can_view_access_log(request.user, case):
        _refuse(request, case, AccessObjectType.CASE_ACCESS_LOG)
    # Logged first, so the list (and its count) includes this look at it.
    access_record(
        request=request,
        object_type=AccessObjectType.CASE_ACCESS_LOG,
        object_id=case.pk,
        case_id=case.pk,
    )
    events = selectors.case_access_events(case=case)
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/access_log.html", {"case": case, "page": page})
