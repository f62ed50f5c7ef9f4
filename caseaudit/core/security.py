"""Security headers that Django's SecurityMiddleware does not set.

Django sets X-Frame-Options, X-Content-Type-Options, Referrer-Policy, HSTS and
Cross-Origin-Opener-Policy from settings; django-csp's CSPMiddleware sets the
Content-Security-Policy (settings.CONTENT_SECURITY_POLICY; `CSPMiddleware` below is django-csp's
with the header written once). This adds Permissions-Policy, and keeps
Cross-Origin-Opener-Policy on responses that did not pass Django's middleware.
"""

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What a response or request carries when a view changes its policy (django-csp's decorators)
# or uses a nonce: the policy is then built for it, as django-csp does.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, but the policy of settings.CONTENT_SECURITY_POLICY is written
    out once (per settings object) rather than on every response; a response whose view
    changed its policy, or a page with a nonce, a report-only policy or a debug error page,
    goes through django-csp's own code."""

    _policy: tuple = (None, "")

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or settings.DEBUG
        ):
            return super().process_response(request, response)
        config = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if self._policy[0] is not config:
            self._policy = (config, build_policy())
        header = self._policy[1]
        prefixes = (config or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
        if (
            header
            and HEADER not in response
            and getattr(response, "_csp_exempt", False) is False
            and not request.path_info.startswith(tuple(prefixes))
        ):
            response[HEADER] = header
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = getattr(
            settings, "PERMISSIONS_POLICY", "camera=(), microphone=(), geolocation=()"
        )
        self.coop = getattr(settings, "SECURE_CROSS_ORIGIN_OPENER_POLICY", None) or "same-origin"

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault("Cross-Origin-Opener-Policy", self.coop)
        return response
