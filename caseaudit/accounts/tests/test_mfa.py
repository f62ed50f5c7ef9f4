"""MFA is compulsory: no page without a second factor set up and used at sign-in."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from caseaudit.accounts.models import SecurityEvent, SecurityEventKind

from .helpers import PASSWORD, password_sign_in, totp_code

pytestmark = pytest.mark.usefixtures("require_mfa")


def test_without_a_second_factor_every_page_leads_to_setting_one_up(client, staff):
    response = password_sign_in(client, staff.user.email)
    assert response.status_code == 302
    for name in ("home", "case_list", "team_list", "usersessions_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url == reverse("mfa_activate_totp"), name
    # The setup pages and signing out stay open.
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "Set up two-factor authentication" in page.content.decode()
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("account_login"))


def test_a_forced_session_without_mfa_is_also_sent_to_setup(client, staff):
    client.force_login(staff.user)
    assert client.get(reverse("case_list")).url == reverse("mfa_activate_totp")


# Transactional, as in production: allauth announces the new authenticator on commit, and
# that is when this session is marked as having proved its second factor.
@pytest.mark.django_db(transaction=True)
def test_setting_up_totp_then_using_the_service(client, staff, frozen_totp_clock):
    password_sign_in(client, staff.user.email)
    page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, allowed by img-src data:
    secret = page.context["form"].secret
    assert secret in html  # for typing in when the QR code cannot be scanned

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=staff.user).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response.url == reverse("mfa_view_recovery_codes")
    types = set(Authenticator.objects.filter(user=staff.user).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}

    codes = client.get(response.url)
    assert codes.status_code == 200
    assert len(codes.context["unused_codes"]) == 10
    # Having just proved the code, this session may carry on.
    assert client.get(reverse("home")).status_code == 200
    enabled = SecurityEvent.objects.filter(kind=SecurityEventKind.MFA_ENABLED, user=staff.user)
    assert set(enabled.values_list("detail", flat=True)) == {"totp", "recovery_codes"}


def test_sign_in_asks_for_the_code_then_works(client, totp_staff):
    response = password_sign_in(client, totp_staff.user.email)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Not signed in yet: the password alone opens nothing.
    assert client.get(reverse("home")).url.startswith(reverse("account_login"))

    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert "Enter your security code" in page.content.decode()

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert SecurityEvent.objects.filter(
        kind=SecurityEventKind.MFA_FAILED, user=totp_staff.user
    ).exists()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_staff.totp_secret)})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("case_list")).status_code == 200
    sign_in = SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN, user=totp_staff.user)
    assert sign_in.detail == "password+mfa:totp"


def test_a_totp_code_cannot_be_used_twice(client, totp_staff):
    code = totp_code(totp_staff.totp_secret)
    password_sign_in(client, totp_staff.user.email)
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("account_logout"))
    password_sign_in(client, totp_staff.user.email)
    replay = client.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200
    assert "Incorrect code" in replay.content.decode()


def test_a_recovery_code_works_once(client, totp_staff):
    first, second = totp_staff.recovery_codes[:2]
    password_sign_in(client, totp_staff.user.email)
    response = client.post(reverse("mfa_authenticate"), {"code": first})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert SecurityEvent.objects.filter(
        kind=SecurityEventKind.RECOVERY_CODE_USED, user=totp_staff.user
    ).exists()
    client.post(reverse("account_logout"))

    password_sign_in(client, totp_staff.user.email)
    again = client.post(reverse("mfa_authenticate"), {"code": first})
    assert again.status_code == 200
    assert "Incorrect code" in again.content.decode()
    assert client.post(reverse("mfa_authenticate"), {"code": second}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    recovery = Authenticator.objects.get(user=totp_staff.user, type="recovery_codes")
    assert len(recovery.wrap().get_unused_codes()) == 8


def test_a_session_made_without_the_second_factor_must_sign_in_again(client, totp_staff):
    client.force_login(totp_staff.user)  # a session that skipped allauth's MFA step
    response = client.get(reverse("case_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session  # signed out, not just redirected
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_OUT, user=totp_staff.user)
    assert event.detail == "mfa_required"


def test_the_django_admin_sign_in_is_allauths(client, db):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2F"


def test_removing_the_app_leads_straight_back_to_setup(client, totp_staff):
    password_sign_in(client, totp_staff.user.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_staff.totp_secret)})
    # Changing a second factor asks for the password again (allauth's reauthentication).
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(response.url, {"password": PASSWORD})
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=totp_staff.user).exists()
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")
    removed = SecurityEvent.objects.filter(kind=SecurityEventKind.MFA_DISABLED)
    assert set(removed.values_list("detail", flat=True)) == {"totp", "recovery_codes"}


def test_mfa_off_in_the_test_settings_leaves_force_login_alone(client, staff, settings):
    settings.CASEAUDIT_REQUIRE_MFA = False
    client.force_login(staff.user)
    assert client.get(reverse("home")).status_code == 200


def test_mfa_is_required_by_default_in_production_settings():
    from caseaudit.core.tests.test_project import run_settings

    code = "from django.conf import settings as s; print(s.CASEAUDIT_REQUIRE_MFA)"
    assert run_settings({"SECRET_KEY": "x" * 50}, code).stdout.strip() == "True"
    off = run_settings({"SECRET_KEY": "x" * 50, "REQUIRE_MFA": "0"}, code)
    assert off.stdout.strip() == "False"


def test_a_change_can_be_confirmed_with_a_code_instead_of_the_password(client, totp_staff):
    password_sign_in(client, totp_staff.user.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_staff.recovery_codes[0]})
    asked = client.get(reverse("mfa_generate_recovery_codes"))
    assert asked.url.startswith(reverse("account_reauthenticate"))
    page = client.get(asked.url)
    assert "Enter your password again" in page.content.decode()
    confirm = reverse("mfa_reauthenticate") + "?next=" + reverse("mfa_generate_recovery_codes")
    assert "Enter your security code" in client.get(confirm).content.decode()
    response = client.post(confirm, {"code": totp_code(totp_staff.totp_secret)})
    assert response.status_code == 302
    assert client.get(reverse("mfa_generate_recovery_codes")).status_code == 200
