from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from caseaudit.cases.selectors import case_list


def home(request: HttpRequest) -> HttpResponse:
    """'My work': what the signed-in member of staff holds and must do."""
    staff = request.user.staff if hasattr(request.user, "staff") else None
    my_cases = []
    if staff is not None:
        my_cases = list(case_list(user=request.user, worker_id=staff.pk)[:10])
    visible_open = case_list(user=request.user).count()
    return render(
        request,
        "core/home.html",
        {"my_cases": my_cases, "visible_open": visible_open},
    )
