"""Single sign-on (OpenID Connect, Microsoft Entra ID): on only when OIDC_CLIENT_ID is set,
and only for existing accounts. No network: settings in a subprocess, the adapter in-process."""

import json
from types import SimpleNamespace

from caseaudit.accounts.sso import ExistingAccountSocialAdapter, sso_email
from caseaudit.conftest import copy_test_database
from caseaudit.core.tests.test_project import run_settings
from caseaudit.factories import StaffFactory

TENANT_URL = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0"
SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'apps': [a for a in s.INSTALLED_APPS if 'socialaccount' in a],"
    "'auto_signup': getattr(s, 'SOCIALACCOUNT_AUTO_SIGNUP', None),"
    "'adapter': getattr(s, 'SOCIALACCOUNT_ADAPTER', None),"
    "'providers': getattr(s, 'SOCIALACCOUNT_PROVIDERS', {}),"
    "'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'],"
    "'sso_mfa': s.CASEAUDIT_SSO_SATISFIES_MFA}))"
)


def settings_with(**env) -> dict:
    result = run_settings({"SECRET_KEY": "x" * 50, **env}, SHOW)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_oidc_client_id_there_is_no_sso():
    shown = settings_with()
    assert shown["apps"] == []
    assert shown["form_action"] == ["'self'"]
    assert shown["sso_mfa"] is False


def test_oidc_client_id_switches_sso_on_for_existing_accounts_only():
    shown = settings_with(
        OIDC_CLIENT_ID="client-1",
        OIDC_CLIENT_SECRET="secret-1",
        OIDC_SERVER_URL=TENANT_URL,
        OIDC_PROVIDER_NAME="Demo County Microsoft account",
    )
    assert shown["apps"] == [
        "allauth.socialaccount",
        "allauth.socialaccount.providers.openid_connect",
    ]
    assert shown["auto_signup"] is False
    assert shown["adapter"] == "caseaudit.accounts.sso.ExistingAccountSocialAdapter"
    (app,) = shown["providers"]["openid_connect"]["APPS"]
    assert app["client_id"] == "client-1"
    assert app["name"] == "Demo County Microsoft account"
    assert app["settings"] == {"server_url": TENANT_URL}
    # The sign-in button posts here, then the browser is sent on to Microsoft.
    assert shown["form_action"] == ["'self'", "https://login.microsoftonline.com"]
    assert shown["sso_mfa"] is False


def test_the_identity_providers_mfa_can_be_trusted_when_said_so():
    shown = settings_with(
        OIDC_CLIENT_ID="client-1", OIDC_SERVER_URL=TENANT_URL, OIDC_IDP_ENFORCES_MFA="1"
    )
    assert shown["sso_mfa"] is True


def test_a_multi_tenant_endpoint_is_refused():
    for tenant in ("common", "organizations", "consumers"):
        result = run_settings(
            {
                "SECRET_KEY": "x" * 50,
                "OIDC_CLIENT_ID": "client-1",
                "OIDC_SERVER_URL": f"https://login.microsoftonline.com/{tenant}/v2.0",
            },
            "",
        )
        assert result.returncode != 0
        assert "one tenant" in result.stderr


class FakeSocialLogin:
    def __init__(self, claims: dict):
        self.account = SimpleNamespace(extra_data={"id_token": claims})
        self.is_existing = False
        self.connected_to = None

    def connect(self, request, user):
        self.connected_to = user
        self.is_existing = True


def test_a_first_sso_sign_in_joins_the_account_with_the_same_email(db):
    staff = StaffFactory(user__email="sam.worker@demo.example")
    login = FakeSocialLogin({"sub": "abc", "email": "Sam.Worker@Demo.example"})
    ExistingAccountSocialAdapter().pre_social_login(None, login)
    assert login.connected_to == staff.user


def test_entras_user_principal_name_is_used_when_there_is_no_email_claim(db):
    staff = StaffFactory(user__email="sam.worker@demo.example")
    login = FakeSocialLogin({"sub": "abc", "preferred_username": "sam.worker@demo.example"})
    assert sso_email(login) == "sam.worker@demo.example"
    ExistingAccountSocialAdapter().pre_social_login(None, login)
    assert login.connected_to == staff.user


def test_nobody_else_gets_in_by_sso(db):
    StaffFactory(user__email="left@demo.example", user__is_active=False)
    adapter = ExistingAccountSocialAdapter()
    for claims in (
        {"sub": "1", "email": "stranger@demo.example"},
        {"sub": "2", "email": "left@demo.example"},  # a disabled account
        {"sub": "3", "name": "No Email"},
    ):
        login = FakeSocialLogin(claims)
        adapter.pre_social_login(None, login)
        assert login.connected_to is None
    assert adapter.is_open_for_signup(None, login) is False


def test_the_sign_in_page_offers_sso_when_configured(tmp_path, django_db_setup, django_db_blocker):
    # A copy of this process's migrated database (SQLite): `migrate` then only adds the
    # single sign-on apps' tables.
    copy_test_database(tmp_path / "sso.sqlite3", django_db_blocker)
    code = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from django.test import Client; c = Client(); "
        "page = c.get('/accounts/login/', secure=True).content.decode(); "
        'import re; link = re.search(r\'href="([^"]+)">Sign in with ([^<]+)<\', page); '
        "confirm = c.get(link.group(1), secure=True); "
        "print(link.group(2), '|', confirm.status_code, '|', confirm['Content-Security-Policy'])"
    )
    result = run_settings(
        {
            "SECRET_KEY": "x" * 50,
            "CASEAUDIT_TESTING": "1",
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'sso.sqlite3'}",
            "OIDC_CLIENT_ID": "client-1",
            "OIDC_SERVER_URL": TENANT_URL,
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    name, status, csp = result.stdout.strip().split(" | ")
    assert name == "Microsoft Entra ID"
    assert status == "200"  # the page that posts on to the provider
    assert "form-action 'self' https://login.microsoftonline.com" in csp
