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
    token, _ = services.api_token_issue(user=org.worker.user, name="t", by=None)
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_superusers_see_the_page(client, org):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/api-tokens/").status_code == 200


def test_issue_shows_the_secret_once(org, login, admin):
    client = login(admin)
    response = client.post(
        "/api-tokens/", {"account": org.worker.user.email, "name": "Dashboard export"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    secret = re.search(r'id="token-secret">([^<]+)<', html).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.created_by == admin.user and token.name == "Dashboard export"
    listing = client.get("/api-tokens/").content.decode()
    assert secret not in listing
    assert token.prefix in listing and "Dashboard export" in listing
    assert org.worker.name in listing


def test_issue_errors(org, login, admin):
    client = login(admin)
    response = client.post("/api-tokens/", {"account": "nobody@example.org", "name": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No account has that email address or username" in html
    assert "Enter what the token is for" in html
    org.worker.user.is_active = False
    org.worker.user.save()
    response = client.post("/api-tokens/", {"account": org.worker.user.email, "name": "x"})
    assert "This account is disabled" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke(org, login, admin):
    token, _ = services.api_token_issue(user=org.worker.user, name="t", by=None)
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
        services.api_token_issue(user=person.user, name="t", by=admin.user)
    with django_assert_max_num_queries(12) as few:
        client.get("/api-tokens/")
    for person in (org.colleague, org.outsider, org.performance, org.ps1):
        services.api_token_issue(user=person.user, name="t", by=admin.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api-tokens/")
