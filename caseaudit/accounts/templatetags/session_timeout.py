"""`{% session_timeout_attributes %}`: the idle timeout, for the timeout warning's script
(static/core/js/timeout.js), as data attributes on <body> of signed-in pages."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils.html import format_html

from caseaudit.core.urls import reverse_cached, url_where

register = template.Library()


@register.simple_tag(takes_context=True)
def session_timeout_attributes(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    timeout = int(settings.SESSION_COOKIE_AGE)
    warning = min(int(getattr(settings, "SESSION_WARNING_SECONDS", 120)), timeout)
    # Where the page goes when the time runs out: the sign-in page, back here after it.
    where = url_where(request)
    signed_out = (
        reverse_cached("account_login", where=where)
        + "?"
        + urlencode({"next": request.get_full_path()})
    )
    return format_html(
        ' data-session-timeout="{}" data-session-warning="{}" data-keepalive-url="{}"'
        ' data-signed-out-url="{}"',
        timeout,
        warning,
        reverse_cached("session_keepalive", where=where),
        signed_out,
    )
