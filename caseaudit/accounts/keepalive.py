""" "Stay signed in": the timeout warning's keep-alive (static/core/js/timeout.js).

The idle timeout is the session's age (SESSION_COOKIE_AGE) from its last save. The session is
modified here, so it is saved, and its expiry pushed back, even when the session engine only
saves an unmodified session once in a while.
"""

import time

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

KEEPALIVE_SESSION_KEY = "caseaudit_keepalive"


@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """Renew the signed-in session (204). Anonymous: sent to sign in, as every page is."""
    request.session[KEEPALIVE_SESSION_KEY] = int(time.time())
    return HttpResponse(status=204)
