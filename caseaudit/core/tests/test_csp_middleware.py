"""The CSP middleware (caseaudit/core/security.py): django-csp's header, written once."""

from csp.constants import HEADER
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from caseaudit.core.security import CSPMiddleware


def headers(response_for, request_for=lambda rf: rf.get("/cases/")):
    """The header each middleware writes for the same request and response."""
    rf = RequestFactory()
    out = []
    for middleware in (CSPMiddleware, DjangoCSPMiddleware):
        request = request_for(rf)
        handler = middleware(lambda request: response_for(request))
        response = handler(request)
        out.append(response.get(HEADER))
    return out


def test_the_same_header_as_django_csp_and_a_new_one_with_new_settings(settings):
    ours, theirs = headers(lambda request: HttpResponse("x"))
    assert ours == theirs and "default-src 'self'" in ours
    again, _ = headers(lambda request: HttpResponse("x"))
    assert again == ours
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    ours, theirs = headers(lambda request: HttpResponse("x"))
    assert ours == theirs == "default-src 'none'"


def test_a_view_that_changes_its_policy_or_uses_a_nonce_gets_django_csps_header():
    def updated(request):
        response = HttpResponse("x")
        response._csp_update = {"img-src": ["https://maps.example.org"]}
        return response

    ours, theirs = headers(updated)
    assert ours == theirs and "https://maps.example.org" in ours

    def with_nonce(request):
        str(request.csp_nonce)  # a page that asked for one
        return HttpResponse("x")

    ours, theirs = headers(with_nonce)
    assert ours == theirs


def test_excluded_and_exempt_responses_get_no_header(settings):
    def exempt(request):
        response = HttpResponse("x")
        response._csp_exempt = True
        return response

    assert headers(exempt) == [None, None]
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/api/docs"],
    }
    assert headers(lambda r: HttpResponse("x"), lambda rf: rf.get("/api/docs/")) == [None, None]
