"""The bare view of `caseaudit/bench/bare_settings.py`: the same answer as /bench/ping."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pong", content_type="text/plain")


urlpatterns = [path("bench/ping", ping)]
