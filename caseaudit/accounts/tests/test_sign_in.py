from django.conf import settings
from django.core import mail
from django.urls import reverse

from caseaudit.factories import StaffFactory

PASSWORD = "correct-horse-battery"


def test_sign_in_with_work_email_then_sign_out(client, db):
    staff = StaffFactory(user__email="sam.worker@example.org")
    response = client.post(
        reverse("account_login"), {"login": "sam.worker@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert staff.name in home.content.decode()

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # back to sign-in


def test_the_signed_in_message_names_the_person_not_their_username(client, db):
    staff = StaffFactory(
        name="Sam Worker", user__email="sam.worker@example.org", user__username="s000123"
    )
    client.post(reverse("account_login"), {"login": "sam.worker@example.org", "password": PASSWORD})
    page = client.get(reverse("home")).content.decode()
    assert f"Successfully signed in as {staff.name}." in page
    assert "s000123" not in page


def test_wrong_password_is_refused_with_a_message(client, db):
    StaffFactory(user__email="sam.worker@example.org")
    response = client.post(
        reverse("account_login"), {"login": "sam.worker@example.org", "password": "wrong-one-1"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_sign_in_starts_a_new_session(client, db):
    StaffFactory(user__email="sam.worker@example.org")
    client.get(reverse("account_login"))
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    client.post(reverse("account_login"), {"login": "sam.worker@example.org", "password": PASSWORD})
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != (before.value if before else None)


def test_no_self_registration(client, db):
    response = client.get(reverse("account_signup"))
    assert "Accounts are set up by administrators" in response.content.decode()
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="new@example.org").exists()


def test_password_reset_sends_an_email_with_a_working_link(client, db):
    StaffFactory(user__email="sam.worker@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "sam.worker@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam.worker@example.org"]
    link = next(
        line for line in message.body.splitlines() if "/accounts/password/reset/key/" in line
    )
    path = link[link.index("/accounts/") :].strip()
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert "password1" in page.content.decode()


def test_password_reset_does_not_reveal_unknown_addresses(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302  # same answer as for a known address
    # allauth with ACCOUNT_PREVENT_ENUMERATION sends an "unknown account" note, not a reset link
    assert all("/password/reset/key/" not in m.body for m in mail.outbox)


def test_every_page_but_sign_in_requires_it(client, db):
    for name in ("home", "case_list", "team_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    assert client.get(reverse("account_login")).status_code == 200
    assert client.get(reverse("account_reset_password")).status_code == 200


def test_short_and_common_passwords_are_refused(db):
    import pytest
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for bad in ("short-pw", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(bad)
    validate_password("a long passphrase of words")
