"""Helpers for the sign-in and security tests."""

import time

from allauth.mfa.totp.internal import auth as totp_auth
from django.urls import reverse

PASSWORD = "correct-horse-battery"
# A fixed instant, in the middle of a 30-second TOTP period, so a code never rolls over
# between computing it and the server checking it (see the frozen_totp_clock fixture).
NOW = (int(time.time()) // 30) * 30 + 15


def totp_code(secret: str, at: int = NOW) -> str:
    """The code an authenticator app shows at `at`, by allauth's own TOTP helpers."""
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, at // 30))


def password_sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)
