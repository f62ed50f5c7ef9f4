"""API tokens: issued once and stored hashed, revocable, last use noted; who may use them."""

import datetime as dt
import hashlib
import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from caseaudit.api import services
from caseaudit.api.models import ApiToken
from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.organisation.models import Role

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_issue_stores_only_the_hash_and_a_prefix(org):
    token, secret = services.api_token_issue(
        user=org.worker.user, name="export", by=org.worker.user
    )
    assert len(secret) >= 40
    token.refresh_from_db()
    assert token.prefix == secret[:8]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert secret not in stored
    assert all(secret not in value for value in stored)


def test_each_token_is_different(org):
    _, first = services.api_token_issue(user=org.worker.user, name="a", by=org.worker.user)
    _, second = services.api_token_issue(user=org.worker.user, name="b", by=org.worker.user)
    assert first != second


def test_the_token_acts_as_its_account(org, api):
    response = api(org.worker).get(f"/api/v1/cases/{org.case.pk}")
    assert response.status_code == 200
    assert api(org.outsider).get(f"/api/v1/cases/{org.case.pk}").status_code == 404


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nonsense", "Token {secret}", "Basic {secret}", "Bearer {secret}x"],
)
def test_requests_without_a_valid_token_are_401(org, client, header):
    _, secret = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    headers = {"Authorization": header.format(secret=secret)} if header else {}
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized", "errors": []}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_is_not_accepted(org, login):
    """A signed-in browser cannot use the API (so another site cannot make it do so)."""
    client = login(org.performance)
    assert client.get("/cases/").status_code == 200
    assert client.get("/api/v1/cases").status_code == 401
    assert client.post("/api/v1/audits", {}, content_type="application/json").status_code == 401


def test_the_token_wins_over_a_session_of_someone_else(org, login):
    client = login(org.performance)
    _, secret = services.api_token_issue(user=org.outsider.user, name="t", by=org.outsider.user)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/cases/{org.case.pk}", headers=headers).status_code == 404


def test_post_needs_no_csrf_token(org, api):
    client = api(org.csm_north)
    client.client = type(client.client)(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/audits", {"case": org.case.pk, "tool": "generic", "reason": "permissive"}
    )
    assert response.status_code == 201, response.content


def test_revoked_token_is_refused(org):
    token, secret = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    client = ApiClient(secret)
    assert client.get("/api/v1/cases").status_code == 200
    services.api_token_revoke(token=token, by=None)
    assert client.get("/api/v1/cases").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(ValidationError):
        services.api_token_revoke(token=token, by=None)


def test_a_token_past_its_expiry_is_refused(org):
    token, secret = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    client = ApiClient(secret)
    assert client.get("/api/v1/cases").status_code == 200  # (the lookup is compiled now)
    # The clock at the moment of checking counts, not the one the lookup was compiled with.
    after = token.expires_at + dt.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=after):
        assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases").status_code == 200


def test_inactive_account_is_refused(org):
    _, secret = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    org.worker.user.is_active = False
    org.worker.user.save()
    assert ApiClient(secret).get("/api/v1/cases").status_code == 401


def test_staff_who_left_are_refused(org):
    _, secret = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    org.worker.left_on = timezone.localdate()
    org.worker.save()
    assert ApiClient(secret).get("/api/v1/cases").status_code == 401


def test_accounts_without_staff_record_cannot_have_a_token(db):
    with pytest.raises(ValidationError) as error:
        user = UserFactory()
        services.api_token_issue(user=user, name="t", by=user)
    assert "user" in error.value.message_dict


def test_a_superuser_without_staff_record_can(org):
    admin = UserFactory(is_superuser=True, is_staff=True)
    _, secret = services.api_token_issue(user=admin, name="t", by=admin)
    assert ApiClient(secret).get(f"/api/v1/cases/{org.south_case.pk}").status_code == 200


def test_only_administrators_issue_and_revoke(org):
    bot = services.service_account_create(username="bi-export", name="BI export", by=None)
    with pytest.raises(ValidationError):
        services.api_token_issue(user=bot.user, name="t", by=org.performance.user)
    admin = StaffFactory(role=Role.ADMIN, team=None)
    token, _ = services.api_token_issue(user=bot.user, name="t", by=admin.user)
    assert token.created_by == admin.user
    with pytest.raises(ValidationError):
        services.api_token_revoke(token=token, by=org.tm.user)
    services.api_token_revoke(token=token, by=admin.user)
    token.refresh_from_db()
    assert token.revoked_by == admin.user


def test_last_used_is_noted_at_most_once_a_minute(org, django_assert_num_queries):
    token, secret = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    assert token.last_used_at is None
    first = services.api_token_authenticate(secret=secret)
    assert first.last_used_at is not None
    token.refresh_from_db()
    used_at = token.last_used_at
    with django_assert_num_queries(2):  # the token, the staff record: no write
        services.api_token_authenticate(secret=secret)
    token.refresh_from_db()
    assert token.last_used_at == used_at
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used_at - dt.timedelta(minutes=2))
    services.api_token_authenticate(secret=secret)
    token.refresh_from_db()
    assert token.last_used_at > used_at - dt.timedelta(seconds=1)


def test_a_long_or_empty_secret_is_refused_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.api_token_authenticate(secret="") is None
        assert services.api_token_authenticate(secret="x" * 500) is None


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def bot(db):
    return services.service_account_create(username="bi-export", name="BI export", by=None)


def test_issue_api_token_command_prints_the_secret_once(org, bot):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", "bi-export", "--name", "nightly", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.name == "nightly" and token.user == bot.user and token.created_by is None
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in err.getvalue()
    assert ApiClient(secret).get("/api/v1/cases").status_code == 200


def test_issue_api_token_command_by_username(org, bot):
    call_command("issue_api_token", "BI-EXPORT", stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.get().user == bot.user


def test_issue_api_token_command_refuses_unknown_people_and_leavers(org, bot):
    with pytest.raises(CommandError, match="No account"):
        call_command("issue_api_token", "nobody@example.org", stdout=io.StringIO())
    with pytest.raises(CommandError, match="never in another person's name"):
        call_command("issue_api_token", org.worker.user.email, stdout=io.StringIO())
    bot.user.staff.left_on = timezone.localdate()
    bot.user.staff.save()
    with pytest.raises(CommandError, match="left"):
        call_command("issue_api_token", "bi-export", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_create_service_account_command(db):
    out = io.StringIO()
    call_command("create_service_account", "bi-export", "--name", "BI export", stdout=out)
    assert "bi-export" in out.getvalue()
    with pytest.raises(CommandError, match="already has that username"):
        call_command("create_service_account", "bi-export", "--name", "Again", stdout=out)
