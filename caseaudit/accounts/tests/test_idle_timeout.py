"""The idle timeout, from the person's side: "Stay signed in" (the keep-alive), the sign-in
page saying why they were signed out, and coming back to the page they were on."""

import datetime as dt
from contextlib import contextmanager
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.keepalive import KEEPALIVE_SESSION_KEY
from caseaudit.accounts.middleware import SIGNED_IN_COOKIE

from .helpers import password_sign_in

SIGNED_OUT = "You were signed out because you were inactive for 30 minutes"


@pytest.fixture(autouse=True)
def database_sessions(settings):
    """Sessions in the database, so that moving Django's clock makes them expire."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.SESSION_COOKIE_AGE = 30 * 60


@contextmanager
def later(seconds: float):
    moment = timezone.now() + dt.timedelta(seconds=seconds)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def session_key(client) -> str:
    return client.cookies["sessionid"].value


def messages_on(page) -> str:
    return page.content.decode()


# --- Stay signed in ------------------------------------------------------------------------


def test_keepalive_renews_the_session_even_when_it_was_just_touched(client, staff):
    password_sign_in(client, staff.user.email)
    key = session_key(client)
    # As if the session had been saved long ago: ten seconds left.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(seconds=10)
    )
    response = client.post(reverse("session_keepalive"))
    assert response.status_code == 204
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=29)
    assert KEEPALIVE_SESSION_KEY in client.session


def test_keepalive_only_by_post_and_only_signed_in(client, staff):
    assert client.post(reverse("session_keepalive")).status_code == 302
    password_sign_in(client, staff.user.email)
    assert client.get(reverse("session_keepalive")).status_code == 405


def test_signed_in_pages_carry_the_timeout_for_the_warning(client, staff, settings):
    settings.SESSION_WARNING_SECONDS = 90
    assert "data-session-timeout" not in client.get(reverse("account_login")).content.decode()
    password_sign_in(client, staff.user.email)
    page = client.get(reverse("home")).content.decode()
    assert 'data-session-timeout="1800" data-session-warning="90"' in page
    assert f'data-keepalive-url="{reverse("session_keepalive")}"' in page
    assert 'data-signed-out-url="/accounts/login/?next=%2F"' in page
    assert 'id="timeout-dialog"' in page and "Stay signed in" in page
    assert "core/js/timeout.js" in page


# --- Signed out for inactivity ---------------------------------------------------------------


def test_after_the_idle_timeout_the_sign_in_page_says_why_and_leads_back(client, staff):
    password_sign_in(client, staff.user.email)
    assert client.get(reverse("home")).status_code == 200
    assert SIGNED_IN_COOKIE in client.cookies
    form = reverse("notification_list") + "?page=1"
    with later(30 * 60 + 5):
        response = client.get(form)
        assert response.status_code == 302
        assert parse_qs(urlparse(response.url).query)["next"] == [form]
        page = client.get(response.url)
    assert SIGNED_OUT in messages_on(page)
    # Said once.
    assert SIGNED_OUT not in messages_on(client.get(reverse("account_login")))
    # Signing in again goes back to the page.
    back = client.post(
        reverse("account_login") + "?next=" + form,
        {"login": staff.user.email, "password": "correct-horse-battery", "next": form},
    )
    assert back.status_code == 302 and back.url == form


def test_the_warning_passes_on_when_the_draft_was_saved(client, staff):
    password_sign_in(client, staff.user.email)
    client.get(reverse("home"))
    with later(30 * 60 + 5):
        page = client.get(reverse("account_login") + "?next=/audits/1/edit/&saved=14:32")
    assert SIGNED_OUT + "; your draft was saved at 14:32." in messages_on(page)


def test_only_a_time_is_passed_on(client, staff):
    password_sign_in(client, staff.user.email)
    client.get(reverse("home"))
    with later(30 * 60 + 5):
        page = client.get(reverse("account_login") + "?saved=never%20mind")
    text = messages_on(page)
    assert SIGNED_OUT in text and "never mind" not in text


def test_a_post_after_the_timeout_is_sent_to_sign_in_with_its_page(client, staff):
    password_sign_in(client, staff.user.email)
    client.get(reverse("home"))
    url = reverse("notification_list")
    with later(30 * 60 + 5):
        response = client.post(url, {"text": "typed"})
    assert response.status_code == 302
    assert parse_qs(urlparse(response.url).query)["next"] == [url]


def test_signing_out_is_not_a_timeout(client, staff):
    password_sign_in(client, staff.user.email)
    client.get(reverse("home"))
    client.post(reverse("account_logout"))
    assert SIGNED_IN_COOKIE not in client.cookies or not client.cookies[SIGNED_IN_COOKIE].value
    with later(30 * 60 + 5):
        page = client.get(reverse("account_login"))
    assert SIGNED_OUT not in messages_on(page)


def test_a_visitor_never_signed_in_is_not_told(client, db):
    client.cookies["sessionid"] = "no-such-session"
    assert SIGNED_OUT not in messages_on(client.get(reverse("account_login")))
