"""ConfidentialPageMiddleware (caseaudit/core/middleware.py): no copy kept by any cache, with
the headers Django's add_never_cache_headers writes."""

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

from caseaudit.core.middleware import ConfidentialPageMiddleware


def through(response, path="/cases/1/"):
    return ConfidentialPageMiddleware(lambda request: response)(RequestFactory().get(path))


def djangos(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]
    return response


def test_a_plain_response_gets_djangos_headers(monkeypatch):
    monkeypatch.setattr("time.time", lambda: 1_800_000_000.4)
    ours, theirs = through(HttpResponse("x")), djangos(HttpResponse("x"))
    assert ours["Cache-Control"] == theirs["Cache-Control"]
    assert "no-store" in ours["Cache-Control"] and "private" in ours["Cache-Control"]
    assert ours["Expires"] == theirs["Expires"] == http_date(1_800_000_000)


def test_a_response_with_its_own_cache_headers_is_merged_as_django_does():
    for headers in ({"Cache-Control": "public, max-age=300"}, {"Expires": "Thu, 01 Jan 2099"}):
        ours, theirs = HttpResponse("x"), HttpResponse("x")
        for name, value in headers.items():
            ours[name] = theirs[name] = value
        ours, theirs = through(ours), djangos(theirs)
        assert ours["Cache-Control"] == theirs["Cache-Control"]
        assert ours["Expires"] == theirs["Expires"]


def test_static_files_are_left_alone():
    response = through(HttpResponse("x"), path="/static/govuk/caseaudit.min.css")
    assert "Cache-Control" not in response and "Expires" not in response
