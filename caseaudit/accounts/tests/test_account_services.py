"""Identity is not data: who may manage which account, disabling as one explicit service, and
the only way to change an account's email or username."""

import threading

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client

from caseaudit.accounts.models import SecurityEvent, SecurityEventKind
from caseaudit.accounts.policy import can_grant_role, can_manage_account
from caseaudit.accounts.services import account_disable, account_identity_change
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role

from .helpers import password_sign_in


@pytest.fixture
def admin(db):
    return StaffFactory(role=Role.ADMIN, team=None)


def signed_in(staff) -> Client:
    browser = Client()
    assert password_sign_in(browser, staff.user.email).status_code == 302
    assert UserSession.objects.filter(user=staff.user).exists()
    return browser


def test_the_privilege_ordering(org, admin):
    superuser = StaffFactory(user__is_superuser=True, user__is_staff=True)
    # An administrator manages everyone, other administrators and superusers included.
    for target in (org.worker, org.performance, org.director, superuser):
        assert can_manage_account(actor=admin.user, target=target.user)
    assert can_manage_account(actor=superuser.user, target=admin.user)
    # Performance Assurance manages ordinary staff (the staff import), not administrators,
    # superusers or accounts with access to the Django admin.
    assert can_manage_account(actor=org.performance.user, target=org.worker.user)
    assert can_manage_account(actor=org.performance.user, target=org.director.user)
    assert not can_manage_account(actor=org.performance.user, target=admin.user)
    assert not can_manage_account(actor=org.performance.user, target=superuser.user)
    admin_site_user = StaffFactory(user__is_staff=True)
    assert not can_manage_account(actor=org.performance.user, target=admin_site_user.user)
    # Everyone else manages no account, not even a less senior one's.
    for actor in (org.director, org.tm, org.worker):
        assert not can_manage_account(actor=actor.user, target=org.colleague.user)
    # Nobody gives a role above their own.
    assert can_grant_role(actor=admin.user, role=Role.ADMIN)
    assert can_grant_role(actor=org.performance.user, role=Role.PRACTITIONER)
    assert not can_grant_role(actor=org.performance.user, role=Role.ADMIN)
    assert not can_grant_role(actor=org.tm.user, role=Role.PRACTITIONER)


def test_an_administrator_who_left_or_was_disabled_manages_nothing(org, admin):
    admin.user.is_active = False
    assert not can_manage_account(actor=admin.user, target=org.worker.user)
    admin.user.is_active = True
    admin.left_on = admin.user.date_joined.date()
    admin.save()
    admin.user.refresh_from_db()
    admin.user.__dict__.pop("_staff_cache", None)  # staff_for_user caches it on the user
    assert not can_manage_account(actor=admin.user, target=org.worker.user)


def test_performance_assurance_cannot_disable_an_administrator(org, admin):
    with pytest.raises(PermissionDenied):
        account_disable(user=admin.user, by=org.performance.user)
    admin.user.refresh_from_db()
    assert admin.user.is_active
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.ACCOUNT_DISABLED).exists()
    account_disable(user=org.worker.user, by=org.performance.user, reason="left")
    org.worker.user.refresh_from_db()
    assert not org.worker.user.is_active


def test_account_disable_ends_sessions_logs_once_and_is_idempotent(org, admin):
    browser = signed_in(org.worker)
    account_disable(user=org.worker.user, by=admin.user, reason="left")
    account_disable(user=org.worker.user, by=admin.user, reason="left")
    org.worker.user.refresh_from_db()
    assert not org.worker.user.is_active
    assert not UserSession.objects.filter(user=org.worker.user).exists()
    assert browser.get("/").status_code == 302  # signed out
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ACCOUNT_DISABLED)
    assert (event.user, event.by, event.detail) == (org.worker.user, admin.user, "left")


def test_saving_a_user_with_active_cleared_no_longer_does_anything_by_itself(org):
    """No signal receiver disables accounts behind the code's back any more: a plain save is
    just a save (every path calls account_disable explicitly)."""
    browser = signed_in(org.worker)
    user = org.worker.user
    user.is_active = False
    user.save()
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.ACCOUNT_DISABLED).exists()
    assert UserSession.objects.filter(user=user).exists()
    del browser


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_disables_log_one_event():
    if connection.vendor != "postgresql":
        pytest.skip("row locks: run with DATABASE_URL=postgres://...")
    admin = StaffFactory(role=Role.ADMIN, team=None)
    target = StaffFactory()
    barrier = threading.Barrier(2)
    errors = []

    def disable():
        try:
            user = get_user_model().objects.get(pk=target.user.pk)
            barrier.wait(timeout=10)
            account_disable(user=user, by=admin.user)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=disable) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEventKind.ACCOUNT_DISABLED, user=target.user
        ).count()
        == 1
    )


# --- account_identity_change ------------------------------------------------------------------


def test_an_administrator_changes_an_accounts_email(org, admin, django_capture_on_commit_callbacks):
    user = org.worker.user
    old = user.email
    EmailAddress.objects.create(user=user, email=old, primary=True, verified=True)
    browser = signed_in(org.worker)
    with django_capture_on_commit_callbacks(execute=True):
        account_identity_change(user=user, email="Sam.New@Example.org", by=admin.user)

    user.refresh_from_db()
    assert user.email == "sam.new@example.org"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "primary")) == [
        ("sam.new@example.org", True)
    ]
    # Every session ended.
    assert not UserSession.objects.filter(user=user).exists()
    assert browser.get("/").status_code == 302
    # The security log says who, and from what to what.
    event = SecurityEvent.objects.get(kind=SecurityEventKind.IDENTITY_CHANGED)
    assert (event.user, event.by) == (user, admin.user)
    assert (event.email_before, event.email_after) == (old, "sam.new@example.org")
    # The OLD address is told (by the task worker: the immediate backend in tests).
    assert [m.to for m in mail.outbox] == [[old]]
    assert "changed by a system administrator" in mail.outbox[0].body
    # It signs in with the new address, not the old.
    assert password_sign_in(Client(), "sam.new@example.org").status_code == 302
    assert password_sign_in(Client(), old).status_code == 200


def test_the_username_changes_only_with_it(org, admin):
    account_identity_change(
        user=org.worker.user, email="w2@example.org", username="st99999", by=admin.user
    )
    org.worker.user.refresh_from_db()
    assert org.worker.user.username == "st99999"
    event = SecurityEvent.objects.get(kind=SecurityEventKind.IDENTITY_CHANGED)
    assert "username" in event.detail


@pytest.mark.parametrize("actor", ["performance", "tm", "worker", "director"])
def test_only_an_administrator_changes_an_identity(org, actor):
    with pytest.raises(PermissionDenied):
        account_identity_change(
            user=org.colleague.user, email="else@example.org", by=getattr(org, actor).user
        )
    org.colleague.user.refresh_from_db()
    assert org.colleague.user.email != "else@example.org"
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.IDENTITY_CHANGED).exists()
    assert mail.outbox == []


def test_an_identity_change_refuses_an_address_already_in_use(org, admin):
    with pytest.raises(ValidationError, match="Another account already uses"):
        account_identity_change(
            user=org.worker.user, email=org.colleague.user.email.upper(), by=admin.user
        )
    with pytest.raises(ValidationError, match="correct format"):
        account_identity_change(user=org.worker.user, email="not an address", by=admin.user)
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.IDENTITY_CHANGED).exists()
