"""The API's security fixes: a body too large is a 413 in the API's error document; every list
that names children writes the access log; tokens are never issued in another person's name,
expire, and their issue and revocation are in the security log."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent, SecurityEvent, SecurityEventKind
from caseaudit.api import services
from caseaudit.api.models import ApiToken
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role
from caseaudit.programme.models import Allocation, MonthStatus, ProgrammeMonth

from .conftest import ApiClient
from .helpers import completed_audit

pytestmark = pytest.mark.django_db


def test_a_body_over_the_limit_is_413_with_the_error_document(org, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api(org.ps1)
    body = json.dumps({"case": org.case.pk, "tool": "generic", "reason": "x" * 2000})
    response = client.client.post(
        "/api/v1/audits", body, content_type="application/json", headers=client.headers
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is too large: at most 1,000 bytes",
        "errors": [],
        "max_bytes": 1000,
    }


def test_the_default_limit_is_2_5_mb(org, api):
    client = api(org.ps1)
    body = json.dumps({"case": org.case.pk, "tool": "generic", "reason": "x" * 2_700_000})
    response = client.client.post(
        "/api/v1/audits", body, content_type="application/json", headers=client.headers
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")


def test_allocations_are_written_to_the_access_log(org, api):
    programme = ProgrammeMonth.objects.create(
        month=timezone.localdate().replace(day=1),
        seed=1,
        status=MonthStatus.CONFIRMED,
        generated_at=timezone.now(),
    )
    for case in (org.case, org.case_b):
        Allocation.objects.create(
            programme=programme,
            auditor=org.director,
            rule="manager-peer",
            case=case,
            tool_code="generic",
            reason="Chosen.",
        )
    client = api(org.performance)
    response = client.get("/api/v1/allocations", {"month": programme.label})
    assert response.status_code == 200 and response.json()["count"] == 2
    events = AccessEvent.objects.filter(user=org.performance.user)
    # Once a request, as the programme page logs its view.
    assert list(events.values_list("object_type", "object_id", "action", "path")) == [
        ("programme", programme.label, "view", "/api/v1/allocations")
    ]


def test_no_month_no_log(org, api):
    assert api(org.performance).get("/api/v1/allocations", {"month": "2001-01"}).status_code == 404
    assert not AccessEvent.objects.filter(user=org.performance.user, action="view").exists()


@pytest.mark.parametrize(
    ("path", "object_type"),
    [
        ("/api/v1/cases", "case"),
        ("/api/v1/due", "case"),
        ("/api/v1/audits", "audit"),
        ("/api/v1/responses", "qa_response"),
    ],
)
def test_every_list_about_children_is_logged(org, api, path, object_type):
    if object_type in ("audit", "qa_response"):
        completed_audit(org.ps1, org.case)
    response = api(org.performance).get(path)
    assert response.status_code == 200 and response.json()["items"]
    logged = AccessEvent.objects.filter(user=org.performance.user, object_type=object_type)
    assert logged.count() == len(response.json()["items"])


# --- tokens: never in another person's name; expiry; the security log -----------------------


@pytest.fixture
def admin(org):
    return StaffFactory(role=Role.ADMIN, team=None)


@pytest.fixture
def bot(db):
    return services.service_account_create(username="bi-export", name="BI export", by=None)


def test_an_administrator_cannot_act_as_a_team_manager(org, admin):
    """The finding: a token issued in the Team Manager's name let an administrator reopen an
    audit recorded as done by the Team Manager."""
    with pytest.raises(ValidationError) as error:
        services.api_token_issue(user=org.tm.user, name="as the TM", by=admin.user)
    assert error.value.code == "not_allowed"
    with pytest.raises(ValidationError):
        services.api_token_issue(user=org.tm.user, name="from the shell", by=None)
    assert not ApiToken.objects.exists()


def test_the_page_refuses_another_persons_account(org, login, admin):
    response = login(admin).post("/api-tokens/", {"account": org.tm.user.pk, "name": "x"})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_a_service_account_is_not_a_person(bot):
    user = bot.user
    assert not user.has_usable_password() and user.email == ""
    assert user.staff.role == Role.PERFORMANCE and user.staff.team is None
    assert user.staff.staff_id == "SVC-bi-export"


def test_service_accounts_have_read_only_roles(admin):
    with pytest.raises(ValidationError) as error:
        services.service_account_create(
            username="x", name="X", role=Role.TEAM_MANAGER, by=admin.user
        )
    assert "role" in error.value.message_dict


def test_issue_and_revoke_write_the_security_log(org, admin, bot):
    token, _ = services.api_token_issue(user=bot.user, name="Nightly", by=admin.user)
    services.api_token_revoke(token=token, by=admin.user)
    events = SecurityEvent.objects.filter(user=bot.user).order_by("id")
    assert [(e.kind, e.by_id) for e in events] == [
        (SecurityEventKind.SERVICE_ACCOUNT_CREATED, None),
        (SecurityEventKind.API_TOKEN_ISSUED, admin.user.pk),
        (SecurityEventKind.API_TOKEN_REVOKED, admin.user.pk),
    ]
    assert all(token.prefix in e.detail for e in events[1:])


def test_own_token_is_logged_too(org):
    services.api_token_issue(user=org.worker.user, name="Mine", by=org.worker.user)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.API_TOKEN_ISSUED)
    assert (event.user, event.by) == (org.worker.user, org.worker.user)


def test_tokens_expire_after_api_token_days(org, settings):
    settings.API_TOKEN_DAYS = 30
    token, secret = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    assert token.expires_at - token.created_at == dt.timedelta(days=30)
    client = ApiClient(secret)
    assert client.get("/api/v1/cases").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized", "errors": []}


def test_the_default_is_90_days(org):
    token, _ = services.api_token_issue(user=org.worker.user, name="t", by=org.worker.user)
    assert token.expires_at - token.created_at == dt.timedelta(days=90)


def test_the_list_shows_last_use_and_expiry(org, login, admin):
    token, secret = services.api_token_issue(user=admin.user, name="Mine", by=admin.user)
    ApiClient(secret).get("/api/v1/cases")
    token.refresh_from_db()
    html = login(admin).get("/api-tokens/").content.decode()
    assert f"{timezone.localtime(token.last_used_at):%-d %b %Y %H:%M}" in html
    assert f"{timezone.localtime(token.expires_at):%-d %b %Y}" in html
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert "Expired" in login(admin).get("/api-tokens/").content.decode()
