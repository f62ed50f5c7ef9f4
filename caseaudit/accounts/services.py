from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import AccessAction, AccessEvent, SecurityEvent

USER_AGENT_MAX = 200


def client_ip(request) -> str | None:
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
    *, request, action: str = AccessAction.VIEW, object_type: str, object_id, case_id=None
) -> AccessEvent:
    """Append one entry to the access log for the current request.

    The record is remembered on the request: if the response is then a 403 (the user may see
    the record but not do what they asked), `AccessDeniedMiddleware` adds a "denied" entry."""
    request._caseaudit_access_subject = (object_type, str(object_id), case_id)
    return AccessEvent.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        path=request.path[:200],
        ip_address=client_ip(request),
    )


def access_denied_record(*, user, object_type: str, object_id, case_id=None) -> AccessEvent | None:
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
    *, kind: str, request=None, user=None, by=None, email_tried: str = "", detail: str = ""
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
        detail=(detail or "")[:40],
        ip_address=client_ip(request),
        user_agent=user_agent[:USER_AGENT_MAX],
    )


def user_sessions_end(*, user) -> int:
    """End every session of this account at once (all browsers, all devices).

    allauth.usersessions keeps the index of a user's sessions (a row per sign-in); ending
    one deletes it from the session store, so that browser is signed out at its next request.
    """
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user_id=user.pk))
    get_adapter().end_sessions(sessions)
    return len(sessions)


def account_disable(*, user, by) -> None:
    """Disable an account: it can no longer sign in and all its sessions end now.

    The same happens when an administrator clears "active" in the Django admin (see
    receivers.user_saved); this service is the explicit way, recording who did it.
    """
    if user.pk == getattr(by, "pk", None):
        raise ValidationError("You cannot disable your own account.")
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            locked.is_active = False
            locked._caseaudit_disabled_by = by  # read by receivers.user_saved
            locked.save(update_fields=["is_active"])
    user.is_active = False
