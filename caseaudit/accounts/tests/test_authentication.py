"""The request's user (caseaudit/accounts/authentication.py): read with the staff record in one
query, and otherwise Django's `get_user` decision for decision (who is signed in, which
sessions end, which are renewed)."""

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caseaudit.accounts import authentication
from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.organisation.selectors import staff_for_user

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def test_a_page_reads_the_user_and_their_staff_record_in_one_query(
    org, login, django_assert_num_queries
):
    from django.db import connection

    client = login(org.tm)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("team_list"))
    assert response.status_code == 200
    user = response.wsgi_request.user
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len(reads) == 1
    assert '"organisation_staff"' in reads[0] and '"organisation_team"' in reads[0]
    assert not any('FROM "organisation_staff"' in q["sql"] for q in queries.captured_queries)
    with django_assert_num_queries(0):  # the header's staff record, its team and service
        staff = staff_for_user(user)
        assert staff == org.tm
        assert staff.team.service_area == org.north
        assert staff.line_manager == org.csm_north


def session_for(user, *, backend=MODEL_BACKEND, session_hash=None) -> tuple[str, str]:
    """Two stored sessions alike (one for each `get_user`: renewing a session deletes it)."""
    keys = []
    for _ in range(2):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = (
            user.get_session_auth_hash() if session_hash is None else session_hash
        )
        session.save()
        keys.append(session.session_key)
    return keys[0], keys[1]


def both_ways(rf, session_keys):
    """(our user, the session afterwards), (Django's, its session), each from one of two
    stored sessions alike."""
    results = []
    for get_user, key in zip((authentication.get_user, auth.get_user), session_keys, strict=True):
        request = rf.get("/")
        request.session = SessionStore(key)
        user = get_user(request)
        results.append((user, request.session))
    return results


def outcome(user, session):
    return (
        user.pk if user.is_authenticated else None,
        isinstance(user, AnonymousUser),
        session.session_key is None,  # flushed
        dict(session.items()),
    )


@pytest.mark.parametrize("backend", [MODEL_BACKEND, ALLAUTH_BACKEND])
def test_signed_in_as_django_would_decide(db, rf, backend):
    staff = StaffFactory()
    (ours, ours_session), (django, django_session) = both_ways(
        rf, session_for(staff.user, backend=backend)
    )
    assert ours == django == staff.user
    assert outcome(ours, ours_session) == outcome(django, django_session)
    assert ours._staff_cache == staff


def test_a_user_without_a_staff_record_and_one_who_has_left(db, rf):
    user = UserFactory()
    (ours, _), (django, _) = both_ways(rf, session_for(user))
    assert ours == django == user and ours._staff_cache is None
    leaver = StaffFactory(left_on="2024-01-31")
    (ours, _), (django, _) = both_ways(rf, session_for(leaver.user))
    assert ours == django == leaver.user and ours._staff_cache is None
    assert staff_for_user(ours) is None


@pytest.mark.parametrize(
    "case",
    ["inactive", "password changed", "no hash", "unknown backend", "deleted", "no session"],
)
def test_refused_as_django_would_refuse(db, rf, case):
    staff = StaffFactory()
    user = staff.user
    key = session_for(
        user, backend="caseaudit.nowhere.Backend" if case == "unknown backend" else MODEL_BACKEND
    )
    if case == "inactive":
        user.is_active = False
        user.save()
    elif case == "password changed":
        user.set_password("another password altogether")
        user.save()
    elif case == "no hash":
        key = session_for(user, session_hash="")
    elif case == "deleted":
        other = UserFactory()
        key = session_for(other)
        other.delete()
    elif case == "no session":
        key = (None, None)
    (ours, ours_session), (django, django_session) = both_ways(rf, key)
    assert isinstance(ours, AnonymousUser) and isinstance(django, AnonymousUser)
    assert outcome(ours, ours_session) == outcome(django, django_session)


def test_a_session_signed_with_an_old_secret_key_is_kept_and_renewed(db, rf, settings):
    staff = StaffFactory()
    settings.SECRET_KEY = "the-old-secret-key-" + "x" * 40
    key = session_for(staff.user)
    settings.SECRET_KEY = "the-new-secret-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = ["the-old-secret-key-" + "x" * 40]
    (ours, ours_session), (django, django_session) = both_ways(rf, key)
    assert ours == django == staff.user
    # Both renewed the session (a new key) with the hash of the current secret.
    assert ours_session.session_key not in key and django_session.session_key not in key
    assert ours_session[HASH_SESSION_KEY] == staff.user.get_session_auth_hash()
    assert ours_session[HASH_SESSION_KEY] == django_session[HASH_SESSION_KEY]


def test_pages_sign_out_a_session_whose_password_changed(org, client):
    client.force_login(org.worker.user)
    assert client.get(reverse("home")).status_code == 200
    org.worker.user.set_password("a new password for the worker")
    org.worker.user.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
