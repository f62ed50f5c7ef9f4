"""Security headers on every response, and no inline script or style on the sign-in pages."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from .helpers import password_sign_in, totp_code

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


def directives(header: str) -> dict[str, str]:
    parts = (part.strip() for part in header.split(";"))
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts if p}


def assert_secure_headers(response, *, confidential: bool = True) -> None:
    assert directives(response["Content-Security-Policy"]) == directives(CSP)
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    if confidential:  # static files skip Django's X-Frame-Options; CSP frame-ancestors holds
        assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    if confidential:
        assert "no-store" in response["Cache-Control"]


def assert_no_inline_code(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        # Only script files, or JSON data blocks (which never run).
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no onclick= and the like


def test_public_pages_have_the_headers(client, db):
    for url in (reverse("account_login"), reverse("account_reset_password")):
        response = client.get(url)
        assert response.status_code == 200
        assert_secure_headers(response)
        assert_no_inline_code(response.content.decode())


def test_redirects_and_not_found_have_them_too(client, staff):
    assert_secure_headers(client.get(reverse("home")))
    client.force_login(staff.user)
    assert_secure_headers(client.get("/no-such-page/"))


def test_static_files_have_the_policy_but_may_be_cached(client, db):
    response = client.get("/static/caseaudit/init.mjs")
    assert response.status_code == 200
    assert_secure_headers(response, confidential=False)


def test_signed_in_pages_have_the_headers(client, staff):
    password_sign_in(client, staff.user.email)
    for name in ("home", "case_list", "mfa_index", "usersessions_list", "account_change_password"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_secure_headers(response)
        assert_no_inline_code(response.content.decode())


def test_mfa_pages_keep_to_the_policy(client, require_mfa, staff, frozen_totp_clock):
    password_sign_in(client, staff.user.email)
    setup = client.get(reverse("mfa_activate_totp"))
    assert_secure_headers(setup)
    html = setup.content.decode()
    assert_no_inline_code(html)
    # The QR code is a data: image, which img-src allows; no inline <svg> with styles.
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    add_key = client.get(reverse("mfa_add_webauthn"))
    assert add_key.status_code == 200
    assert_no_inline_code(add_key.content.decode())
    assert "/static/mfa/js/webauthn.js" in add_key.content.decode()


@pytest.fixture
def signed_in_with_totp(client, require_mfa, totp_staff):
    password_sign_in(client, totp_staff.user.email)
    return client


def test_the_code_page_keeps_to_the_policy(signed_in_with_totp, totp_staff):
    client = signed_in_with_totp
    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert_secure_headers(page)
    assert_no_inline_code(page.content.decode())
    client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_staff.totp_secret)})
    codes = client.get(reverse("mfa_view_recovery_codes"))
    if codes.status_code == 302:  # asks for the password again first
        client.post(codes.url, {"password": "correct-horse-battery"})
        codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert_secure_headers(codes)
    assert_no_inline_code(codes.content.decode())


def test_a_client_without_cookies_gets_the_same(db):
    assert_secure_headers(Client().get(reverse("account_login")))
