"""Security headers that Django's SecurityMiddleware does not set.

Django sets X-Frame-Options, X-Content-Type-Options, Referrer-Policy, HSTS and
Cross-Origin-Opener-Policy from settings; django-csp's CSPMiddleware sets the
Content-Security-Policy (settings.CONTENT_SECURITY_POLICY). This adds Permissions-Policy,
and keeps Cross-Origin-Opener-Policy on responses that did not pass Django's middleware.
"""

from django.conf import settings


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
