from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from caseaudit.accounts.models import AccessAction
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
    # A list of children's cases: one access-log entry per page shown (not per row).
    access_record(request=request, object_type="case_list", object_id=page.number)
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
    can_view_access_log = selectors.can_view_access_log(request.user, case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "access_log": case_access_log(case=case, limit=10) if can_view_access_log else None,
            "can_view_access_log": can_view_access_log,
            "is_dpo": selectors.is_data_protection_officer(request.user),
            "history": selectors.case_history(case=case),
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


# --- Who has accessed this case; subject access; retention (data protection) -------------

ACCESS_LOG_PAGE_SIZE = 50
RETENTION_PAGE_SIZE = 50


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
    if not selectors.can_view_access_log(request.user, case):
        _refuse(request, case, "case_access_log")
    # Logged first, so the list (and its count) includes this look at it.
    access_record(
        request=request, object_type="case_access_log", object_id=case.pk, case_id=case.pk
    )
    events = selectors.case_access_events(case=case)
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/access_log.html", {"case": case, "page": page})


def _subject_access_case(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    if not selectors.is_data_protection_officer(request.user):
        _refuse(request, case, "subject_access")
    return case


def case_subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    """The data protection officer's subject-access page: what the export holds, and the
    JSON and PDF downloads."""
    from .subject_access import subject_access_document

    case = _subject_access_case(request, pk)
    document = subject_access_document(case=case)
    access_record(request=request, object_type="case", object_id=case.pk, case_id=case.pk)
    counts = [
        ("Case history entries", len(document["case_events"])),
        ("Audits", len(document["audits"])),
        ("QA responses", len(document["responses"])),
        ("Programme allocations", len(document["allocations"])),
        ("Notifications", len(document["notifications"])),
        ("Access log entries", len(document["access_log"])),
    ]
    return render(request, "cases/subject_access.html", {"case": case, "counts": counts})


def _export(request, case, content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    access_record(
        request=request,
        action=AccessAction.EXPORT,
        object_type="case",
        object_id=case.pk,
        case_id=case.pk,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


def case_subject_access_json(request: HttpRequest, pk: int) -> HttpResponse:
    from .subject_access import (
        subject_access_document,
        subject_access_filename,
        subject_access_json,
    )

    case = _subject_access_case(request, pk)
    document = subject_access_document(case=case)
    return _export(
        request,
        case,
        subject_access_json(document),
        content_type="application/json; charset=utf-8",
        filename=subject_access_filename(case, "json"),
    )


def case_subject_access_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from .subject_access import (
        subject_access_document,
        subject_access_filename,
        subject_access_pdf,
    )

    case = _subject_access_case(request, pk)
    document = subject_access_document(case=case)
    return _export(
        request,
        case,
        subject_access_pdf(case=case, document=document),
        content_type="application/pdf",
        filename=subject_access_filename(case, "pdf"),
    )


def retention_report(request: HttpRequest) -> HttpResponse:
    """Closed cases past the retention period: what `manage.py apply_retention` would delete
    (the data protection officer only)."""
    today = timezone.localdate()
    years = settings.RETENTION_YEARS_AFTER_CLOSURE
    cases = selectors.retention_due(user=request.user, today=today, years=years)
    page = Paginator(cases, RETENTION_PAGE_SIZE).get_page(request.GET.get("page"))
    access_record(request=request, object_type="retention_list", object_id=page.number)
    return render(
        request,
        "cases/retention.html",
        {
            "page": page,
            "years": years,
            "today": today,
            "cutoff": selectors.retention_cutoff(today=today, years=years),
            "nav_active": "retention",
        },
    )
