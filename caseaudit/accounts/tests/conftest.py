"""Fixtures for the sign-in and security tests: MFA switched on, TOTP set up through
allauth's own API, and allauth's TOTP clock frozen."""

from types import SimpleNamespace

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from django.core.cache import cache

from caseaudit.factories import StaffFactory

from .helpers import NOW


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth keeps rate-limit counters and used TOTP codes in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def require_mfa(settings):
    settings.CASEAUDIT_REQUIRE_MFA = True
    return settings


@pytest.fixture
def frozen_totp_clock(monkeypatch):
    """allauth's TOTP checks read time.time() through its module: freeze it there only."""
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: NOW))
    return NOW


@pytest.fixture
def staff(db):
    return StaffFactory(user__email="sam.worker@example.org")


@pytest.fixture
def totp_staff(staff, frozen_totp_clock):
    """A member of staff with an authenticator app and recovery codes (allauth's API)."""
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(staff.user, secret)
    codes = RecoveryCodes.activate(staff.user)
    staff.totp_secret = secret
    staff.recovery_codes = codes.generate_codes()
    return staff
