"""The signed-in user of a request, read with their staff record in one prepared query.

Django's AuthenticationMiddleware reads the user on each request (ModelBackend.get_user, a
queryset compiled to SQL every time) and every page then reads the staff record
(`organisation.selectors.staff_for_user`: another query, with the team, service and line
manager). This middleware takes its place: `get_user` below is Django's
`django.contrib.auth.get_user` step for step (the session's user and backend, the backend
still configured, the account active, the session hash checked against the password, with
SECRET_KEY_FALLBACKS, the session flushed when it does not match), except that for the
backends that read the user with `ModelBackend.get_user` (Django's and allauth's) it reads
the user and their current staff record together with one prepared query
(`caseaudit.core.prepared`), and hands the staff record to `staff_for_user`. Other backends
are asked as Django would ask them.
"""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.utils.crypto import constant_time_compare, salted_hmac

from caseaudit.accounts import local_cache
from caseaudit.core.prepared import PreparedQuery
from caseaudit.organisation.selectors import STAFF_RELATED, remember_staff

_user_with_staff = PreparedQuery(
    lambda pk: (
        get_user_model()
        ._default_manager.select_related("staff", *(f"staff__{name}" for name in STAFF_RELATED))
        .filter(pk=pk)
    )
)


def user_with_staff(user_id):
    """The user with this id, or None; their current staff record (or None) is remembered
    for `staff_for_user`, with the same related objects it would have read. Kept by the
    process until they change (`local_cache`), each request getting objects of its own."""
    user = local_cache.user(user_id, lambda: _read_user(user_id))
    if user is None:
        return None
    try:
        staff = user.staff  # read by select_related: no query
    except ObjectDoesNotExist:
        staff = None
    remember_staff(user=user, staff=staff if staff is not None and staff.left_on is None else None)
    return user


def _read_user(user_id):
    rows = _user_with_staff(user_id)
    return rows[0] if rows else None


# Django's salt for `AbstractBaseUser.get_session_auth_hash`.
SESSION_AUTH_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


@lru_cache(maxsize=4096)
def _session_auth_hash(password: str, secret: str) -> str:
    return salted_hmac(
        SESSION_AUTH_HASH_SALT, password, secret=secret, algorithm="sha256"
    ).hexdigest()


def session_auth_hash_of(user) -> str:
    """`user.get_session_auth_hash()`, worked out once per password hash and secret in this
    process rather than on every request (an HMAC, about 3 µs of the 0.2 ms `/bench/ping` took)."""
    if type(user).get_session_auth_hash is not AbstractBaseUser.get_session_auth_hash:
        return user.get_session_auth_hash()
    return _session_auth_hash(user.password, settings.SECRET_KEY)


def get_user(request):
    """`django.contrib.auth.get_user` (Django 5.2), reading the user with `user_with_staff`
    for the ModelBackend family (see the module's docstring)."""
    user = None
    try:
        user_id = get_user_model()._meta.pk.to_python(request.session[SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            if type(backend).get_user is ModelBackend.get_user and type(user_id) is int:
                user = user_with_staff(user_id)
                if user is not None and not backend.user_can_authenticate(user):
                    user = None
            else:
                user = backend.get_user(user_id)
            # Verify the session
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    session_hash_verified = False
                else:
                    session_auth_hash = session_auth_hash_of(user)
                    session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
                if not session_hash_verified:
                    # If the current secret does not verify the session, try with the
                    # fallback secrets and stop when a matching one is found.
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback_auth_hash)
                        for fallback_auth_hash in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `get_user` above, read at once rather than lazily: every request that
    reaches it asks who is signed in (LoginRequiredMiddleware), and `request.user` is then the
    user itself, not a lazy object whose every attribute goes through a proxy."""

    def process_request(self, request):
        super().process_request(request)  # the checks, and request.auser as Django sets it
        request._cached_user = get_user(request)
        request.user = request._cached_user
