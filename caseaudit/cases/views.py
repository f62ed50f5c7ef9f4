from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from caseaudit.accounts.selectors import case_access_log
from caseaudit.accounts.services import access_record
from caseaudit.audits.forms import start_form_for
from caseaudit.audits.selectors import audit_list_for_case

from . import selectors
from .forms import CaseFilterForm


def case_list(request: HttpRequest) -> HttpResponse:
    teams, workers = selectors.case_filter_options(user=request.user)
    form = CaseFilterForm(request.GET or None, teams=teams, workers=workers)
    cases = selectors.case_list(user=request.user, **form.filters())
    page = Paginator(cases, settings.CASE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    access_record(request=request, object_type="case", object_id=case.pk, case_id=case.pk)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "access_log": case_access_log(case=case, limit=10),
            "audits": audit_list_for_case(user=request.user, case=case),
            "audit_start_form": start_form_for(user=request.user, case=case),
        },
    )
