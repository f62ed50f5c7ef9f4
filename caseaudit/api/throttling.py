"""Rate limits on the API, with django-ninja's throttles: each token may make
`API_THROTTLE_RATE` requests (default 600 a minute), and a client address
`API_ANON_THROTTLE_RATE` requests without a valid token (default 60 a minute, so guessing
tokens or hammering the API unauthenticated is slowed down). Over the limit the answer is 429
with the API's error document and a Retry-After header.

The rates are read from the settings on every request ("<count>/<s|m|h|d>"; empty or None
turns a limit off). Counts are kept in Django's default cache, which every server process
shares (Redis with REDIS_URL, else a database table: see CACHES in settings), so the limit is
one limit whatever the number of processes.
"""

import math
import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.throttling import AnonRateThrottle, SimpleRateThrottle

from caseaudit.accounts.services import client_ip

TOKEN_RATE_DEFAULT = "600/m"  # noqa: S105  # nosec B105  # (a rate, not a password)
ANON_RATE_DEFAULT = "60/m"


def _per_thread(name: str) -> Any:
    def get(self: "_SettingsRate") -> Any:
        return getattr(self._local, name, None)

    def set_(self: "_SettingsRate", value: Any) -> None:
        setattr(self._local, name, value)

    return property(get, set_)


class _SettingsRate(SimpleRateThrottle):
    """ninja's SimpleRateThrottle, with its rate read from a setting on each request, and the
    request in hand (cache key, history, time) kept per thread: one throttle object serves
    every request of the process, and ninja keeps that state on the object."""

    setting = ""
    default = ""
    rate = _per_thread("rate")
    num_requests = _per_thread("num_requests")
    duration = _per_thread("duration")
    key = _per_thread("key")
    history = _per_thread("history")
    now = _per_thread("now")

    def __init__(self) -> None:
        self._local = threading.local()  # not ninja's __init__: no rate yet

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, self.setting, self.default)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str | None:
        # The address the access and security logs record (trusting TRUSTED_PROXY_COUNT
        # proxies' X-Forwarded-For entries), not ninja's own reading of the headers.
        return client_ip(request)


class TokenRateThrottle(_SettingsRate):
    """Requests per API token (whoever holds it, from wherever): ninja's AuthRateThrottle, with
    the token's hash as the key and requests without a token left to `AnonymousRateThrottle`."""

    scope = "api_token"
    setting = "API_THROTTLE_RATE"
    default = TOKEN_RATE_DEFAULT

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if token is None:
            return None  # counted by AnonymousRateThrottle, in the authentication
        return self.cache_format % {"scope": self.scope, "ident": token.token_hash}


class AnonymousRateThrottle(_SettingsRate, AnonRateThrottle):
    """Requests without a valid token, per client address."""

    scope = "api_anon"
    setting = "API_ANON_THROTTLE_RATE"
    default = ANON_RATE_DEFAULT

    def check(self, request: HttpRequest) -> None:
        """Count a request that failed authentication; raise `Throttled` (a 429) when the
        address is over its limit."""
        if not self.allow_request(request):
            wait = self.wait()  # Retry-After is whole seconds (`api._throttled`)
            raise Throttled(wait=None if wait is None else math.ceil(wait))


token_throttle = TokenRateThrottle()
anonymous_throttle = AnonymousRateThrottle()
