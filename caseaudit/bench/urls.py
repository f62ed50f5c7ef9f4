"""A minimal view for `make bench` to compare pages with under gunicorn: the same middleware
(session, sign-in, security headers), no work of its own. `caseaudit/urls.py` includes it only
when the environment variable CASEAUDIT_BENCH=1 is set."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong", content_type="text/plain")


urlpatterns = [path("ping", ping, name="bench_ping")]
