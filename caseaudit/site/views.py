"""The home page, "My work": what the signed-in member of staff holds and must do, from
every app (cases, audits, responses, the programme, the reports' figures)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.selectors import case_access_log
from caseaudit.accounts.services import access_record
from caseaudit.audits.forms import start_form_for
from caseaudit.audits.selectors import audit_list_for_case, my_audits, urgent_findings_open_for
from caseaudit.cases import selectors as case_selectors
from caseaudit.cases.policy import can_close
from caseaudit.cases.selectors import case_list
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.programme.selectors import my_allocations
from caseaudit.reports.selectors import dashboard_with_counts
from caseaudit.responses.selectors import home_responses


def home(request: HttpRequest) -> HttpResponse:
    """'My work': what the signed-in member of staff holds and must do."""
    staff = staff_for_user(request.user)  # loaded once per request (the header uses it too)
    my_cases = []
    if staff is not None:
        my_cases = list(case_list(user=request.user, worker_id=staff.pk)[:10])
    qa_responses = home_responses(user=request.user)
    # The figures panel (`reports_tags.dashboard_panel`) and the open cases the user can see:
    # their counts in one query.
    figures, counts = dashboard_with_counts(
        user=request.user,
        my_responses=getattr(qa_responses, "to_write", None) if qa_responses else None,
        also_count={"visible_open": case_list(user=request.user)},
    )
    # The page lists cases (and audits, findings, responses) by child: one access-log entry.
    access_record(request=request, object_type=AccessObjectType.CASE_LIST, object_id="home")
    return render(
        request,
        "site/home.html",
        {
            "my_cases": my_cases,
            "visible_open": counts["visible_open"],
            "dashboard_figures": figures,
            "urgent_findings": list(urgent_findings_open_for(user=request.user)[:20]),
            "my_audits": list(my_audits(user=request.user)[:10]),
            "qa_responses": qa_responses,
            "my_allocations": list(my_allocations(user=request.user, month=timezone.localdate())),
        },
    )


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: the case, its audits and the audit to start, its history, who has
    accessed it and its closure (several apps' records, so here rather than in `cases`)."""
    case = case_selectors.case_get(user=request.user, pk=pk)
    access_record(
        request=request, object_type=AccessObjectType.CASE, object_id=case.pk, case_id=case.pk
    )
    can_view_access_log = case_selectors.can_view_access_log(request.user, case)
    return render(
        request,
        "site/case_detail.html",
        {
            "case": case,
            "access_log": case_access_log(case=case, limit=10) if can_view_access_log else None,
            "can_view_access_log": can_view_access_log,
            "is_dpo": case_selectors.is_data_protection_officer(request.user),
            "history": case_selectors.case_history(case=case),
            "audits": audit_list_for_case(user=request.user, case=case),
            "audit_start_form": start_form_for(user=request.user, case=case),
            "can_close": case.closed_on is None and can_close(request.user, case),
            "closure": case_selectors.case_closure_event(case=case),
        },
    )
