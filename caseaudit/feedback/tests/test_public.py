"""The family's public form: single use, expiry, no enumeration, rate limits, no cookies, its
own CSP, and nothing about the case on it."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from caseaudit.feedback import services
from caseaudit.feedback.models import Audience, FamilyFeedback, FeedbackRequest, RequestStatus
from caseaudit.feedback.tokens import token_digest, token_display, token_new
from caseaudit.notifications.models import Notification, NotificationKind

from .conftest import answer

pytestmark = pytest.mark.django_db


def test_only_the_digest_is_stored(make_request):
    request, token = make_request()
    assert request.token_digest == token_digest(token)
    stored = FeedbackRequest.objects.filter(token_digest__contains=token).exists()
    assert not stored
    assert request.expires_at - request.created_at == dt.timedelta(days=14)


def test_the_family_answers_once(org, make_request):
    request, token = make_request()
    client = Client()
    response = answer(
        client,
        token,
        going_well="The social worker listens.",
        worries="Too many changes of worker.",
        would_like="One worker who stays.",
        scale="7",
        share="yes",
    )
    assert response.status_code == 302
    assert response["Location"] == "/feedback/f/thanks/"
    feedback = FamilyFeedback.objects.get()
    assert feedback.audit_id == request.audit_id
    assert (feedback.scale, feedback.share_consent) == (7, True)
    assert feedback.would_like == "One worker who stays."
    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED
    note = Notification.objects.get(kind=NotificationKind.FEEDBACK_RECEIVED)
    assert note.recipient == org.csm_north
    assert org.case.display_name not in note.subject + note.body

    # Used: the same kind page as an unknown link, for the form and for a second answer.
    again = client.get(f"/feedback/f/{token}/")
    assert again.status_code == 404
    assert "This link cannot be used" in again.content.decode()
    repost = client.post(f"/feedback/f/{token}/", {"going_well": "Again"})
    assert repost.status_code == 404
    assert FamilyFeedback.objects.count() == 1


def test_a_second_answer_racing_the_first_is_refused(make_request):
    _request, token = make_request()
    services.feedback_submit(
        token=token, going_well="First", worries="", would_like="", scale=None, share_consent=False
    )
    with pytest.raises(services.LinkUnusable):
        services.feedback_submit(
            token=token,
            going_well="Second",
            worries="",
            would_like="",
            scale=5,
            share_consent=False,
        )
    assert list(FamilyFeedback.objects.values_list("going_well", flat=True)) == ["First"]


def test_an_expired_link(make_request):
    request, token = make_request()
    FeedbackRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = Client().get(f"/feedback/f/{token}/")
    assert response.status_code == 404
    with pytest.raises(services.LinkUnusable):
        services.feedback_submit(
            token=token,
            going_well="Late",
            worries="",
            would_like="",
            scale=None,
            share_consent=False,
        )


def test_a_cancelled_link(org, make_request):
    request, token = make_request()
    services.feedback_request_cancel(request=request, by=org.csm_north.user)
    assert Client().get(f"/feedback/f/{token}/").status_code == 404


def _shape(response):
    """What a visitor can compare: status, headers that matter, and the body."""
    return (
        response.status_code,
        response.get("Content-Security-Policy"),
        response.get("Cache-Control"),
        response.content,
    )


def test_unknown_used_and_expired_look_the_same(org, make_request):
    used_request, used = make_request()
    services.feedback_submit(
        token=used, going_well="x", worries="", would_like="", scale=None, share_consent=False
    )
    expired_request, expired = make_request()
    FeedbackRequest.objects.filter(pk=expired_request.pk).update(expires_at=timezone.now())
    cancelled_request, cancelled = make_request()
    services.feedback_request_cancel(request=cancelled_request, by=org.csm_north.user)
    shapes = {
        _shape(Client().get(f"/feedback/f/{token}/"))
        for token in (token_new(), used, expired, cancelled, "not-a-token", token_display(used))
    }
    assert len(shapes) == 1


def test_the_lookup_costs_the_same_for_any_token(make_request, django_assert_num_queries):
    _request, token = make_request()
    for candidate in (token, token_new(), "short"):
        with django_assert_num_queries(1):
            Client().get(f"/feedback/f/{candidate}/")


def test_a_typed_code_is_forgiving(make_request):
    _request, token = make_request()
    typed = token_display(token).lower().replace("0", "o").replace("1", "l")
    response = Client().get("/feedback/f/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/f/{token}/"
    assert Client().get(f"/feedback/f/{token_display(token)}/").status_code == 200
    bad = Client().get("/feedback/f/", {"code": "ABC"})
    assert bad.status_code == 200 and "Enter the code" in bad.content.decode()


def test_guessing_is_rate_limited_per_address(settings):
    settings.FEEDBACK_RATE_PER_ADDRESS = "5/600"
    client = Client()
    statuses = [client.get(f"/feedback/f/{token_new()}/").status_code for _ in range(7)]
    assert statuses == [404] * 5 + [429] * 2
    # Another address is not held up.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(f"/feedback/f/{token_new()}/").status_code == 404


def test_one_link_is_rate_limited_from_any_address(settings, make_request):
    settings.FEEDBACK_RATE_PER_TOKEN = "3/3600"
    _request, token = make_request()
    statuses = [
        Client(REMOTE_ADDR=f"10.0.1.{n}").get(f"/feedback/f/{token}/").status_code for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    # The limit does not tell a real link from a made-up one.
    unknown = token_new()
    statuses = [
        Client(REMOTE_ADDR=f"10.0.2.{n}").get(f"/feedback/f/{unknown}/").status_code
        for n in range(5)
    ]
    assert statuses == [404, 404, 404, 429, 429]


def test_public_pages_set_no_cookie_and_their_own_policy(make_request):
    _request, token = make_request()
    client = Client(enforce_csrf_checks=True)
    for response in (
        client.get(f"/feedback/f/{token}/"),
        client.get("/feedback/f/"),
        client.get("/feedback/f/thanks/"),
        client.get(f"/feedback/f/{token_new()}/"),
    ):
        assert not response.cookies, response.cookies
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
        assert "form-action 'self'" in policy
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]
        assert b"<script" not in response.content
    # The answer needs no CSRF cookie (the signed form token stands in), and sets none.
    response = answer(client, token, going_well="Fine")
    assert response.status_code == 302
    assert not response.cookies
    assert not client.cookies


def test_a_post_without_the_signed_form_token_is_refused(make_request):
    _request, token = make_request()
    client = Client()
    response = client.post(f"/feedback/f/{token}/", {"going_well": "Words", "form_token": "x"})
    assert response.status_code == 200
    assert "press the button again" in response.content.decode()
    assert "Words" in response.content.decode()  # kept for them
    assert not FamilyFeedback.objects.exists()


def test_an_empty_answer_is_asked_again(make_request):
    _request, token = make_request()
    response = answer(Client(), token)
    assert response.status_code == 200
    assert "Write something in at least one box" in response.content.decode()
    assert FeedbackRequest.objects.get().status == RequestStatus.OPEN


def test_the_form_shows_nothing_about_the_case(org, make_request, draft):
    draft.case.display_name = "Zebedee Quartermain"
    draft.case.save()
    _request, token = make_request()
    for words in ("", "?words=child", "?words=standard"):
        body = Client().get(f"/feedback/f/{token}/{words}").content.decode()
        for secret in (
            "Zebedee",
            "Quartermain",
            org.case.reference,
            org.worker.name,
            org.csm_north.name,
            org.north_a.name,
            "Generic",
        ):
            assert secret not in body, secret
        assert "Demo County Council" in body or "your social worker" in body
        assert "your social worker's team asked for your views" in body.lower()


def test_child_friendly_version(make_request):
    _request, token = make_request(audience=Audience.CHILD)
    body = Client().get(f"/feedback/f/{token}/").content.decode()
    assert "What worries me" in body
    assert "What I would like to happen" in body
    assert "0 means really bad. 10 means really good." in body
    standard = Client().get(f"/feedback/f/{token}/?words=standard").content.decode()
    assert "What worries you?" in standard
    assert "0 means not good at all. 10 means very good." in standard


def test_thanks_page_in_child_words(make_request):
    _request, token = make_request(audience=Audience.CHILD)
    response = answer(Client(), token, worries="School", words="child")
    assert response["Location"] == "/feedback/f/thanks/?words=child"
    assert "We got what you wrote" in Client().get(response["Location"]).content.decode()
