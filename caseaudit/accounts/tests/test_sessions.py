"""Sessions: new at sign-in, idle timeout, absolute lifetime, ended by signing out, and all
ended at once when the account is disabled."""

import datetime as dt
import time
from importlib import import_module
from unittest import mock

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.middleware import SIGNED_IN_AT_SESSION_KEY
from caseaudit.accounts.models import SecurityEvent, SecurityEventKind
from caseaudit.accounts.services import account_disable
from caseaudit.factories import StaffFactory

from .helpers import PASSWORD, password_sign_in


def signed_out(client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_sign_in_replaces_the_session(client, staff):
    client.get(reverse("account_login"))
    session = client.session
    session["before_sign_in"] = "x"
    session.save()
    before = session.session_key
    password_sign_in(client, staff.user.email)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()  # the old key is gone


def test_idle_timeout_is_30_minutes_and_each_request_renews_it(client, staff, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    password_sign_in(client, staff.user.email)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Last renewed over a minute ago: requests renew it at most once a minute (session_touch).
    session = client.session
    session["caseaudit_touched_at"] = int(time.time()) - 61
    session.save()
    soon = timezone.now() + dt.timedelta(minutes=1)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert client.get(reverse("home")).status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    assert abs((renewed - timezone.now()).total_seconds() - 30 * 60) < 60


def test_an_idle_session_expires(client, staff):
    password_sign_in(client, staff.user.email)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    past = timezone.now() - dt.timedelta(seconds=1)  # 30 minutes without a request
    Session.objects.filter(session_key=key).update(expire_date=past)
    assert signed_out(client)


def test_the_session_store_reads_a_session_until_the_clock_passes_its_expiry(client, staff):
    password_sign_in(client, staff.user.email)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert store(key).load()  # read (and its query compiled: caseaudit/accounts/sessions)
    expiry = Session.objects.get(session_key=key).expire_date
    with mock.patch("django.utils.timezone.now", return_value=expiry - dt.timedelta(seconds=1)):
        assert store(key).load()
    with mock.patch("django.utils.timezone.now", return_value=expiry):
        assert store(key).load() == {}
    assert store("no-such-session-key-0123456789abcdef").load() == {}


def test_absolute_lifetime_ends_even_an_active_session(client, staff, settings):
    assert settings.SESSION_ABSOLUTE_SECONDS == 10 * 60 * 60
    password_sign_in(client, staff.user.email)
    signed_in_at = client.session[SIGNED_IN_AT_SESSION_KEY]
    assert abs(signed_in_at - time.time()) < 60

    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS + 60
    session.save()
    assert client.get(reverse("home")).status_code == 200  # 9 h 59 min: still fine

    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    key = session.session_key
    response = client.get(reverse("case_list"))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('case_list')}"
    assert not Session.objects.filter(session_key=key).exists()
    assert signed_out(client)
    assert SecurityEvent.objects.filter(
        kind=SecurityEventKind.SESSION_EXPIRED, user=staff.user
    ).exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_OUT).exists()


def test_a_session_from_before_the_rule_gets_its_lifetime_from_now(client, staff):
    client.force_login(staff.user)
    session = client.session
    del session[SIGNED_IN_AT_SESSION_KEY]
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert abs(client.session[SIGNED_IN_AT_SESSION_KEY] - time.time()) < 60


def test_signing_out_ends_the_session(client, staff):
    password_sign_in(client, staff.user.email)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert signed_out(client)


@pytest.fixture
def two_browsers(staff):
    browsers = [Client(HTTP_USER_AGENT="Browser A"), Client(HTTP_USER_AGENT="Browser B")]
    for browser in browsers:
        assert password_sign_in(browser, staff.user.email).status_code == 302
        assert browser.get(reverse("home")).status_code == 200
    assert UserSession.objects.filter(user=staff.user).count() == 2
    return browsers


def test_disabling_an_account_signs_it_out_everywhere(staff, two_browsers):
    admin = StaffFactory(user__is_staff=True, user__is_superuser=True)
    keys = [b.cookies[settings.SESSION_COOKIE_NAME].value for b in two_browsers]
    account_disable(user=staff.user, by=admin.user)

    staff.user.refresh_from_db()
    assert staff.user.is_active is False
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=staff.user).exists()
    assert all(signed_out(browser) for browser in two_browsers)
    # ... and cannot sign in again.
    again = Client()
    assert password_sign_in(again, staff.user.email).url == reverse("account_inactive")
    assert signed_out(again)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ACCOUNT_DISABLED)
    assert (event.user, event.by) == (staff.user, admin.user)


def test_clearing_active_in_the_admin_signs_the_account_out_everywhere(staff, two_browsers):
    admin = StaffFactory(user__is_staff=True, user__is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin.user)
    change_url = reverse("admin:auth_user_change", args=[staff.user.pk])
    form = admin_client.get(change_url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "groups", "user_permissions"}
    }
    data.update(is_active="", date_joined_0="2026-01-01", date_joined_1="09:00:00")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert all(signed_out(browser) for browser in two_browsers)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ACCOUNT_DISABLED)
    assert (event.user, event.by) == (staff.user, admin.user)


def test_disabling_needs_someone_else(staff):
    with pytest.raises(ValidationError):
        account_disable(user=staff.user, by=staff.user)


def test_sign_in_is_throttled_after_repeated_failures(client, staff, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
    for _ in range(5):
        response = password_sign_in(client, staff.user.email, "not-the-password")
        assert response.status_code == 200
    # The sixth attempt is refused even with the right password.
    response = password_sign_in(client, staff.user.email, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_IN_FAILED).count() == 5
    assert signed_out(client)


def test_the_project_throttles_failures_per_account_and_allows_an_office_per_address(
    client, staff, settings
):
    """The limits as shipped (the test settings turn them off): many sign-ins from one
    address pass (an office behind one proxy), while five failures lock the account out."""
    from caseaudit import settings as shipped

    assert shipped.ACCOUNT_RATE_LIMITS["login"] == "300/m/ip"
    assert shipped.ACCOUNT_RATE_LIMITS["login_failed"] == "60/m/ip,5/5m/key"
    settings.ACCOUNT_RATE_LIMITS = shipped.ACCOUNT_RATE_LIMITS
    for _ in range(40):  # more than allauth's default of 30 a minute from one address
        response = password_sign_in(Client(), staff.user.email, PASSWORD)
        assert response.status_code == 302, "a sign-in from the office's address was refused"
    for _ in range(5):
        password_sign_in(client, staff.user.email, "not-the-password")
    response = password_sign_in(client, staff.user.email, PASSWORD)
    assert "Too many failed sign-in attempts" in response.content.decode()
