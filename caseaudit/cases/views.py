from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from caseaudit.accounts.selectors import case_access_log
from caseaudit.accounts.services import access_record
from caseaudit.audits.forms import start_form_for
from caseaudit.audits.selectors import audit_list_for_case
from caseaudit.organisation.selectors import staff_for_user

from . import selectors, services
from .forms import CaseCloseForm, CaseFilterForm


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
            "can_close": case.closed_on is None and services.can_close(request.user, case),
            "closure": selectors.case_closure_event(case=case),
        },
    )


def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a case: what still stands in the way, or the form (its managers only)."""
    from caseaudit.audits.models import AuditReason
    from caseaudit.audits.selectors import audit_start_options

    case = selectors.case_get(user=request.user, pk=pk)
    access_record(request=request, object_type="case", object_id=case.pk, case_id=case.pk)
    context = {"case": case, "closure": selectors.case_closure_event(case=case)}
    if not services.can_close(request.user, case):
        context["refusal"] = services.NOT_ALLOWED
        return render(request, "cases/case_close.html", context, status=403)
    status = selectors.closure_status(case=case)
    form = None
    if status.ready:
        form = CaseCloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                services.case_close(
                    case=case,
                    by=request.user,
                    closed_on=form.cleaned_data["closed_on"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for key, errors in error.message_dict.items():
                        form.add_error(key if key in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                messages.success(request, f"Case {case.reference} is closed.")
                return redirect("case_detail", case.pk)
    elif request.method == "POST":
        if case.closed_on is not None:
            messages.error(request, f"This case was already closed on {case.closed_on:%-d %B %Y}.")
        else:
            messages.error(request, "This case cannot close yet: " + " ".join(status.problems))
    staff = staff_for_user(request.user)
    my_draft = next((a for a in status.drafts if a.auditor_id == staff.pk), None)
    can_start_closure = (
        case.closed_on is None
        and status.closure_audit is None
        and not status.drafts  # one closure audit at a time: continue the draft
        and any(
            tool.code == selectors.CLOSURE_TOOL
            for tool in audit_start_options(user=request.user, case=case)
        )
    )
    context.update(
        {
            "status": status,
            "form": form,
            "my_draft": my_draft,
            "can_start_closure": can_start_closure,
            "closure_tool": selectors.CLOSURE_TOOL,
            "closure_reason": AuditReason.CLOSURE,
        }
    )
    return render(request, "cases/case_close.html", context)
