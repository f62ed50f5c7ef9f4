"""Writes of the api app: service accounts, issuing and revoking API tokens, and checking one a
request presents.

Each write runs in one transaction, records who did it (`created_by`, `revoked_by`) and writes
the security log. A token acts as its account, so it is issued only to oneself, or by an
administrator (or the command line) to a service account: never to another person
(docs/adr/0002-api-tokens-and-service-accounts.md). It expires `API_TOKEN_DAYS` after issue.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.http import HttpRequest
from django.utils import timezone

from caseaudit.accounts.models import AccessAction, AccessEvent, SecurityEventKind
from caseaudit.accounts.services import client_ip, security_event_record
from caseaudit.core.prepared import ROWS, PreparedQuery
from caseaudit.core.typing import By, User
from caseaudit.organisation.models import Role, Staff
from caseaudit.organisation.roles import SERVICE_ACCOUNT_ROLES

from .models import ApiToken, ServiceAccount
from .policy import can_manage_tokens

PREFIX_LENGTH = 8
SECRET_BYTES = 32  # 256 bits; token_urlsafe gives 43 characters
MAX_SECRET_LENGTH = 200
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


SERVICE_STAFF_ID_PREFIX = "SVC-"


def token_days() -> int:
    return max(1, int(getattr(settings, "API_TOKEN_DAYS", 90)))


def is_service_account(user: User | None) -> bool:
    return user is not None and ServiceAccount.objects.filter(user_id=user.pk).exists()


def service_account_create(
    *, username: str, name: str, role: str = Role.PERFORMANCE, by: By
) -> ServiceAccount:
    """An account for a system (not a person): a user with no password and no email address,
    and a staff record with `role` and no team. `by` is the administrator (None from the
    command line). Tokens for it are then issued with `api_token_issue`."""
    if by is not None and not can_manage_tokens(by):
        raise ValidationError(
            "Only a system administrator can create service accounts.", "not_allowed"
        )
    username, name = (username or "").strip(), (name or "").strip()
    errors = {}
    if not username or len(username) > 30 or not username.replace("-", "").isalnum():
        errors["username"] = ["Enter a username of letters, digits and hyphens (at most 30)"]
    elif get_user_model().objects.filter(username__iexact=username).exists():
        errors["username"] = ["An account already has that username"]
    if not name or len(name) > 100:
        errors["name"] = ["Enter the system that uses it (at most 100 characters)"]
    if role not in SERVICE_ACCOUNT_ROLES:
        errors["role"] = ["A service account can only have the Performance Assurance role"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = get_user_model()(username=username, email="")
        user.set_unusable_password()
        user.save()
        Staff.objects.create(
            user=user,
            staff_id=f"{SERVICE_STAFF_ID_PREFIX}{username}",
            name=f"{name} (service account)",
            role=role,
        )
        account = ServiceAccount.objects.create(user=user, name=name, created_by=by)
        security_event_record(
            kind=SecurityEventKind.SERVICE_ACCOUNT_CREATED, user=user, by=by, detail=name
        )
    return account


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Every API request runs these two: compiled to SQL once per process (caseaudit/core/prepared.py).
_active_tokens = PreparedQuery(
    lambda prefix, now: (
        ApiToken.objects.active(now=now).filter(prefix=prefix).select_related("user")
    )
)
_left_on = PreparedQuery(
    lambda user_id: Staff.objects.filter(user_id=user_id).values_list("left_on"), kind=ROWS
)


def token_refusal(user: User | None) -> str | None:
    """Why `user` cannot hold (or use) an API token; None if they can: an active account that
    is a current member of staff, or a superuser without a staff record."""
    if user is None or not user.is_active:
        return "This account is disabled."
    rows = _left_on(user.pk)  # one at most: Staff.user is one-to-one
    if not rows:
        return None if user.is_superuser else "This account has no staff record."
    if rows[0][0] is not None:
        return "This member of staff has left."
    return None


def api_user_find(*, identifier: str) -> User | None:
    """The account a username or email names (letter case ignored), or None."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    users = list(
        get_user_model().objects.filter(
            Q(username__iexact=identifier) | Q(email__iexact=identifier)
        )[:2]
    )
    return users[0] if len(users) == 1 else None


def issue_refusal(*, user: User | None, by: By) -> str | None:
    """Why `by` may not issue `user` a token (None: they may). Anyone may have a token of their
    own; only an administrator, or the command line (`by` None), issues one to a service
    account; nobody issues one in another person's name."""
    if by is not None and user is not None and by.pk == user.pk:
        return None
    if by is not None and not can_manage_tokens(by):
        return "Only a system administrator can issue API tokens to a service account."
    if not is_service_account(user):
        return (
            "A token acts as its account: issue it to yourself, or to a service account, "
            "never in another person's name."
        )
    return None


def api_token_issue(
    *, user: User, name: str, by: By, days: int | None = None
) -> tuple[ApiToken, str]:
    """Issue a token to `user` (`by` themselves, or a service account: `issue_refusal`),
    expiring in `days` (default API_TOKEN_DAYS). Returns the token and its secret, which is
    never stored: show it once. `by` is None from the command line."""
    name = (name or "").strip()
    refusal = issue_refusal(user=user, by=by)
    if refusal:
        raise ValidationError(refusal, "not_allowed")
    days = token_days() if days is None else days
    errors = {}
    if not 1 <= days <= 366:
        errors["days"] = ["A token lasts from 1 to 366 days"]
    if not name:
        errors["name"] = ["Enter what the token is for"]
    elif len(name) > 100:
        errors["name"] = ["The name must be 100 characters or fewer"]
    refusal = token_refusal(user)
    if refusal:
        errors["user"] = [refusal]
    if errors:
        raise ValidationError(errors)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        now = timezone.now()
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            token_hash=token_digest(secret),
            created_at=now,
            created_by=by,
            expires_at=now + dt.timedelta(days=days),
        )
        security_event_record(
            kind=SecurityEventKind.API_TOKEN_ISSUED, user=user, by=by, detail=_detail(token)
        )
    return token, secret


def _detail(token: ApiToken) -> str:
    return f"token {token.pk} {token.prefix}… {token.name}"[:200]


def api_token_revoke(*, token: ApiToken, by: By) -> ApiToken:
    """Revoke a token: from now on it is refused. The row stays, for the record. Its own
    account or an administrator revokes it (`by` None: the command line)."""
    if by is not None and by.pk != token.user_id and not can_manage_tokens(by):
        raise ValidationError("Only a system administrator can revoke API tokens.", "not_allowed")
    with transaction.atomic():
        now = timezone.now()
        done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by
        )
        if not done:
            raise ValidationError("This token has already been revoked.", "revoked")
        token.revoked_at, token.revoked_by = now, by
        security_event_record(
            kind=SecurityEventKind.API_TOKEN_REVOKED,
            user=token.user,
            by=by,
            detail=_detail(token),
        )
    return token


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The active token (neither revoked nor expired) whose secret this is, with its user, if
    that user may still use it; otherwise None (a 401). Notes when it was used (at most once a
    minute per token, not a write per request)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    digest = token_digest(secret)
    now = timezone.now()
    token = None
    for candidate in _active_tokens(secret[:PREFIX_LENGTH], now):
        # Compare in constant time, so the comparison reveals nothing about the stored hash.
        if hmac.compare_digest(candidate.token_hash, digest):
            token = candidate
    if token is None or token_refusal(token.user) is not None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def access_record_many(
    *,
    request: HttpRequest,
    object_type: str,
    records: Sequence[Model],
    case_id_of: Callable[[Any], int | None],
) -> int:
    """One access-log entry per record an API list returned, written in one INSERT: the same
    entry `caseaudit.accounts.services.access_record` writes for one record a page shows."""

    if not records:
        return 0
    user = request.user if request.user.is_authenticated else None
    ip_address = client_ip(request)
    path = request.path[:200]
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                user=user,
                action=AccessAction.VIEW,
                object_type=object_type,
                object_id=str(record.pk),
                case_id=case_id_of(record),
                path=path,
                ip_address=ip_address,
            )
            for record in records
        ]
    )
    return len(records)
