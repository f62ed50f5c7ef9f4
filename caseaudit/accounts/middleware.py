"""Session rules that Django does not have: an absolute lifetime, MFA for every account, and
telling the person when the idle timeout signed them out (IdleTimeoutMiddleware).

- SessionLifetimeMiddleware ends a session `SESSION_ABSOLUTE_SECONDS` after sign-in, however
  active it has been (the idle timeout is Django's SESSION_COOKIE_AGE, renewed per request).
- RequireMFAMiddleware (when `CASEAUDIT_REQUIRE_MFA` is on) sends a signed-in user with no
  second factor to set one up, and signs out a user who has one but whose session was not
  authenticated with it. It also sends the Django admin's own sign-in page to allauth's, so
  there is one way in, and it asks for the second factor.
"""

import re
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
from .services import ACCESS_SUBJECT

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


# A browser-session cookie that says "this browser was signed in": when it comes back
# with a session cookie whose session has expired, the person was signed out for inactivity.
SIGNED_IN_COOKIE = "caseaudit_signed_in"
SAVED_AT = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


def idle_period_text(seconds: int) -> str:
    """30 * 60 -> "30 minutes"."""
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def idle_timeout_message(request) -> str:
    """What the sign-in page says after an idle timeout. The timeout warning's script adds
    when the page's draft was last saved (`saved=14:32` in the address)."""
    message = (
        "You were signed out because you were inactive for "
        f"{idle_period_text(int(settings.SESSION_COOKIE_AGE))}"
    )
    saved = request.GET.get("saved", "")
    if SAVED_AT.match(saved):
        message += f"; your draft was saved at {saved}"
    return message + ". Sign in again to continue."


class IdleTimeoutMiddleware:
    """Tells the person, once, that the idle timeout signed them out.

    The idle timeout itself is the session expiring (SESSION_COOKIE_AGE after its last save).
    A signed-in browser also holds SIGNED_IN_COOKIE (for the browser session, like the session
    cookie). A request that brings it, and a session cookie, but no longer has a session, was
    signed out for inactivity: it gets the message; signing out (or in) otherwise sets or
    clears the cookie. The sign-in page keeps `next`, so the person comes back to the page
    they were on (LoginRequiredMiddleware sends a timed-out request there with it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        had_cookie = SIGNED_IN_COOKIE in request.COOKIES
        user = getattr(request, "user", None)
        if (
            had_cookie
            and user is not None
            and not user.is_authenticated
            and request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            and request.session.session_key is None
        ):
            messages.info(request, idle_timeout_message(request))
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and not had_cookie:
            response.set_cookie(
                SIGNED_IN_COOKIE,
                "1",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        elif had_cookie and not signed_in:
            response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
        return response


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
        subject = getattr(request, ACCESS_SUBJECT, None)
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
