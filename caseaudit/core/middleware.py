import time
from functools import partial

from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import http_date


def _never_cache(response) -> None:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]


def _never_cache_header() -> str:
    """The Cache-Control header `_never_cache` gives a response that had none."""
    response = HttpResponse()
    _never_cache(response)
    return response["Cache-Control"]


class ConfidentialPageMiddleware:
    """Every page about children is confidential: no browser or proxy may keep a copy.

    Django's `add_never_cache_headers` parses and rewrites Cache-Control and formats the date
    for Expires on every response (a tenth of the cheapest page's time, `make bench`). Most
    responses have neither header yet: they get the same Cache-Control, worked out once, and
    an Expires of now, formatted once a second. Any other goes through Django's function."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.cache_control = _never_cache_header()
        self.expires = (0, "")

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        headers = response.headers
        if "Cache-Control" in headers or "Expires" in headers:
            _never_cache(response)
            return response
        now = int(time.time())
        if self.expires[0] != now:
            self.expires = (now, http_date(now))
        headers["Expires"] = self.expires[1]
        headers["Cache-Control"] = self.cache_control
        return response


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's, with the message store made when a request first uses it: most requests
    (a page with nothing to say, an API call) never do, and making it (a cookie signer and
    the session's store behind it) and saving it took about 10 µs of the 0.2 ms `/bench/ping`
    took. A store never made was neither read nor added to: there is nothing to save."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(partial(default_storage, request))

    def process_response(self, request, response):
        stored = getattr(request, "_messages", None)
        if isinstance(stored, SimpleLazyObject) and stored._wrapped is empty:
            return response
        return super().process_response(request, response)
