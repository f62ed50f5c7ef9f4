"""Session rules that Django does not have: an absolute lifetime, and MFA for every account.

- SessionLifetimeMiddleware ends a session `SESSION_ABSOLUTE_SECONDS` after sign-in, however
  active it has been (the idle timeout is Django's SESSION_COOKIE_AGE, renewed per request).
- RequireMFAMiddleware (when `CASEAUDIT_REQUIRE_MFA` is on) sends a signed-in user with no
  second factor to set one up, and signs out a user who has one but whose session was not
  authenticated with it. It also sends the Django admin's own sign-in page to allauth's, so
  there is one way in, and it asks for the second factor.
"""

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from .models import SecurityEventKind

SIGNED_IN_AT_SESSION_KEY = "caseaudit_signed_in_at"
# Set (to the user's pk) when the user sets up a second factor in this session: doing so
# proves it, just as entering a code at sign-in does.
MFA_VERIFIED_SESSION_KEY = "caseaudit_mfa_verified"

SECOND_FACTOR_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
# Pages a signed-in user without a second factor may still open: setting one up (allauth's
# mfa_* pages, which may ask for the password again first) and signing out.
SETUP_VIEW_NAMES = {"account_logout", "account_reauthenticate", "account_login"}


def _sign_out(request, *, kind: str, detail: str = "") -> None:
    request._caseaudit_sign_out_kind = kind  # read by receivers.signed_out
    request._caseaudit_sign_out_detail = detail
    logout(request)


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SIGNED_IN_AT_SESSION_KEY)
            if not isinstance(started, int):
                # A session from before this rule: its lifetime counts from now.
                request.session[SIGNED_IN_AT_SESSION_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                _sign_out(request, kind=SecurityEventKind.SESSION_EXPIRED)
                messages.info(request, "Your session has ended. Sign in again to continue.")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


def mfa_session_verified(request) -> bool:
    """Whether this session's sign-in included one of our second factors."""
    user = request.user
    if request.session.get(MFA_VERIFIED_SESSION_KEY) == str(user.pk):
        return True
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def sso_mfa_trusted(request) -> bool:
    """Single sign-on whose identity provider enforces MFA itself (Entra ID conditional
    access), when the `OIDC_IDP_ENFORCES_MFA` setting says so."""
    if not settings.CASEAUDIT_SSO_SATISFIES_MFA:
        return False
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "socialaccount" for record in records)


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match else ""
        if name == "admin:login":
            query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
            return redirect(f"{reverse('account_login')}?{query}")
        if not settings.CASEAUDIT_REQUIRE_MFA or not request.user.is_authenticated:
            return None
        if sso_mfa_trusted(request):
            return None
        has_factor = Authenticator.objects.filter(
            user_id=request.user.pk, type__in=SECOND_FACTOR_TYPES
        ).exists()
        if has_factor:
            if name == "account_logout" or mfa_session_verified(request):
                return None
            # Signed in without the second factor (e.g. a session made some other way).
            _sign_out(request, kind=SecurityEventKind.SIGN_OUT, detail="mfa_required")
            messages.info(request, "Sign in again with your password and your second factor.")
            return redirect_to_login(request.get_full_path())
        if name.startswith("mfa_") or name in SETUP_VIEW_NAMES:
            return None
        return redirect("mfa_activate_totp")


class AccessDeniedMiddleware:
    """Failed authorisation attempts on records about a child go to the access log.

    A view that shows a record logs it (`services.access_record`, which remembers the record
    on the request); when the response is then a 403 (the user may see the record but not do
    what they asked: reopen an audit, authorise a response, close a case...), this adds a
    "denied" entry for the same record. Records the user may not see at all are logged by the
    scoped selectors as they answer 404 (`services.access_denied_record`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        subject = getattr(request, "_caseaudit_access_subject", None)
        if response.status_code == 403 and subject is not None:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                from .models import AccessAction
                from .services import access_record

                object_type, object_id, case_id = subject
                access_record(
                    request=request,
                    action=AccessAction.DENIED,
                    object_type=object_type,
                    object_id=object_id,
                    case_id=case_id,
                )
        return response
