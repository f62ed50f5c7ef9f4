"""The security log: sign-ins, failures, sign-outs, MFA and password changes, without secrets;
and on PostgreSQL, the access and security logs refuse UPDATE and DELETE."""

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from caseaudit.accounts.models import AccessEvent, SecurityEvent, SecurityEventKind
from caseaudit.accounts.services import access_record, security_event_record

from .helpers import PASSWORD, password_sign_in, totp_code

Kind = SecurityEventKind
LONG_AGENT = "Mozilla/5.0 " + "x" * 300


def all_values() -> str:
    """Every stored value of every security event, as one string to search."""
    return repr(list(SecurityEvent.objects.values()))


def test_sign_in_is_recorded_with_address_and_browser(staff):
    client = Client(HTTP_USER_AGENT=LONG_AGENT, REMOTE_ADDR="192.0.2.7")
    password_sign_in(client, staff.user.email)
    event = SecurityEvent.objects.get(kind=Kind.SIGN_IN)
    assert event.user == staff.user
    assert event.ip_address == "192.0.2.7"
    assert event.user_agent == LONG_AGENT[:200]
    assert event.detail == "password"
    assert PASSWORD not in all_values()


def test_failed_sign_in_keeps_the_address_tried_never_the_password(client, staff):
    password_sign_in(client, staff.user.email.upper(), "a-wrong-guess-123")
    password_sign_in(client, "nobody@example.org", "another-guess-456")
    known, unknown = SecurityEvent.objects.filter(kind=Kind.SIGN_IN_FAILED).order_by("pk")
    # allauth lower-cases the address before trying it.
    assert (known.user, known.email_tried) == (staff.user, staff.user.email)
    assert (unknown.user, unknown.email_tried) == (None, "nobody@example.org")
    stored = all_values()
    assert "a-wrong-guess-123" not in stored and "another-guess-456" not in stored
    assert not SecurityEvent.objects.filter(kind=Kind.SIGN_IN).exists()


def test_sign_out_is_recorded(client, staff):
    password_sign_in(client, staff.user.email)
    client.post(reverse("account_logout"))
    assert SecurityEvent.objects.filter(kind=Kind.SIGN_OUT, user=staff.user).exists()


def test_mfa_sign_in_and_failure_are_recorded(client, require_mfa, totp_staff):
    password_sign_in(client, totp_staff.user.email)
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    code = totp_code(totp_staff.totp_secret)
    client.post(reverse("mfa_authenticate"), {"code": code})
    kinds = list(SecurityEvent.objects.order_by("pk").values_list("kind", "detail"))
    assert kinds == [(Kind.MFA_FAILED, "totp"), (Kind.SIGN_IN, "password+mfa:totp")]
    assert code not in all_values()


def test_password_change_and_reset_are_recorded(client, staff):
    password_sign_in(client, staff.user.email)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a new passphrase 1",
            "password2": "a new passphrase 1",
        },
    )
    assert SecurityEvent.objects.filter(kind=Kind.PASSWORD_CHANGED, user=staff.user).exists()

    client.post(reverse("account_reset_password"), {"email": staff.user.email})
    link = next(
        line for line in mail.outbox[-1].body.splitlines() if "/password/reset/key/" in line
    )
    page = client.get(link[link.index("/accounts/") :].strip(), follow=True)
    client.post(
        page.redirect_chain[-1][0],
        {"password1": "another passphrase 2", "password2": "another passphrase 2"},
    )
    assert SecurityEvent.objects.filter(kind=Kind.PASSWORD_RESET, user=staff.user).exists()
    stored = all_values()
    assert "a new passphrase 1" not in stored and "another passphrase 2" not in stored


def test_security_events_outside_a_request_have_no_address(staff):
    event = security_event_record(kind=Kind.ACCOUNT_DISABLED, user=staff.user)
    assert (event.ip_address, event.user_agent) == (None, "")


def test_an_account_with_a_log_cannot_be_deleted(staff):
    security_event_record(kind=Kind.SIGN_IN, user=staff.user)
    with pytest.raises(ProtectedError):
        staff.user.delete()


def test_access_record_takes_the_client_address(rf, staff):
    request = rf.get("/cases/1/", REMOTE_ADDR="198.51.100.4")
    request.user = staff.user
    event = access_record(request=request, object_type="case", object_id=1, case_id=1)
    assert event.ip_address == "198.51.100.4"


def test_behind_a_trusted_proxy_the_forwarded_address_is_kept(rf, staff, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    event = security_event_record(kind=Kind.SIGN_IN, request=request, user=staff.user)
    assert event.ip_address == "203.0.113.9"


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)


@postgresql_only
@pytest.mark.parametrize("model", [AccessEvent, SecurityEvent])
def test_the_logs_refuse_update_and_delete_on_postgresql(model, staff, rf):
    if model is AccessEvent:
        request = rf.get("/cases/1/")
        request.user = staff.user
        event = access_record(request=request, object_type="case", object_id=1, case_id=1)
        change = {"object_id": "2"}
    else:
        event = security_event_record(kind=Kind.SIGN_IN, user=staff.user)
        change = {"email_tried": "someone@example.org"}
    for attempt in (
        lambda: model.objects.filter(pk=event.pk).update(**change),
        lambda: model.objects.filter(pk=event.pk).delete(),
        lambda: model.objects.filter(pk=event.pk).update(user=None),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert model.objects.filter(pk=event.pk).exists()
    # Adding rows still works.
    if model is AccessEvent:
        access_record(request=request, object_type="case", object_id=3, case_id=3)
    else:
        security_event_record(kind=Kind.SIGN_OUT, user=staff.user)
    assert model.objects.count() == 2


def test_an_administrator_removing_a_lost_phone_is_recorded(totp_staff):
    from allauth.mfa.models import Authenticator

    from caseaudit.factories import StaffFactory

    admin = StaffFactory(user__is_staff=True, user__is_superuser=True)
    client = Client()
    client.force_login(admin.user)
    totp = Authenticator.objects.get(user=totp_staff.user, type="totp")
    url = reverse("admin:mfa_authenticator_delete", args=[totp.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    event = SecurityEvent.objects.get(kind=Kind.MFA_DISABLED)
    assert (event.user, event.by, event.detail) == (totp_staff.user, admin.user, "totp")


def test_the_security_log_is_read_only_in_the_admin(staff):
    from caseaudit.factories import StaffFactory

    admin = StaffFactory(user__is_staff=True, user__is_superuser=True)
    event = security_event_record(kind=Kind.SIGN_IN, user=staff.user)
    client = Client()
    client.force_login(admin.user)
    listing = client.get(reverse("admin:accounts_securityevent_changelist"))
    assert listing.status_code == 200
    assert f">{staff.user}<" in listing.content.decode()
    assert client.get(reverse("admin:accounts_securityevent_add")).status_code == 403
    delete_url = reverse("admin:accounts_securityevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
