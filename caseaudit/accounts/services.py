import datetime as dt
from functools import partial

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from caseaudit.core.prepared import PreparedInsert
from caseaudit.core.typing import Actor, By, User
from caseaudit.organisation.models import Staff

from .models import AccessAction, AccessEvent, SecurityEvent, SecurityEventKind
from .policy import RANK_ADMINISTRATOR, account_privilege_rank, can_manage_account

USER_AGENT_MAX = 200
DETAIL_MAX = 200
# The request attribute `access_record` leaves for `AccessDeniedMiddleware`: what was shown.
ACCESS_SUBJECT = "_caseaudit_access_subject"


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry that the
    `ALLAUTH_TRUSTED_PROXY_COUNT` setting trusts when the app runs behind a proxy."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ImproperlyConfigured, PermissionDenied

    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return request.META.get("REMOTE_ADDR") or None


def access_record(
    *,
    request: HttpRequest,
    action: str = AccessAction.VIEW,
    object_type: str,
    object_id: int | str,
    case_id: int | None = None,
) -> AccessEvent:
    """Append one entry to the access log for the current request.

    The record is remembered on the request: if the response is then a 403 (the user may see
    the record but not do what they asked), `AccessDeniedMiddleware` adds a "denied" entry."""
    setattr(request, ACCESS_SUBJECT, (object_type, str(object_id), case_id))
    return _insert_access_event(
        AccessEvent(
            user=request.user if request.user.is_authenticated else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            case_id=case_id,
            path=request.path[:200],
            ip_address=client_ip(request),
        )
    )


# Every page about a child writes one: the INSERT compiled once (caseaudit/core/prepared.py).
_insert_access_event = PreparedInsert(AccessEvent)


def access_denied_record(
    *, user: Actor, object_type: str, object_id: int | str, case_id: int | None = None
) -> AccessEvent | None:
    """Log a refused attempt to open a record that exists but that `user` may not see.

    Called by the scoped selectors (`case_get`, `audit_get`, `response_get`...) just before
    they answer 404, so every page and API operation that reads a record through them is
    covered. The request (for the path and address) is the current one, as allauth's
    middleware keeps it; outside a request (a command, a test calling a selector) they stay
    empty. Anonymous users are not logged (they are sent to sign in before any view runs)."""
    if user is None or not user.is_authenticated:
        return None
    from allauth.core import context

    request = context.request
    return AccessEvent.objects.create(
        user=user,
        action=AccessAction.DENIED,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        path=request.path[:200] if request is not None else "",
        ip_address=client_ip(request),
    )


def security_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: Actor | None = None,
    by: By = None,
    email_tried: str = "",
    detail: str = "",
    email_before: str = "",
    email_after: str = "",
) -> SecurityEvent:
    """Append one entry to the security log. Never pass a password or a code here."""
    if request is None:
        from allauth.core import context

        request = context.request  # the current request, when there is one
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        by=by if by is not None and by.pk else None,
        email_tried=(email_tried or "")[:254],
        detail=(detail or "")[:DETAIL_MAX],
        email_before=(email_before or "")[:254],
        email_after=(email_after or "")[:254],
        ip_address=client_ip(request),
        user_agent=user_agent[:USER_AGENT_MAX],
    )


def user_sessions_end(*, user: User) -> int:
    """End every session of this account at once (all browsers, all devices).

    allauth.usersessions keeps the index of a user's sessions (a row per sign-in); ending
    one deletes it from the session store, so that browser is signed out at its next request.
    """
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user_id=user.pk))
    get_adapter().end_sessions(sessions)
    return len(sessions)


def account_disable(*, user: User, by: By, reason: str = "") -> None:
    """Disable an account: it can no longer sign in, all its sessions end now, and the security
    log records ACCOUNT_DISABLED with who did it (`by`; None for the system, e.g. a command run
    on the server) and why (`reason`, e.g. "left").

    The one way to disable an account: the Django admin (clearing "active" on a user, or
    setting "left on" on a staff record) and every service that marks a leaver call it.
    Idempotent and safe when two run at once: the account's row is locked, and only the call
    that finds it active logs the event (sessions are ended by every call, which is harmless).
    """
    if by is not None:
        if user.pk == by.pk:
            raise ValidationError("You cannot disable your own account.")
        if not can_manage_account(actor=by, target=user):
            raise PermissionDenied("You cannot disable an account with more privilege than yours.")
    user_model = get_user_model()
    with transaction.atomic():
        locked = user_model.objects.select_for_update().get(pk=user.pk)
        was_active = locked.is_active
        if was_active:
            user_model.objects.filter(pk=locked.pk).update(is_active=False)
            locked.is_active = False
        user_sessions_end(user=locked)
        if was_active:
            security_event_record(
                kind=SecurityEventKind.ACCOUNT_DISABLED, user=locked, by=by, detail=reason
            )
    user.is_active = False


def account_identity_change(*, user: User, email: str, by: By, username: str | None = None) -> None:
    """Change an existing account's email address (and, if given, its username): the only way.

    For system administrators only (and never on an account above their own). In one
    transaction: the address (and allauth's EmailAddress rows, left with one primary row for
    the new address) changes, any single sign-on link (allauth SocialAccount) is dropped so the
    account must be linked again by signing in with the new identity, every session of the
    account ends, and the security log records IDENTITY_CHANGED with the old and new address
    and who did it. After the commit the OLD address is told by email (task worker), so a
    hijack through a changed address does not go unnoticed.
    """
    if account_privilege_rank(by) < RANK_ADMINISTRATOR:
        raise PermissionDenied("Only a system administrator can change an account's email.")
    if not can_manage_account(actor=by, target=user):
        raise PermissionDenied("You cannot change an account with more privilege than yours.")
    user_model = get_user_model()
    # Lower case, as allauth stores and looks up addresses (and as the staff import does).
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.com"
        ) from None
    others = user_model.objects.exclude(pk=user.pk)
    if others.filter(email__iexact=email).exists() or _email_address_taken(email, user):
        raise ValidationError("Another account already uses that email address")
    if username is not None:
        username = username.strip()
        if not username:
            raise ValidationError("Enter a username")
        if others.filter(username__iexact=username).exists():
            raise ValidationError("Another account already uses that username")
    with transaction.atomic():
        locked = user_model.objects.select_for_update().get(pk=user.pk)
        old_email, old_username = locked.email, locked.username
        fields = []
        if email != old_email:
            locked.email = email
            fields.append("email")
        if username is not None and username != locked.username:
            locked.username = username
            fields.append("username")
        if not fields:
            raise ValidationError("That is already the account's email address")
        locked.save(update_fields=fields)
        _email_addresses_replace(user=locked, email=email)
        unlinked = _sso_links_remove(user=locked)
        user_sessions_end(user=locked)
        detail = [f"changed {'+'.join(fields)}"]
        if "username" in fields:
            detail.append(f"username was {old_username}")
        if unlinked:
            detail.append(f"single sign-on unlinked ({unlinked})")
        security_event_record(
            kind=SecurityEventKind.IDENTITY_CHANGED,
            user=locked,
            by=by,
            email_before=old_email,
            email_after=locked.email,
            detail="; ".join(detail),
        )
        if old_email and old_email.casefold() != email.casefold():
            transaction.on_commit(
                partial(_identity_change_notify, old_email=old_email, new_email=email),
                robust=True,
            )
    user.email = locked.email
    user.username = locked.username


def _email_address_taken(email: str, user: User) -> bool:
    if not apps.is_installed("allauth.account"):
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(email__iexact=email).exclude(user_id=user.pk).exists()


def _email_addresses_replace(*, user: User, email: str) -> None:
    """Leave allauth's address book of the account with one primary row: the new address.
    Verified, because an administrator set it (nobody here verifies addresses by email)."""
    if not apps.is_installed("allauth.account"):
        return
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user_id=user.pk).exclude(email__iexact=email).delete()
    address = EmailAddress.objects.filter(user_id=user.pk, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    elif not (address.primary and address.verified and address.email == email):
        address.email, address.primary, address.verified = email, True, True
        address.save(update_fields=["email", "primary", "verified"])


def _sso_links_remove(*, user: User) -> int:

    if not apps.is_installed("allauth.socialaccount"):
        return 0
    from allauth.socialaccount.models import SocialAccount

    deleted, _ = SocialAccount.objects.filter(user_id=user.pk).delete()
    return deleted


def _identity_change_notify(*, old_email: str, new_email: str) -> None:
    """Tell the old address its account now signs in with another (sent by the task worker)."""
    from django.conf import settings
    from django.core.mail import EmailMessage

    from .tasks import email_enqueue

    body = (
        f"The email address of your {settings.SERVICE_NAME.lower()} account at "
        f"{settings.AUTHORITY_NAME} was changed by a system administrator.\n\n"
        "From now on the account signs in with another address, and every session that was "
        "signed in has been ended.\n\n"
        "If you did not expect this, contact the service desk or your system administrator "
        "now.\n"
    )
    message = EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your account's email address changed",
        body=body,
        to=[old_email],
    )
    email_enqueue(message=message)


def staff_mark_left(*, staff: Staff, by: By, left_on: dt.date | None = None) -> Staff:
    """Record that a member of staff has left (on `left_on`, default today) and disable their
    account through `account_disable` (sessions end, the security log says who), in one
    transaction. `by` is who did it (None: the system). Again for someone who has left keeps
    the first date and makes sure the account is disabled.

    Here rather than in `organisation`: the step ends in accounts, which sit above the
    organisation (docs/CONVENTIONS.md, "Layers")."""
    with transaction.atomic():
        locked = Staff.objects.select_for_update().select_related("user").get(pk=staff.pk)
        if locked.left_on is None:
            locked.left_on = left_on or timezone.localdate()
            locked.save(update_fields=["left_on"])
        account_disable(user=locked.user, by=by, reason="left")
    staff.left_on = locked.left_on
    staff.user.is_active = False
    return staff
