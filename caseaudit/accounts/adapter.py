import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from caseaudit.organisation.selectors import person_name

from .mfa_secrets import secret_decrypt, secret_encrypt


def user_display(user) -> str:
    """How allauth names a person (its "Successfully signed in as ..." message, its emails):
    the name the header shows, not the username (a staff number such as s000008)."""
    return person_name(user)


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators (or the staff import), never by self-registration."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": "Too many failed sign-in attempts. Try again in 5 minutes.",
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (password reset, "no account with that address") are rendered here
        and sent by the task worker (caseaudit.accounts.tasks): a request does the same work
        whether or not the address belongs to an account, instead of answering later when it
        sent an email (finding 14)."""
        from django.contrib.sites.shortcuts import get_current_site

        from .tasks import email_enqueue

        request = globals()["context"].request  # allauth's current request (as allauth does)
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        email_enqueue(message=self.render_mail(template_prefix, email, ctx))

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and _first_setup_after_sign_in(context.request):
            # Setting up the first second factor (and seeing its recovery codes), which MFA
            # enforcement demands straight after signing in: the password was entered moments
            # ago, so asking for it again adds nothing. Later changes ask again.
            return False
        return required


class EncryptingMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA with the TOTP secrets and recovery-code seeds encrypted in the database
    (caseaudit.accounts.mfa_secrets): allauth calls these hooks on every write and read."""

    def encrypt(self, text: str) -> str:
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_decrypt(encrypted_text)


def _first_setup_after_sign_in(request) -> bool:
    from allauth.mfa.models import Authenticator

    from .middleware import MFA_VERIFIED_SESSION_KEY

    if request is None or not request.user.is_authenticated:
        return False
    set_up_here = request.session.get(MFA_VERIFIED_SESSION_KEY) == str(request.user.pk)
    if (
        not set_up_here
        and Authenticator.objects.filter(
            user_id=request.user.pk,
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
        ).exists()
    ):
        return False
    timeout = getattr(settings, "ACCOUNT_REAUTHENTICATION_TIMEOUT", 300)
    signed_in = [
        record["at"]
        for record in get_authentication_records(request, request.user)
        if record.get("method") in {"password", "socialaccount"} and "at" in record
    ]
    return bool(signed_in) and time.time() - signed_in[-1] < timeout
