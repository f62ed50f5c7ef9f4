"""The API's operations, gathered on the one `NinjaAPI`, and its URL patterns for /api/v1/."""

from collections.abc import Sequence

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver

from .api import api
from .endpoints import (
    audits,
    campaigns,
    cases,
    feedback,
    improvement,
    moderation,
    organisation,
    programme,
    reports,
    responses,
)

for _module in (
    cases,
    organisation,
    audits,
    responses,
    programme,
    reports,
    moderation,
    campaigns,
    feedback,
    improvement,
):
    api.add_router("", _module.router)


def _open_to_tokens(patterns: Sequence[URLPattern | URLResolver]) -> None:
    """The API authenticates each request by its token, not by a session: Django's
    LoginRequiredMiddleware (which would send it to the sign-in page) must let it through.
    The document and the docs hold no data, so they need no sign-in either."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open_to_tokens(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)


def api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """What caseaudit/urls.py includes at api/v1/ (namespace "api")."""
    patterns, app_name, namespace = api.urls
    _open_to_tokens(patterns)
    return patterns, app_name, namespace
