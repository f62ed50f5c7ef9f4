"""Receivers for Django's and allauth's sign-in signals: security logging only. They write
the security log (sign-in, failed sign-in, sign-out, MFA, password reset and change) and stamp
the session with its sign-in time. Connected in AccountsConfig.ready().

Signals are the only hook the frameworks offer for these events, so they are allowed here,
and only here (caseaudit/accounts/tests/test_no_domain_signals.py fails on any other receiver).
They carry no domain behaviour: disabling an account (ending its sessions, logging who did it)
is the explicit service `caseaudit.accounts.services.account_disable`, which the Django admin
and every leaver path call.
"""

import time

from allauth.account import signals as account_signals
from allauth.account.authentication import get_authentication_records
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_delete

from . import services
from .middleware import MFA_VERIFIED_SESSION_KEY, SIGNED_IN_AT_SESSION_KEY
from .models import SecurityEventKind as Kind

SECOND_FACTORS = {Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN}


def _methods(request, user) -> str:
    """How this sign-in was made, e.g. "password+mfa:totp" (never any secret)."""
    parts = []
    for record in get_authentication_records(request, user):
        part = str(record.get("method", ""))
        if record.get("type"):
            part += f":{record['type']}"
        if record.get("provider"):
            part += f":{record['provider']}"
        if part not in parts:
            parts.append(part)
    return "+".join(parts)


def signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session[SIGNED_IN_AT_SESSION_KEY] = int(time.time())
    services.security_event_record(
        kind=Kind.SIGN_IN, request=request, user=user, detail=_methods(request, user)
    )


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; keep only the address.
    tried = credentials.get("email") or credentials.get("username") or credentials.get("login")
    tried = str(tried or "")
    user = get_user_model().objects.filter(email__iexact=tried).first() if tried else None
    services.security_event_record(
        kind=Kind.SIGN_IN_FAILED, request=request, user=user, email_tried=tried
    )


def signed_out(sender, request, user, **kwargs):
    kind = getattr(request, "_caseaudit_sign_out_kind", Kind.SIGN_OUT)
    detail = getattr(request, "_caseaudit_sign_out_detail", "")
    services.security_event_record(kind=kind, request=request, user=user, detail=detail)
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        # Django deletes the session itself; drop allauth's index row for it as well.
        UserSession.objects.filter(session_key=session_key).delete()


def authenticator_added(sender, request, user, authenticator, **kwargs):
    services.security_event_record(
        kind=Kind.MFA_ENABLED, request=request, user=user, detail=authenticator.type
    )
    # Setting up a TOTP app or a security key proves the second factor (the code or the
    # key was just checked), so this session counts as signed in with MFA.
    if (
        authenticator.type in SECOND_FACTORS
        and request is not None
        and getattr(request, "user", None) is not None
        and request.user.pk == user.pk
    ):
        request.session[MFA_VERIFIED_SESSION_KEY] = str(user.pk)


def authenticator_reset(sender, request, user, authenticator, **kwargs):
    services.security_event_record(
        kind=Kind.MFA_ENABLED, request=request, user=user, detail=f"{authenticator.type}_new"
    )


def authenticator_deleted(sender, instance, **kwargs):
    # post_delete rather than allauth's authenticator_removed: it also sees an administrator
    # removing a lost phone's authenticator in the Django admin.
    by = _acting_user()
    services.security_event_record(
        kind=Kind.MFA_DISABLED,
        user=instance.user,
        by=by if by is not None and by.pk != instance.user_id else None,
        detail=instance.type,
    )


def _acting_user():
    from allauth.core import context

    request = context.request
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def authenticator_used(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        services.security_event_record(
            kind=Kind.RECOVERY_CODE_USED, request=request, user=user, detail=authenticator.type
        )


def mfa_failed(sender, request, user, authenticator=None, **kwargs):
    services.security_event_record(
        kind=Kind.MFA_FAILED,
        request=request,
        user=user,
        detail=getattr(authenticator, "type", "") or "",
    )


def password_reset(sender, request, user, **kwargs):
    services.security_event_record(kind=Kind.PASSWORD_RESET, request=request, user=user)


def password_changed(sender, request, user, **kwargs):
    services.security_event_record(kind=Kind.PASSWORD_CHANGED, request=request, user=user)


def connect() -> None:
    auth_signals.user_logged_in.connect(signed_in, dispatch_uid="caseaudit.signed_in")
    auth_signals.user_login_failed.connect(sign_in_failed, dispatch_uid="caseaudit.failed")
    auth_signals.user_logged_out.connect(signed_out, dispatch_uid="caseaudit.signed_out")
    mfa_signals.authenticator_added.connect(authenticator_added, dispatch_uid="caseaudit.mfa+")
    mfa_signals.authenticator_reset.connect(authenticator_reset, dispatch_uid="caseaudit.mfa~")
    post_delete.connect(authenticator_deleted, sender=Authenticator, dispatch_uid="caseaudit.mfa-")
    mfa_signals.authenticator_used.connect(authenticator_used, dispatch_uid="caseaudit.mfa!")
    mfa_signals.authentication_failed.connect(mfa_failed, dispatch_uid="caseaudit.mfa?")
    account_signals.password_reset.connect(password_reset, dispatch_uid="caseaudit.pw_reset")
    account_signals.password_changed.connect(password_changed, dispatch_uid="caseaudit.pw_chg")
    account_signals.password_set.connect(password_changed, dispatch_uid="caseaudit.pw_set")
