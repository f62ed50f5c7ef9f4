"""Django's default cache is shared by every server process: the sign-in rate limits and the
used TOTP codes counted in one process hold in the next (Redis with REDIS_URL, else the
database table made by migration accounts.0005)."""

import secrets
import socket
import textwrap
import uuid

import pytest
from django.core.cache.backends.db import DatabaseCache

from caseaudit.conftest import copy_test_database
from caseaudit.core.tests.test_project import run_settings


def production(database_file, **env):
    """Production settings (not the test settings' local-memory cache) on a database file."""
    return {
        "SECRET_KEY": "x" * 50,
        "CASEAUDIT_TESTING": "1",  # static files through the finders: nothing to collect
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{database_file}",
        "REDIS_URL": "",
        "MFA_ENCRYPTION_KEY": "",
        **env,
    }


def run(env: dict, code: str) -> str:
    # Fast password hashing in these processes too (set before the first hash).
    prelude = (
        "from django.conf import settings; "
        "settings.PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']\n"
    )
    result = run_settings(env, prelude + textwrap.dedent(code))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def database_file(tmp_path_factory, django_db_setup, django_db_blocker):
    path = tmp_path_factory.mktemp("shared-cache") / "db.sqlite3"
    if not copy_test_database(path, django_db_blocker):
        run(
            production(path),
            "from django.core.management import call_command; call_command('migrate', verbosity=0)",
        )
    return path


def test_settings_choose_redis_with_redis_url_and_the_database_otherwise():
    code = (
        "from django.conf import settings as s; c = s.CACHES['default']; "
        "print(c['BACKEND'], c['LOCATION'], sep='|')"
    )
    env = {"SECRET_KEY": "x" * 50}
    redis = run_settings({**env, "REDIS_URL": "redis://cache.internal:6379/2"}, code)
    assert redis.stdout.strip() == ("caseaudit.core.cache.RedisCache|redis://cache.internal:6379/2")
    database = run_settings({**env, "REDIS_URL": ""}, code)
    assert database.stdout.strip() == "django.core.cache.backends.db.DatabaseCache|caseaudit_cache"


def test_the_migrated_cache_table_works_on_this_database(db):
    # The table migration accounts.0005 makes, on SQLite or PostgreSQL (whichever runs the
    # suite), through Django's database cache; two cache objects read the same rows.
    writer = DatabaseCache("caseaudit_cache", {})
    reader = DatabaseCache("caseaudit_cache", {})
    assert writer.add("allauth.mfa.totp.used?user=1&code=123456", "y", timeout=30)
    assert not reader.add("allauth.mfa.totp.used?user=1&code=123456", "y", timeout=30)
    writer.set("rl:login_failed:key:sam", [1.0, 2.0], timeout=300)
    assert reader.get("rl:login_failed:key:sam") == [1.0, 2.0]


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_sign_in_throttling_and_used_codes_hold_across_processes(database_file, backend):
    if backend == "redis" and not redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    redis_url = "redis://127.0.0.1:6379/0" if backend == "redis" else ""
    env = production(database_file, REDIS_URL=redis_url)
    email = f"sam.{uuid.uuid4().hex[:12]}@example.org"  # keys of their own in a shared Redis
    # Codes of their own too: allauth keys a used code by the user's id, which is the same in
    # every run on a copy of the test database (Redis kept an earlier run's code: a failure).
    used, unused = (f"{n:06d}" for n in secrets.SystemRandom().sample(range(1_000_000), 2))

    # First server process: five failed sign-ins (the limit is 5 in 5 minutes per account),
    # and a TOTP code marked used, by allauth's own code.
    first = run(
        env,
        f"""
        from allauth.mfa.totp.internal.auth import TOTP
        from django.contrib.auth import get_user_model
        from django.core.cache import caches
        from django.test import Client
        user = get_user_model().objects.create_user("{email}", "{email}", "right-password-1")
        totp = TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        print(totp._mark_code_used("{used}"), type(caches["default"]).__name__, end=" ")
        client = Client()
        for _ in range(5):
            page = client.post("/accounts/login/", {{"login": "{email}", "password": "wrong"}})
            print(page.status_code, "Too many" in page.content.decode(), end=" ")
        """,
    )
    cache_class = "DatabaseCache" if backend == "database" else "RedisCache"
    assert first == f"True {cache_class}" + " 200 False" * 5

    # Another process, with nothing in its own memory: the right password is refused, and
    # the code already used is refused again.
    second = run(
        env,
        f"""
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP
        from django.test import Client
        form = {{"login": "{email}", "password": "right-password-1"}}
        page = Client().post("/accounts/login/", form)
        refused = "Too many failed sign-in attempts" in page.content.decode()
        totp = TOTP(Authenticator.objects.get(user__email="{email}", type="totp"))
        replayed, fresh = totp._mark_code_used("{used}"), totp._mark_code_used("{unused}")
        print(page.status_code, refused, replayed, fresh)
        """,
    )
    assert second == "200 True False True"
