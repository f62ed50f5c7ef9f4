"""Data protection's pages: closing a case (the closure gate), the subject-access export and
the retention report. Thin: the rules are in `services`, `selectors` and
`caseaudit.audits.closure`."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from caseaudit.accounts.models import AccessAction, AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.audits.closure import CLOSURE_TOOL, closure_status
from caseaudit.audits.models import AuditReason
from caseaudit.audits.selectors import audit_start_options
from caseaudit.cases.policy import can_close
from caseaudit.cases.selectors import case_closure_event, case_get, is_data_protection_officer
from caseaudit.core.downloads import attachment
from caseaudit.core.forms import add_service_errors
from caseaudit.organisation.selectors import staff_for_user

from . import services
from .forms import CaseCloseForm
from .selectors import retention_cutoff, retention_due
from .subject_access import (
    subject_access_document,
    subject_access_filename,
    subject_access_json,
    subject_access_pdf,
)

RETENTION_PAGE_SIZE = 50


def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a case: what still stands in the way, or the form (its managers only)."""
    case = case_get(user=request.user, pk=pk)
    access_record(
        request=request, object_type=AccessObjectType.CASE, object_id=case.pk, case_id=case.pk
    )
    context = {"case": case, "closure": case_closure_event(case=case)}
    if not can_close(request.user, case):
        context["refusal"] = services.NOT_ALLOWED
        return render(request, "dataprotection/case_close.html", context, status=403)
    status = closure_status(case=case)
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
                add_service_errors(form, error)
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
            tool.code == CLOSURE_TOOL for tool in audit_start_options(user=request.user, case=case)
        )
    )
    context.update(
        {
            "status": status,
            "form": form,
            "my_draft": my_draft,
            "can_start_closure": can_start_closure,
            "closure_tool": CLOSURE_TOOL,
            "closure_reason": AuditReason.CLOSURE,
        }
    )
    return render(request, "dataprotection/case_close.html", context)


def _subject_access_case(request, pk: int):
    """The case, for the data protection officer; anyone else who may see the case gets a
    logged refusal and a 404 (the page's existence is not revealed)."""
    case = case_get(user=request.user, pk=pk)
    if not is_data_protection_officer(request.user):
        access_record(
            request=request,
            action=AccessAction.DENIED,
            object_type=AccessObjectType.SUBJECT_ACCESS,
            object_id=case.pk,
            case_id=case.pk,
        )
        raise Http404("No such page")
    return case


def case_subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    """The data protection officer's subject-access page: what the export holds, and the
    JSON and PDF downloads."""
    case = _subject_access_case(request, pk)
    document = subject_access_document(case=case)
    access_record(
        request=request, object_type=AccessObjectType.CASE, object_id=case.pk, case_id=case.pk
    )
    counts = [
        ("Case history entries", len(document["case_events"])),
        ("Audits", len(document["audits"])),
        ("QA responses", len(document["responses"])),
        ("Programme allocations", len(document["allocations"])),
        ("Notifications", len(document["notifications"])),
        ("Access log entries", len(document["access_log"])),
    ]
    return render(request, "dataprotection/subject_access.html", {"case": case, "counts": counts})


def _export(request, case, content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    access_record(
        request=request,
        action=AccessAction.EXPORT,
        object_type=AccessObjectType.CASE,
        object_id=case.pk,
        case_id=case.pk,
    )
    return attachment(content, content_type=content_type, filename=filename)


def case_subject_access_json(request: HttpRequest, pk: int) -> HttpResponse:
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
    cases = retention_due(user=request.user, today=today, years=years)
    page = Paginator(cases, RETENTION_PAGE_SIZE).get_page(request.GET.get("page"))
    access_record(
        request=request, object_type=AccessObjectType.RETENTION_LIST, object_id=page.number
    )
    return render(
        request,
        "dataprotection/retention.html",
        {
            "page": page,
            "years": years,
            "today": today,
            "cutoff": retention_cutoff(today=today, years=years),
            "nav_active": "retention",
        },
    )
