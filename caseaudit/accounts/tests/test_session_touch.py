"""The idle timeout without a session write per request (caseaudit.accounts.session_touch):
a request renews the session at most once a minute, an idle session still ends after
SESSION_IDLE_SECONDS (to the minute), and ending sessions (an account disabled) signs every
browser out at once, also with the sessions in the shared cache (Redis)."""

import datetime as dt
import uuid
from contextlib import contextmanager
from importlib import import_module
from unittest import mock

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.services import account_disable
from caseaudit.accounts.session_touch import TOUCHED_AT_SESSION_KEY
from caseaudit.factories import StaffFactory

from .helpers import password_sign_in

REDIS = "redis://127.0.0.1:6379/15"


def session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def page(client):
    return client.get(reverse("home"))


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("account_login"))


@contextmanager
def clock_at(offset_seconds: float, real_now):
    """Django's clock (what sessions and their expiry read) moved to real_now + offset."""
    with mock.patch(
        "django.utils.timezone.now", return_value=real_now + dt.timedelta(seconds=offset_seconds)
    ):
        yield


def test_a_signed_in_request_does_not_write_the_session(client, staff, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    password_sign_in(client, staff.user.email)
    key = client.cookies["sessionid"].value
    expiry = Session.objects.get(session_key=key).expire_date
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert page(client).status_code == 200
        assert session_writes(queries) == []
    assert Session.objects.get(session_key=key).expire_date == expiry


def test_a_request_a_minute_later_renews_the_expiry_once(client, staff, settings):
    password_sign_in(client, staff.user.email)
    key = client.cookies["sessionid"].value
    start = timezone.now()
    with clock_at(61, start):
        with CaptureQueriesContext(connection) as queries:
            assert page(client).status_code == 200
        assert len(session_writes(queries)) == 1
        renewed = Session.objects.get(session_key=key).expire_date
        assert renewed == start + dt.timedelta(seconds=61 + settings.SESSION_COOKIE_AGE)
        assert client.session[TOUCHED_AT_SESSION_KEY] == int(start.timestamp()) + 61
        with CaptureQueriesContext(connection) as queries:
            assert page(client).status_code == 200  # the same minute: no second write
        assert session_writes(queries) == []


@pytest.mark.parametrize(
    ("idle", "signed_in"),
    [
        (-61, True),  # SESSION_IDLE_SECONDS - 61 s after the last request: still signed in
        (0, False),  # SESSION_IDLE_SECONDS after it: signed out
    ],
)
def test_an_active_session_lives_on_and_ends_after_the_idle_timeout(
    client, staff, settings, idle, signed_in
):
    """Requests every 30 seconds for 45 minutes (beyond the 30-minute idle timeout) keep the
    session; then, idle, it ends within the minute before SESSION_IDLE_SECONDS."""
    start = timezone.now()
    with clock_at(0, start):
        password_sign_in(client, staff.user.email)
    last = 0
    for offset in range(30, 45 * 60 + 1, 30):
        with clock_at(offset, start):
            assert page(client).status_code == 200, f"signed out {offset} s after sign-in"
        last = offset
    with clock_at(last + settings.SESSION_COOKIE_AGE + idle, start):
        response = page(client)
    assert (response.status_code == 200) is signed_in
    if not signed_in:
        assert is_signed_out(response)


def test_an_empty_anonymous_session_is_not_stored(client, db):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("account_login"))
    assert session_writes(queries) == []
    assert not Session.objects.exists()


def test_the_session_engine_follows_the_cache():
    """A cached session store is only ever the shared Redis cache (never Django's cache per
    process, where an ended session would live on in the other processes: what each process
    keeps of a session is dropped when it changes anywhere, test_local_cache.py)."""
    from caseaudit import settings as shipped

    if shipped.REDIS_URL:
        assert shipped.SESSION_ENGINE == "caseaudit.accounts.sessions.cached_db"
        assert shipped.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert shipped.SESSION_ENGINE == "caseaudit.accounts.sessions.db"


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure: no Redis here
        return False


@pytest.fixture
def redis_sessions(settings):
    """Sessions in Redis with the database behind (production's setting with REDIS_URL)."""
    if not _redis_available():
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    prefix = f"caseaudit-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "caseaudit.core.cache.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": prefix,
        }
    }
    settings.SESSION_ENGINE = "caseaudit.accounts.sessions.cached_db"
    yield  # (Django's test signals reset the cache connections when CACHES changes)
    import redis

    server = redis.Redis.from_url(REDIS)
    for key in server.scan_iter(f"{prefix}:*"):  # this test's keys only
        server.delete(key)


def another_process_store(key):
    """The session as another server process would find it: a fresh store, no local state."""
    engine = import_module(django_settings.SESSION_ENGINE)
    return engine.SessionStore(key)


def test_with_redis_a_request_reads_no_session_from_the_database(redis_sessions, staff):
    browser = Client()
    password_sign_in(browser, staff.user.email)
    with CaptureQueriesContext(connection) as queries:
        assert page(browser).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]


def test_with_redis_disabling_an_account_ends_its_sessions_in_every_process(redis_sessions, staff):
    browsers = [Client(HTTP_USER_AGENT="Browser A"), Client(HTTP_USER_AGENT="Browser B")]
    for browser in browsers:
        assert password_sign_in(browser, staff.user.email).status_code == 302
        assert page(browser).status_code == 200
    keys = [b.cookies["sessionid"].value for b in browsers]
    assert all(another_process_store(k).exists(k) for k in keys)
    assert all(another_process_store(k).load() for k in keys)  # in the cache

    admin = StaffFactory(user__is_staff=True, user__is_superuser=True)
    account_disable(user=staff.user, by=admin.user)

    for key in keys:
        assert another_process_store(key).load() == {}  # neither cache nor database has it
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=staff.user).exists()
    assert all(is_signed_out(page(browser)) for browser in browsers)


def test_with_redis_the_cached_session_expires_with_the_idle_timeout(
    redis_sessions, staff, settings
):
    from django.core.cache import cache

    browser = Client()
    password_sign_in(browser, staff.user.email)
    key = browser.cookies["sessionid"].value
    store = another_process_store(key)
    ttl = cache._cache.get_client(store.cache_key).ttl(cache.make_and_validate_key(store.cache_key))
    assert settings.SESSION_COOKIE_AGE - 60 <= ttl <= settings.SESSION_COOKIE_AGE
