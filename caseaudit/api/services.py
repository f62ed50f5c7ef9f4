"""Writes of the api app: issuing and revoking API tokens, and checking one a request presents.

Each write runs in one transaction and records who did it (`created_by`, `revoked_by`).
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from caseaudit.organisation.models import Staff

from .models import ApiToken
from .selectors import can_manage_tokens

PREFIX_LENGTH = 8
SECRET_BYTES = 32  # 256 bits; token_urlsafe gives 43 characters
MAX_SECRET_LENGTH = 200
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_refusal(user) -> str | None:
    """Why `user` cannot hold (or use) an API token; None if they can: an active account that
    is a current member of staff, or a superuser without a staff record."""
    if user is None or not user.is_active:
        return "This account is disabled."
    staff = Staff.objects.filter(user_id=user.pk).only("left_on").first()
    if staff is None:
        return None if user.is_superuser else "This account has no staff record."
    if staff.left_on is not None:
        return "This member of staff has left."
    return None


def api_user_find(*, identifier: str):
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


def api_token_issue(*, user, name: str, by) -> tuple[ApiToken, str]:
    """Issue a token to `user`. Returns the token and its secret, which is never stored: show
    it once. `by` is the administrator (None from the command line)."""
    name = (name or "").strip()
    if by is not None and not can_manage_tokens(by):
        raise ValidationError("Only a system administrator can issue API tokens.", "not_allowed")
    errors = {}
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
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            token_hash=token_digest(secret),
            created_by=by,
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token: from now on it is refused. The row stays, for the record."""
    if by is not None and not can_manage_tokens(by):
        raise ValidationError("Only a system administrator can revoke API tokens.", "not_allowed")
    with transaction.atomic():
        now = timezone.now()
        done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by
        )
        if not done:
            raise ValidationError("This token has already been revoked.", "revoked")
        token.revoked_at, token.revoked_by = now, by
    return token


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The active token whose secret this is, with its user, if that user may still use it;
    otherwise None. Notes when it was used (at most once a minute)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    digest = token_digest(secret)
    candidates = ApiToken.objects.active().filter(prefix=secret[:PREFIX_LENGTH])
    token = None
    for candidate in candidates.select_related("user"):
        # Compare in constant time, so the comparison reveals nothing about the stored hash.
        if hmac.compare_digest(candidate.token_hash, digest):
            token = candidate
    if token is None or token_refusal(token.user) is not None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def access_record_many(*, request, object_type: str, records, case_id_of) -> int:
    """One access-log entry per record an API list returned, written in one INSERT: the same
    entry `caseaudit.accounts.services.access_record` writes for one record a page shows."""
    from caseaudit.accounts.models import AccessAction, AccessEvent
    from caseaudit.accounts.services import client_ip

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
