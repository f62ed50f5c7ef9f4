"""Production settings: TLS to the mail server, the proxy header only when trusted, and
__Host- cookie names with secure cookies. Each imports the settings afresh under an
environment (a subprocess), as caseaudit/core/tests/test_project.py does."""

import pytest
from django.urls import reverse

from caseaudit.core.tests.test_project import run_settings
from caseaudit.factories import StaffFactory

PRODUCTION = {"SECRET_KEY": "x" * 50, "SITE_URL": "https://caseaudit.example.org"}
SHOW = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_USE_TLS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_NAME, "
    "s.CSRF_COOKIE_NAME, sep='|')"
)


def settings_under(**env) -> list[str]:
    result = run_settings({**PRODUCTION, **env}, SHOW)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


def test_production_defaults():
    tls, proxy, session, csrf = settings_under()
    assert tls == "True"
    assert proxy == "None"  # a client cannot claim HTTPS with a header
    assert (session, csrf) == ("__Host-sessionid", "__Host-csrftoken")


def test_tls_can_be_turned_off_and_is_off_in_development():
    assert settings_under(EMAIL_USE_TLS="0")[0] == "False"
    assert settings_under(DEBUG="1")[0] == "False"
    assert settings_under(DEBUG="1", EMAIL_USE_TLS="1")[0] == "True"


def test_the_proxy_header_is_trusted_only_when_configured():
    assert settings_under(TRUST_X_FORWARDED_PROTO="1")[1] == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize("env", [{"SECURE_COOKIES": "0"}, {"DEBUG": "1"}])
def test_plain_cookie_names_without_secure_cookies(env):
    # A browser refuses a __Host- cookie that is not Secure: plain names on plain http.
    assert settings_under(**env)[2:] == ["sessionid", "csrftoken"]


def test_the_session_cookie_set_in_production_has_the_prefix_rules(client, db, settings):
    """What a browser needs to keep a __Host- cookie: Secure, Path=/, no Domain."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
    staff = StaffFactory()
    client.get(reverse("account_login"), secure=True)
    response = client.post(
        reverse("account_login"),
        {"login": staff.user.email, "password": "correct-horse-battery"},
        secure=True,
    )
    assert response.status_code == 302
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        cookie = client.cookies[name]
        assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"], name
