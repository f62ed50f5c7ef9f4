"""Each process's copy of who is signed in (caseaudit/accounts/local_cache.py): kept between
requests on PostgreSQL, dropped the moment a change commits anywhere, never used while the
process is not listening. Changes here are made as another process or psql would make them
(committed, past this process's stores), and the tests wait for the notification."""

import pickle
import re
import time
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts import local_cache
from caseaudit.accounts.services import account_disable
from caseaudit.notifications.models import Notification, NotificationKind
from caseaudit.notifications.services import notification_mark_all_read, notify
from caseaudit.organisation.models import Role, Staff

from .helpers import password_sign_in

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="notifications are PostgreSQL's"
)


def test_off_unless_turned_on_and_on_postgresql(settings, db):
    settings.CASEAUDIT_LOCAL_AUTH_CACHE = False
    assert not local_cache.enabled()
    assert local_cache.user(1, lambda: "read") == "read"
    assert local_cache._users == {}
    settings.CASEAUDIT_LOCAL_AUTH_CACHE = True
    assert local_cache.enabled() is (connection.vendor == "postgresql")


@pytest.fixture
def listening(settings, db):
    settings.CASEAUDIT_LOCAL_AUTH_CACHE = True
    assert local_cache.wait_until_listening()
    yield
    local_cache.stop()


@pytest.fixture
def signed_in(listening, staff):
    client = Client()
    password_sign_in(client, staff.user.email)
    caught_up()  # the sign-in's own notifications
    return client


def home(client) -> tuple[list[dict], object]:
    """The queries of a request to the home page, and its response (a 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return queries.captured_queries, response


def reads(client) -> tuple[list[str], object]:
    """The tables of sessions and users a request to the home page read, and the request."""
    queries, response = home(client)
    read = [
        table
        for table in ("django_session", "auth_user")
        for query in queries
        if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"]
    ]
    return read, response.wsgi_request


def caught_up() -> None:
    """Wait until the listener has heard every change committed so far: a notification of
    the test's own, committed after them, arrives after theirs."""
    token = f"test:{uuid.uuid4().hex}"
    local_cache.notify(token)
    deadline = time.monotonic() + 5
    while local_cache._heard != token and time.monotonic() < deadline:
        time.sleep(0.005)
    assert local_cache._heard == token, "the listener did not hear it"


@postgresql_only
def test_a_second_request_reads_neither_session_nor_user(signed_in):
    first, _ = reads(signed_in)
    assert first == ["django_session", "auth_user"]
    again, request = reads(signed_in)
    assert again == []
    assert request.user.is_authenticated
    # Objects of its own: what one request does to its user reaches no other.
    request.user.first_name = "Changed in one request"
    _, later = reads(signed_in)
    assert later.user.first_name != "Changed in one request"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_role_changed_anywhere_is_read_at_once(signed_in, staff):
    reads(signed_in)
    assert reads(signed_in)[0] == []
    Staff.objects.filter(pk=staff.pk).update(role=Role.TEAM_MANAGER)  # as an import does
    caught_up()
    read, request = reads(signed_in)
    assert "auth_user" in read
    assert request.user.staff.role == Role.TEAM_MANAGER


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_session_ended_elsewhere_ends_here(signed_in):
    reads(signed_in)
    Session.objects.all().delete()  # another process signing everyone out
    caught_up()
    response = signed_in.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_disabled_account_is_signed_out_at_its_next_request(signed_in, staff):
    reads(signed_in)
    assert reads(signed_in)[0] == []
    account_disable(user=staff.user, by=None, reason="left")
    caught_up()
    assert signed_in.get(reverse("home")).status_code == 302


@postgresql_only
def test_a_read_overtaken_by_a_change_is_not_kept(listening):
    def read_while_a_change_commits():
        local_cache._generation += 1  # the listener hearing of a change meanwhile
        return "read before the change"

    assert local_cache.user(999_999, read_while_a_change_commits) == "read before the change"
    assert 999_999 not in local_cache._users
    assert local_cache.user(999_999, lambda: "read again") == "read again"
    assert local_cache.user(999_999, lambda: "not read: kept") == "read again"


@postgresql_only
def test_nothing_is_kept_longer_than_the_limit(listening, monkeypatch):
    assert local_cache.user(999_998, lambda: "first") == "first"
    assert local_cache.user(999_998, lambda: "second") == "first"
    monkeypatch.setattr(local_cache, "MAX_AGE_SECONDS", 0.0)
    assert local_cache.user(999_998, lambda: "third") == "third"


@postgresql_only
def test_a_lost_listener_connection_means_reading_every_request(signed_in):
    reads(signed_in)
    assert reads(signed_in)[0] == []
    with connection.cursor() as cursor:
        cursor.execute(
            # This test process's listener only (its own test database): not another test
            # process's, nor another run's on the same server.
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [local_cache.LISTENER_NAME],
        )
        assert cursor.fetchall() == [(True,)]
    deadline = time.monotonic() + 5
    while local_cache._listening and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not local_cache._listening
    assert local_cache._sessions == {} and local_cache._users == {}
    assert reads(signed_in)[0] == ["django_session", "auth_user"]
    assert reads(signed_in)[0] == ["django_session", "auth_user"]  # still nothing kept
    assert local_cache.wait_until_listening(seconds=10)  # back after a pause
    reads(signed_in)
    assert reads(signed_in)[0] == []


UNREAD = '"notifications_notification"."read_at" IS NULL'


def unread(client) -> tuple[int, int]:
    """The header's count of unread notifications on the home page, and how many queries
    counted them."""
    queries, response = home(client)
    shown = re.search(r"Notifications \((\d+)\)", response.content.decode())
    assert shown, "the header shows no count"
    return int(shown[1]), sum(UNREAD in query["sql"] for query in queries)


def tell(staff, key: str):
    return notify(
        recipient=staff,
        kind=NotificationKind.URGENT_FINDING,
        subject="Case C1",
        body="Look.",
        idempotency_key=key,
        email=False,
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_unread_count_is_kept_until_one_of_theirs_changes(signed_in, staff, org):
    assert unread(signed_in) == (0, 1)
    assert unread(signed_in) == (0, 0)
    first = tell(staff, "one")  # as the worker process does, committed
    caught_up()
    assert unread(signed_in) == (1, 1)
    assert unread(signed_in) == (1, 0)
    # Someone else's notification, or an email's delivery, leaves the kept count alone.
    tell(org.worker, "theirs")
    Notification.objects.filter(pk=first.pk).update(email_attempts=1)
    caught_up()
    assert unread(signed_in) == (1, 0)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())  # another process
    caught_up()
    assert unread(signed_in) == (0, 1)
    tell(staff, "two")
    caught_up()
    Notification.objects.filter(recipient=staff).delete()
    caught_up()
    assert unread(signed_in) == (0, 1)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_reading_them_here_drops_the_count_at_once(signed_in, staff):
    """The service drops this process's copy itself when its change commits, not waiting for
    the database's notification (the listener is stopped, so only the service can)."""
    tell(staff, "one")
    tell(staff, "two")
    caught_up()
    assert unread(signed_in) == (2, 1)
    local_cache.stop()
    local_cache._unread[staff.pk] = (time.monotonic(), pickle.dumps(2))
    assert notification_mark_all_read(recipient=staff) == 2
    assert staff.pk not in local_cache._unread
