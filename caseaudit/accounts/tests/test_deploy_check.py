"""`manage.py check --deploy` is clean with production settings."""

import os
import secrets
import subprocess

from caseaudit.core.tests.fresh_django import run_manage


def check_deploy(**extra_env) -> subprocess.CompletedProcess:
    # Production's environment: none of the test suite's switches (the browser fixture sets
    # DJANGO_ALLOW_ASYNC_UNSAFE in this process, which check --deploy rightly refuses).
    test_only = {"DEBUG", "CASEAUDIT_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "REQUIRE_MFA"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="caseaudit.example.org",
        SITE_URL="https://caseaudit.example.org",
        DJANGO_SETTINGS_MODULE="caseaudit.settings",
        **extra_env,
    )
    # A new Django process with this environment alone (caseaudit/core/tests/fresh_django.py).
    return run_manage(env, "check", "--deploy", "--fail-level", "WARNING")


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_is_clean_with_single_sign_on_configured():
    result = check_deploy(
        OIDC_CLIENT_ID="caseaudit-client",
        OIDC_CLIENT_SECRET="not-a-real-secret",
        OIDC_SERVER_URL="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
