"""Project-level checks: migrations are complete and production settings are safe."""

import os
import subprocess

from django.core.management import call_command

from caseaudit.core.tests.fresh_django import run_python


def test_no_migration_is_missing(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def run_settings(env: dict, code: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "CASEAUDIT_TESTING"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="caseaudit.settings")
    # A new Django process with this environment alone (caseaudit/core/tests/fresh_django.py).
    return run_python(clean, f"import django; django.setup(); {code}")


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings({}, "")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_defaults_are_secure():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.ALLOWED_HOSTS)"
    )
    result = run_settings({"SECRET_KEY": "x" * 50}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True True True []"


def test_database_url_selects_postgresql():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'])"
    result = run_settings(
        {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"}, code
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"
