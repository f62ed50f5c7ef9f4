from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from caseaudit.accounts.services import access_record
from caseaudit.audits.selectors import my_audits, urgent_findings_open_for
from caseaudit.cases.selectors import case_list
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.programme.selectors import my_allocations
from caseaudit.responses.selectors import home_responses


def home(request: HttpRequest) -> HttpResponse:
    """'My work': what the signed-in member of staff holds and must do."""
    staff = staff_for_user(request.user)  # loaded once per request (the header uses it too)
    my_cases = []
    if staff is not None:
        my_cases = list(case_list(user=request.user, worker_id=staff.pk)[:10])
    visible_open = case_list(user=request.user).count()
    # The page lists cases (and audits, findings, responses) by child: one access-log entry.
    access_record(request=request, object_type="case_list", object_id="home")
    return render(
        request,
        "core/home.html",
        {
            "my_cases": my_cases,
            "visible_open": visible_open,
            "urgent_findings": list(urgent_findings_open_for(user=request.user)[:20]),
            "my_audits": list(my_audits(user=request.user)[:10]),
            "qa_responses": home_responses(user=request.user),
            "my_allocations": list(my_allocations(user=request.user, month=timezone.localdate())),
        },
    )
