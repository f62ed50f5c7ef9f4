"""Rate limits: requests per token, and per address without a valid token; over the limit a
429 with the API's error document and Retry-After. The test settings set the limits far above
what a test sends; these tests lower them."""

import pytest
from django.core.cache import cache
from django.test import Client

from caseaudit.api.services import api_token_issue
from caseaudit.api.throttling import anonymous_throttle, token_throttle

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The throttles' time, moved by the test."""
    clock = Clock()
    monkeypatch.setattr(token_throttle, "timer", clock)
    monkeypatch.setattr(anonymous_throttle, "timer", clock)
    return clock


def _token(staff) -> dict:
    _, secret = api_token_issue(user=staff.user, name="throttled", by=staff.user)
    return {"Authorization": f"Bearer {secret}"}


def _from(address: str) -> Client:
    cache.delete(f"throttle_api_anon_{address}")
    return Client(REMOTE_ADDR=address)


def _assert_throttled(response, *, retry_after: int):
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many requests: wait a moment and try again",
        "errors": [],
    }
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Retry-After"] == str(retry_after)


def test_each_token_has_its_own_limit(org, settings, clock):
    settings.API_THROTTLE_RATE = "3/m"
    client = Client()
    first, second = _token(org.worker), _token(org.worker)
    for _ in range(3):
        assert client.get("/api/v1/teams", headers=first).status_code == 200
        clock.now += 1
    _assert_throttled(client.get("/api/v1/teams", headers=first), retry_after=57)
    # Every operation counts against the same limit.
    _assert_throttled(client.get("/api/v1/cases/1", headers=first), retry_after=57)
    # Another token of the same person is counted on its own.
    assert client.get("/api/v1/teams", headers=second).status_code == 200
    # A minute after the first request, one more is allowed.
    clock.now += 57
    assert client.get("/api/v1/teams", headers=first).status_code == 200
    _assert_throttled(client.get("/api/v1/teams", headers=first), retry_after=1)


def test_a_refused_request_does_nothing(org, settings, clock):
    from caseaudit.accounts.models import AccessEvent

    settings.API_THROTTLE_RATE = "1/h"
    headers = _token(org.performance)
    client = Client()
    assert client.get("/api/v1/reports/quality", headers=headers).status_code == 200
    _assert_throttled(client.get("/api/v1/reports/quality", headers=headers), retry_after=3600)
    assert AccessEvent.objects.filter(object_type="report").count() == 1


def test_requests_without_a_valid_token_are_limited_per_address(org, settings, clock):
    settings.API_ANON_THROTTLE_RATE = "2/m"
    client = _from("203.0.113.7")
    assert client.get("/api/v1/teams").status_code == 401
    wrong = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/v1/teams", headers=wrong).status_code == 401
    _assert_throttled(client.get("/api/v1/teams"), retry_after=60)
    _assert_throttled(client.get("/api/v1/teams", headers=wrong), retry_after=60)
    # Another address, and a valid token from this one, are not held back.
    assert _from("203.0.113.8").get("/api/v1/teams").status_code == 401
    assert client.get("/api/v1/teams", headers=_token(org.worker)).status_code == 200
    # The document and the docs are not operations: never limited.
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_behind_a_proxy_the_trusted_address_is_counted(org, settings, clock):
    settings.API_ANON_THROTTLE_RATE = "1/m"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = _from("10.0.0.1")
    cache.delete("throttle_api_anon_198.51.100.1")
    cache.delete("throttle_api_anon_198.51.100.2")
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert client.get("/api/v1/teams", headers=first).status_code == 401
    _assert_throttled(client.get("/api/v1/teams", headers=first), retry_after=60)
    other = {"X-Forwarded-For": "198.51.100.2"}
    assert client.get("/api/v1/teams", headers=other).status_code == 401


def test_an_empty_rate_turns_a_limit_off(org, settings, clock):
    settings.API_THROTTLE_RATE = None
    settings.API_ANON_THROTTLE_RATE = ""
    headers = _token(org.worker)
    client = _from("203.0.113.9")
    for _ in range(5):
        assert client.get("/api/v1/teams", headers=headers).status_code == 200
        assert client.get("/api/v1/teams").status_code == 401


def test_the_defaults(org, settings):
    del settings.API_THROTTLE_RATE
    del settings.API_ANON_THROTTLE_RATE
    request = Client().get("/api/v1/teams", headers=_token(org.worker)).wsgi_request
    token_throttle.allow_request(request)
    assert (token_throttle.num_requests, token_throttle.duration) == (600, 60)
    anonymous_throttle.allow_request(request)
    assert (anonymous_throttle.num_requests, anonymous_throttle.duration) == (60, 60)
