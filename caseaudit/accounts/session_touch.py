"""The idle timeout without a session write on every request.

Django renews a session's expiry (SESSION_COOKIE_AGE, the idle timeout) only when the session
is saved. Saving it on every request (SESSION_SAVE_EVERY_REQUEST) cost a write and a commit
per page, even for a page that changes nothing. SessionTouchMiddleware instead marks the
session modified at most once a minute (SESSION_TOUCH_SECONDS), with the time of that renewal
in the session itself: the stored expiry is then never more than a minute behind the last
request, so an idle session ends between SESSION_IDLE_SECONDS - 60 s and SESSION_IDLE_SECONDS
after its last request, and a busy one is written once a minute rather than on every page.

A session without the stamp counts from when it was signed in to (the sign-in saved it, with
a fresh expiry: `SIGNED_IN_AT_SESSION_KEY`); an anonymous session with data gets the stamp on
its next request. Empty sessions are left alone (nothing to keep alive, nothing to store).

It goes straight after Django's SessionMiddleware.
"""

from django.conf import settings
from django.utils import timezone

from .middleware import SIGNED_IN_AT_SESSION_KEY

TOUCHED_AT_SESSION_KEY = "caseaudit_touched_at"


def touch_interval() -> int:
    return getattr(settings, "SESSION_TOUCH_SECONDS", 60)


class SessionTouchMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # After the view: a sign-in or sign-out has already replaced or emptied the session.
        if session is None or session.is_empty():
            return response
        now = int(timezone.now().timestamp())  # the sessions' own clock (their expiry)
        if session.modified:  # saved anyway, with a fresh expiry: note when
            session[TOUCHED_AT_SESSION_KEY] = now
            return response
        renewed = session.get(TOUCHED_AT_SESSION_KEY, session.get(SIGNED_IN_AT_SESSION_KEY))
        if not isinstance(renewed, int) or not 0 <= now - renewed < touch_interval():
            session[TOUCHED_AT_SESSION_KEY] = now  # modified: SessionMiddleware saves it
        return response
