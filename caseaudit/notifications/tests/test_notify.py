import pytest
from django.core import mail
from django.db import transaction

from caseaudit.factories import StaffFactory
from caseaudit.notifications.attachments import attachment_content
from caseaudit.notifications.models import AttachmentKind, EmailStatus, Notification
from caseaudit.notifications.services import Attachment, notify


def test_notify_twice_with_one_key_makes_one_notification_and_one_email(org, send):
    first = send(recipient=org.worker, idempotency_key="response_due:1")
    second = send(recipient=org.worker, idempotency_key="response_due:1")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    first.refresh_from_db()
    assert first.email_status == EmailStatus.SENT
    assert first.email_sent_at is not None
    assert first.email_attempts == 1


def test_different_keys_are_different_notifications(org, send):
    send(recipient=org.worker, idempotency_key="response_due:1")
    send(recipient=org.ps1, idempotency_key="response_due:1:ps")
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.worker.email, org.ps1.email])


def test_the_email_is_plain_text_with_authority_and_full_link(org, send, settings):
    settings.AUTHORITY_NAME = "Shireshire County Council"
    settings.SITE_URL = "https://audit.shireshire.example"
    notification = send(recipient=org.worker, idempotency_key="k1")
    message = mail.outbox[0]
    assert message.to == [org.worker.email]
    assert message.subject == (
        "Shireshire County Council case audit: QA response due for case C100001"
    )
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", None)
    assert "due on 31 December 2026" in message.body
    assert f"https://audit.shireshire.example/notifications/{notification.pk}/" in message.body
    assert "Shireshire County Council" in message.body


def test_body_is_not_html_escaped(org, send):
    send(recipient=org.worker, idempotency_key="k1", body="Tom & Jerry's <case>")
    assert "Tom & Jerry's <case>" in mail.outbox[0].body


def test_a_multi_line_subject_becomes_one_line(org, send):
    send(recipient=org.worker, idempotency_key="k1", subject="Urgent finding\non case C1")
    assert mail.outbox[0].subject.endswith("Urgent finding on case C1")


def test_email_false_is_in_the_inbox_only(org, send):
    notification = send(recipient=org.worker, idempotency_key="k1", email=False)
    assert notification.email_status == EmailStatus.NOT_NEEDED
    assert mail.outbox == []


def test_a_recipient_without_an_email_address_is_not_emailed(db, send):
    staff = StaffFactory(user__email="")
    notification = send(recipient=staff, idempotency_key="k1")
    assert notification.email_status == EmailStatus.NOT_NEEDED
    assert mail.outbox == []


def test_nothing_is_sent_if_the_transaction_rolls_back(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(
                    recipient=org.worker,
                    kind="urgent_finding",
                    subject="Urgent finding on case C1",
                    body="...",
                    idempotency_key="k1",
                )
                raise RuntimeError("the audit could not be completed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "cases/1/"]
)
def test_only_internal_paths_are_accepted(org, url):
    with pytest.raises(ValueError):
        notify(
            recipient=org.worker,
            kind="urgent_finding",
            subject="s",
            body="b",
            url=url,
            idempotency_key="k",
        )


MADE = []


def make_pdf(object_id):
    MADE.append(object_id)
    return f"%PDF-1.7 audit {object_id}".encode()


def test_an_attachment_is_made_by_its_named_kind_when_the_email_is_sent(org, send, settings):
    MADE.clear()
    made = MADE
    settings.NOTIFICATION_ATTACHMENT_MAKERS = {AttachmentKind.AUDIT_PDF: f"{__name__}.make_pdf"}
    attachment = Attachment(name="audit-12.pdf", kind=AttachmentKind.AUDIT_PDF, object_id=12)
    notification = send(recipient=org.worker, idempotency_key="k1", attachment=attachment)
    notification.refresh_from_db()
    assert (notification.attachment_kind, notification.attachment_object_id) == ("audit_pdf", 12)
    assert made == [12]
    (name, content, mimetype) = mail.outbox[0].attachments[0]
    assert (name, content, mimetype) == ("audit-12.pdf", b"%PDF-1.7 audit 12", "application/pdf")


def test_an_attachment_kind_must_be_in_the_mapping(org):
    with pytest.raises(ValueError, match="attachment kind"):
        notify(
            recipient=org.worker,
            kind="response_required",
            subject="s",
            body="b",
            idempotency_key="k",
            attachment=Attachment(
                name="a.pdf", kind="caseaudit.responses.attachments.audit_pdf", object_id=1
            ),
        )
    assert not Notification.objects.exists()


def test_the_audit_pdf_kind_is_the_responses_apps_pdf(monkeypatch):
    from caseaudit.responses import attachments as response_attachments

    calls = []
    monkeypatch.setattr(response_attachments, "audit_pdf", lambda **kw: calls.append(kw) or b"x")
    assert attachment_content(kind="audit_pdf", object_id=7) == b"x"
    assert calls == [{"audit_id": 7}]


def test_an_unknown_kind_is_refused(org):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(recipient=org.worker, kind="x", subject="s", body="b", idempotency_key="k")
    assert not Notification.objects.exists()


def test_every_attachment_kind_has_a_maker():
    """The wiring in settings covers every kind a notification can name, and each resolves to
    a function (the notifications app imports none of them: docs/CONVENTIONS.md, "Layers")."""
    from caseaudit.notifications.attachments import attachment_kinds, attachment_maker

    assert attachment_kinds() == set(AttachmentKind.values)
    assert all(callable(attachment_maker(kind)) for kind in AttachmentKind.values)
