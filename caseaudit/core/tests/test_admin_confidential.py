"""The Django admin holds nothing about a child (docs/adr/0001-no-confidential-records-in-admin.md):
what is registered is exactly the access matrix's `ADMIN_MODELS`, and the records the app logs
access to have no admin pages, even for a superuser."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from caseaudit.accounts.models import AccessEvent
from caseaudit.core.access_matrix import ADMIN_MODELS
from caseaudit.factories import UserFactory

CONFIDENTIAL = (
    "cases.case",
    "audits.audit",
    "responses.qaresponse",
    "notifications.notification",
    "imports.importrun",
    "accounts.accessevent",
    "usersessions.usersession",
    "django_tasks_database.dbtaskresult",
    "api.apitoken",
    "api.serviceaccount",
)


def registered() -> set[str]:
    return {model._meta.label_lower for model in admin.site._registry}


def test_the_admin_registers_exactly_the_matrix_models():
    assert registered() == set(ADMIN_MODELS)


@pytest.mark.parametrize("label", CONFIDENTIAL)
def test_no_confidential_model_in_the_admin(label):
    assert label not in registered()
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:{label.replace('.', '_')}_changelist")


@pytest.fixture
def superuser(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    return user


def test_a_superuser_cannot_open_a_case_in_the_admin(client, org, superuser):
    client.force_login(superuser)
    for path in (
        f"/admin/cases/case/{org.case.pk}/change/",
        f"/admin/cases/case/{org.case.pk}/delete/",
        "/admin/cases/case/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert org.case.display_name not in response.content.decode()
    assert org.case.__class__.objects.filter(pk=org.case.pk).exists()
    assert not AccessEvent.objects.filter(case_id=org.case.pk, action="view").exists()


def test_the_admin_signs_in_through_allauth(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_admin_password_form_is_never_shown(client, org):
    """Signed in without admin access: sent on (allauth), never the admin's own password form."""
    client.force_login(org.worker.user)
    response = client.get(reverse("admin:login"))
    assert response.status_code in (302, 403)
    assert b'name="password"' not in response.content
