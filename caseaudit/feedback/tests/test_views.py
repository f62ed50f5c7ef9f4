"""The staff pages: asking the family (Notify through a local stub, and the letter), cancelling,
the collaborative audit, and the family's words on the audit, its PDF and the QA response,
escaped."""

import pytest
from django.test import Client
from django.urls import reverse

from caseaudit.audits.pdf import audit_pdf_html
from caseaudit.feedback import services
from caseaudit.feedback.models import (
    Collaboration,
    Delivery,
    FeedbackRequest,
    RequestStatus,
)
from caseaudit.feedback.tokens import token_digest, token_normalise
from caseaudit.notifications.models import Notification, NotificationKind
from caseaudit.responses.models import QAResponse

from .conftest import answer, complete
from .notify_stub import API_KEY, NotifyStub

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def ask_url(audit):
    return reverse("feedback_request_new", args=[audit.pk])


@pytest.mark.parametrize(
    "who,status",
    [
        ("csm_north", 200),  # the auditor
        ("worker", 403),  # sees the audit, not theirs to ask
        ("tm", 403),
        ("business_support", 404),  # does not read audits' text
        ("colleague", 404),
        ("outsider", 404),
    ],
)
def test_who_may_ask_the_family(org, login, draft, who, status):
    assert login(getattr(org, who)).get(ask_url(draft)).status_code == status


def test_the_letter_without_notify(org, login, draft, settings):
    settings.NOTIFY_API_KEY = ""
    client = login(org.csm_north)
    page = client.get(ask_url(draft))
    assert 'id="no-notify"' in page.content.decode()
    assert 'value="email"' not in page.content.decode()
    response = client.post(
        ask_url(draft), {"relationship": "young_person", "audience": "child", "channel": "letter"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    request = FeedbackRequest.objects.get()
    link = response.context["link"]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert request.token_digest == token_digest(token)
    assert link in body
    assert "<svg" in body and "QR code of the feedback link" in body
    assert response.context["code"] in body
    assert token_normalise(response.context["code"]) == token
    assert "Tell us what you think" in body  # the child-friendly letter
    assert org.case.display_name not in body.split('id="letter"')[1]
    # The family's link works.
    assert Client().get(f"/feedback/f/{token}/").status_code == 200


def test_the_form_asks_for_the_address_it_needs(org, login, draft, settings):
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_EMAIL_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    settings.NOTIFY_SMS_TEMPLATE_ID = "4ee3c1a2-7c5b-4a3d-9b5e-5bd0a1b0f6a1"
    client = login(org.csm_north)
    response = client.post(
        ask_url(draft),
        {"relationship": "parent", "audience": "standard", "channel": "sms", "phone": "123"},
    )
    assert response.status_code == 200
    assert "Enter a UK mobile number" in response.content.decode()
    response = client.post(
        ask_url(draft),
        {"relationship": "parent", "audience": "standard", "channel": "email", "email": "no"},
    )
    assert "Enter an email address" in response.content.decode()
    assert not FeedbackRequest.objects.exists()


@pytest.mark.parametrize(
    "channel,field,value",
    [("email", "email", "parent@example.org"), ("sms", "phone", "07700 900982")],
)
def test_sending_through_notify(org, login, draft, settings, channel, field, value):
    with NotifyStub() as stub:
        settings.NOTIFY_API_KEY = API_KEY
        settings.NOTIFY_BASE_URL = stub.url
        settings.NOTIFY_EMAIL_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
        settings.NOTIFY_SMS_TEMPLATE_ID = "4ee3c1a2-7c5b-4a3d-9b5e-5bd0a1b0f6a1"
        response = login(org.csm_north).post(
            ask_url(draft),
            {"relationship": "carer", "audience": "standard", "channel": channel, field: value},
        )
    assert response.status_code == 200
    assert "Request sent" in response.content.decode()
    request = FeedbackRequest.objects.get()
    assert request.delivery == Delivery.SENT and request.notify_id
    (message,) = stub.messages
    assert message["kind"] == channel
    assert message["reference"] == f"feedback-request-{request.pk}"
    link = message["personalisation"]["link"]
    assert request.token_digest == token_digest(link.rstrip("/").rsplit("/", 1)[-1])
    assert message["personalisation"]["council"] == settings.AUTHORITY_NAME
    sent_to = message.get("email_address") or message.get("phone_number")
    assert sent_to == value.replace(" ", "")
    # Used once and not kept: not on the request, not in any notification, not on the page.
    kept = [str(v) for v in FeedbackRequest.objects.values().get().values()]
    assert not any(sent_to in v for v in kept)
    assert not Notification.objects.filter(body__contains=sent_to).exists()
    assert sent_to not in response.content.decode()
    assert link not in response.content.decode()


def test_a_refusal_from_notify_falls_back_to_the_letter(org, login, draft, settings):
    with NotifyStub() as stub:
        stub.refuse_with = (400, "phone_number Not a UK mobile number")
        settings.NOTIFY_API_KEY = API_KEY
        settings.NOTIFY_BASE_URL = stub.url
        settings.NOTIFY_SMS_TEMPLATE_ID = "4ee3c1a2-7c5b-4a3d-9b5e-5bd0a1b0f6a1"
        response = login(org.csm_north).post(
            ask_url(draft),
            {
                "relationship": "parent",
                "audience": "standard",
                "channel": "sms",
                "phone": "07700900982",
            },
        )
    body = response.content.decode()
    assert "Not a UK mobile number" in body
    assert 'id="letter"' in body
    assert FeedbackRequest.objects.get().delivery == Delivery.FAILED


def test_notify_unreachable_falls_back_to_the_letter(org, login, draft, settings):
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.NOTIFY_EMAIL_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    response = login(org.csm_north).post(
        ask_url(draft),
        {
            "relationship": "parent",
            "audience": "standard",
            "channel": "email",
            "email": "a@example.org",
        },
    )
    assert "could not be reached" in response.content.decode()
    assert 'id="letter"' in response.content.decode()


def test_only_a_draft_is_asked_about(org, login, draft, make_request):
    complete(draft, org.csm_north)
    assert login(org.csm_north).get(ask_url(draft)).status_code == 403


def test_cancelling_a_request(org, login, make_request, draft):
    request, token = make_request()
    url = reverse("feedback_request_cancel", args=[request.pk])
    assert login(org.worker).post(url).status_code == 403
    assert login(org.tm).post(url).status_code == 403
    assert login(org.colleague).post(url).status_code == 404
    response = login(org.csm_north).post(url)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert Client().get(f"/feedback/f/{token}/").status_code == 404
    # Again: nothing to cancel (the audit page says so).
    again = login(org.csm_north).post(url, follow=True)
    assert "already been answered or cancelled" in again.content.decode()


def test_the_familys_words_on_the_audit_pdf_and_response_escaped(org, login, draft, make_request):
    _request, token = make_request()
    answer(Client(), token, going_well=XSS, worries="Fine", would_like=XSS, scale="3")
    complete(draft, org.csm_north)
    for who in (org.csm_north, org.tm, org.worker):
        body = login(who).get(reverse("audit_detail", args=[draft.pk])).content.decode()
        assert 'id="family-feedback"' in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
        assert "<img src=x" not in body and "<script>alert" not in body
    html = audit_pdf_html(draft)
    assert "In the family&#x27;s own words" in html or "In the family's own words" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    response = QAResponse.objects.get(audit=draft)
    body = login(org.worker).get(reverse("response_detail", args=[response.pk])).content.decode()
    assert "&lt;script&gt;" in body and "<script>alert" not in body


def test_business_support_does_not_read_the_familys_words(org, login, draft, make_request):
    _request, token = make_request()
    answer(Client(), token, going_well="Private words")
    complete(draft, org.csm_north)
    response = QAResponse.objects.get(audit=draft)
    page = login(org.business_support).get(reverse("response_detail", args=[response.pk]))
    assert "Private words" not in page.content.decode()


# --- The collaborative audit -------------------------------------------------------------


def invite_url(audit):
    return reverse("collaboration_invite", args=[audit.pk])


def reflect_url(audit):
    return reverse("collaboration_reflect", args=[audit.pk])


def test_inviting_the_practitioner(org, login, draft):
    assert login(org.worker).post(invite_url(draft)).status_code == 403
    assert login(org.outsider).post(invite_url(draft)).status_code == 404
    response = login(org.csm_north).post(invite_url(draft))
    assert response.status_code == 302
    collaboration = Collaboration.objects.get()
    assert collaboration.practitioner == org.worker
    note = Notification.objects.get(kind=NotificationKind.COLLABORATION_INVITED)
    assert note.recipient == org.worker and note.url == reflect_url(draft)
    # A second invitation is refused kindly (a message, nothing new).
    login(org.csm_north).post(invite_url(draft))
    assert Collaboration.objects.count() == 1


def test_the_practitioner_reads_the_draft_and_reflects(org, login, draft):
    services.collaboration_invite(audit=draft, by=org.csm_north.user)
    assert login(org.tm).get(reflect_url(draft)).status_code == 403
    assert login(org.csm_north).get(reflect_url(draft)).status_code == 403
    assert login(org.colleague).get(reflect_url(draft)).status_code == 404
    client = login(org.worker)
    page = client.get(reflect_url(draft))
    assert page.status_code == 200
    assert reverse("audit_detail", args=[draft.pk]) in page.content.decode()
    # The draft, read-only.
    audit_page = client.get(reverse("audit_detail", args=[draft.pk]))
    assert audit_page.status_code == 200
    assert 'id="write-reflection"' in audit_page.content.decode()
    assert client.get(reverse("audit_edit", args=[draft.pk])).status_code == 404
    empty = client.post(reflect_url(draft), {})
    assert "Write at least one part" in empty.content.decode()
    response = client.post(
        reflect_url(draft),
        {"proud_of": XSS, "do_differently": "Visit sooner", "support_needed": "Supervision"},
    )
    assert response.status_code == 302
    collaboration = Collaboration.objects.get()
    assert collaboration.reflected_at is not None and collaboration.proud_of == XSS
    note = Notification.objects.get(kind=NotificationKind.COLLABORATION_REFLECTED)
    assert note.recipient == org.csm_north
    # Changing it tells the auditor once only.
    client.post(reflect_url(draft), {"proud_of": "Edited"})
    assert Notification.objects.filter(kind=NotificationKind.COLLABORATION_REFLECTED).count() == 1
    body = login(org.csm_north).get(reverse("audit_detail", args=[draft.pk])).content.decode()
    assert "Edited" in body
    assert "Supervision" not in body  # the second save replaced the whole reflection


def test_the_audit_conversation(org, login, draft):
    services.collaboration_invite(audit=draft, by=org.csm_north.user)
    url = reverse("collaboration_conversation", args=[draft.pk])
    assert login(org.worker).get(url).status_code == 403
    client = login(org.csm_north)
    assert client.get(url).status_code == 200
    future = client.post(url, {"held_on": "2099-01-01", "participants": "Us"})
    assert "cannot be in the future" in future.content.decode()
    response = client.post(url, {"held_on": "2026-11-02", "participants": "Sam (practitioner)"})
    assert response.status_code == 302
    collaboration = Collaboration.objects.get()
    assert str(collaboration.conversation_on) == "2026-11-02"
    body = client.get(reverse("audit_detail", args=[draft.pk])).content.decode()
    assert "Sam (practitioner)" in body
    complete(draft, org.csm_north)
    html = audit_pdf_html(draft)
    assert "The practitioner" in html and "Sam (practitioner)" in html


def test_no_invitation_without_an_allocated_worker(org, login, draft):
    draft.case.allocated_worker = None
    draft.case.save()
    response = login(org.csm_north).post(invite_url(draft))
    assert response.status_code == 302
    assert not Collaboration.objects.exists()


def test_the_family_contact_task_include(org, rf, draft, make_request):
    from django.template.loader import render_to_string

    make_request()
    request = rf.get("/")
    request.user = org.csm_north.user
    html = render_to_string(
        "feedback/includes/family_contact_task.html", {"audit": draft, "request": request}
    )
    assert 'id="ask-family"' in html and 'id="feedback-requests"' in html
    assert 'id="invite-practitioner"' in html
    request.user = org.tm.user
    html = render_to_string(
        "feedback/includes/family_contact_task.html", {"audit": draft, "request": request}
    )
    assert "ask-family" not in html


# --- Subject access and erasure (caseaudit.dataprotection) -------------------------------


def test_subject_access_and_erasure_include_feedback_and_reflections(org, draft, make_request):
    from caseaudit.dataprotection.services import case_erase
    from caseaudit.dataprotection.subject_access import subject_access_document

    request, token = make_request()
    make_request()
    answer(Client(), token, going_well="Words for the DPO", scale="6")
    collaboration = services.collaboration_invite(audit=draft, by=org.csm_north.user)
    services.reflection_save(
        collaboration=collaboration,
        by=org.worker.user,
        proud_of="Proud",
        do_differently="",
        support_needed="",
    )
    document = subject_access_document(case=org.case)
    assert len(document["family_feedback"]) == 2
    answered = next(r for r in document["family_feedback"] if r["answer"])
    assert answered["answer"]["going_well"] == "Words for the DPO"
    assert all("token_digest" not in r for r in document["family_feedback"])
    assert document["collaborations"][0]["proud_of"] == "Proud"
    assert str(org.worker.pk) in {str(k) for k in document["people"]["staff"]} or any(
        p.get("id") == org.worker.pk for p in document["people"].get("staff", [])
    )

    case_erase(case=org.case, by=org.director.user, reason="Retention period ended.")
    assert not FeedbackRequest.objects.exists()
    assert not Collaboration.objects.exists()
    assert not Notification.objects.filter(
        kind__in=[
            NotificationKind.FEEDBACK_RECEIVED,
            NotificationKind.COLLABORATION_INVITED,
            NotificationKind.COLLABORATION_REFLECTED,
        ]
    ).exists()


def test_the_family_contact_task_page_links_to_the_request(org, login, draft, make_request):
    make_request()
    body = (
        login(org.csm_north)
        .get(reverse("audit_task", args=[draft.pk, "family-contact"]))
        .content.decode()
    )
    assert 'id="feedback-task"' in body and reverse("feedback_request_new", args=[draft.pk]) in body
    assert 'id="feedback-requests"' in body and 'id="invite-practitioner"' in body
