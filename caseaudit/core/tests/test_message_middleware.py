"""The message middleware (caseaudit/core/middleware.py): Django's, with the store made only
when a request uses it. Messages still reach the next page and are gone once shown; a
request that neither adds nor reads one leaves the messages cookie as it was."""

from django.contrib import messages
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.utils.functional import empty

from caseaudit.core.middleware import MessageMiddleware

COOKIE = "messages"


def adds(request):
    messages.success(request, "Audit saved.")
    return HttpResponse("added")


def reads(request):
    return HttpResponse(" | ".join(str(m) for m in messages.get_messages(request)))


def ignores(request):
    return HttpResponse("nothing to say")


def through(view, rf, cookies=None):
    request = rf.get("/")
    request.COOKIES.update(cookies or {})
    request.session = SessionStore()
    response = MessageMiddleware(view)(request)
    return request, response


def test_a_message_reaches_the_next_page_once(db, rf):
    _, added = through(adds, rf)
    cookie = added.cookies[COOKIE].value
    assert cookie
    _, shown = through(reads, rf, {COOKIE: cookie})
    assert shown.content.decode() == "Audit saved."
    assert shown.cookies[COOKIE].value == ""  # shown: the cookie is cleared
    _, again = through(reads, rf)
    assert again.content.decode() == ""


def test_a_request_that_does_not_use_messages_leaves_them_for_the_next_page(db, rf):
    _, added = through(adds, rf)
    cookie = added.cookies[COOKIE].value
    request, response = through(ignores, rf, {COOKIE: cookie})
    assert COOKIE not in response.cookies  # neither read nor cleared
    assert request._messages._wrapped is empty  # the store was never made
    _, shown = through(reads, rf, {COOKIE: cookie})
    assert shown.content.decode() == "Audit saved."
