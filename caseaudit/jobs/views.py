from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import selectors


def job_list(request: HttpRequest) -> HttpResponse:
    """The periodic jobs: schedule, last run and its result, next run, recent failures
    (system administrators only; a 404 for everyone else)."""
    now = timezone.now()
    rows = selectors.job_overview(user=request.user, now=now)
    return render(
        request,
        "jobs/job_list.html",
        {
            "rows": rows,
            "failures": selectors.job_recent_failures(user=request.user),
            "lease": selectors.scheduler_lease(user=request.user),
            "now": now,
            "nav_active": "jobs",
        },
    )
