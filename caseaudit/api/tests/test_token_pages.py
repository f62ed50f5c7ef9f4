"""The administrators' API tokens page: issue (the secret shown once), list, revoke."""

import hashlib
import re

import pytest

from caseaudit.api import services
from caseaudit.api.models import ApiToken
from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.organisation.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org):
    return StaffFactory(role=Role.ADMIN, team=None)


@pytest.mark.parametrize(
    "persona", ["worker", "colleague", "tm", "outsider", "performance", "director"]
)
def test_only_administrators_see_the_page(org, login, persona):
    client = login(getattr(org, persona))
    assert client.get("/api-tokens/").status_code == 404
    assert client.post("/api-tokens/", {"account": "x", "name": "y"}).status_code == 404
    token, _ = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_superusers_see_the_page(client, org):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/api-tokens/").status_code == 200


@pytest.fixture
def bot(db):
    return services.service_account_create(username="bi-export", name="BI export", by=None)


def test_issue_shows_the_secret_once(org, login, admin, bot):
    client = login(admin)
    response = client.post("/api-tokens/", {"account": bot.user.pk, "name": "Dashboard export"})
    assert response.status_code == 200
    html = response.content.decode()
    secret = re.search(r'id="token-secret">([^<]+)<', html).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.created_by == admin.user and token.name == "Dashboard export"
    listing = client.get("/api-tokens/").content.decode()
    assert secret not in listing
    assert token.prefix in listing and "Dashboard export" in listing
    assert "BI export (service account)" in listing


def test_issue_errors(org, login, admin, bot):
    client = login(admin)
    response = client.post("/api-tokens/", {"account": org.worker.user.pk, "name": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose yourself or a service account" in html
    assert "Enter what the token is for" in html
    bot.user.is_active = False
    bot.user.save()
    response = client.post("/api-tokens/", {"account": bot.user.pk, "name": "x"})
    assert "Choose yourself or a service account" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_form_offers_yourself_and_service_accounts_only(org, login, admin, bot):
    html = login(admin).get("/api-tokens/").content.decode()
    assert f'value="{admin.user.pk}"' in html and f'value="{bot.user.pk}"' in html
    assert f'value="{org.worker.user.pk}"' not in html


def test_an_administrator_issues_a_token_to_themselves(org, login, admin):
    response = login(admin).post("/api-tokens/", {"account": admin.user.pk, "name": "Mine"})
    assert response.status_code == 200
    assert ApiToken.objects.get().user == admin.user


def test_revoke(org, login, admin):
    token, _ = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    client = login(admin)
    response = client.post(f"/api-tokens/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_by == admin.user
    assert "Revoked" in response.content.decode()
    assert client.get(f"/api-tokens/{token.pk}/revoke/").status_code == 405


def test_list_query_count_does_not_grow(org, login, admin, django_assert_max_num_queries):
    client = login(admin)
    for person in (org.worker, org.tm):
        services.api_token_issue(user=person.user, name="t", by=person.user)
    with django_assert_max_num_queries(12) as few:
        client.get("/api-tokens/")
    for person in (org.colleague, org.outsider, org.performance, org.ps1):
        services.api_token_issue(user=person.user, name="t", by=person.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api-tokens/")
