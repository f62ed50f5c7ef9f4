"""The inbox pages, with the personas: the owner, a colleague, an anonymous visitor."""

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.factories import UserFactory
from caseaudit.notifications.models import EmailStatus, Notification
from caseaudit.notifications.selectors import notification_list
from caseaudit.notifications.services import notify


def make(recipient, n=1, **kwargs):
    made = []
    for _ in range(n):
        i = Notification.objects.count() + 1
        made.append(
            notify(
                recipient=recipient,
                kind=kwargs.get("kind", "response_required"),
                subject=kwargs.get("subject", f"QA response due for case C{i}"),
                body=kwargs.get("body", f"Body {i}"),
                url=kwargs.get("url", f"/cases/{i}/"),
                idempotency_key=f"test:{recipient.pk}:{i}",
                email=False,
            )
        )
    return made[0] if n == 1 else made


INBOX = "/notifications/"
QUERIES = 5  # the user and their staff record in one (caseaudit/accounts/authentication.py)


def test_the_owner_sees_their_notifications_newest_first(org, login):
    older = make(org.worker, subject="Older one")
    newer = make(org.worker, subject="Newer one")
    make(org.colleague, subject="The colleague's")
    response = login(org.worker).get(INBOX)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [newer, older]
    body = response.content.decode()
    assert body.index("Newer one") < body.index("Older one")
    assert "The colleague&#x27;s" not in body and "The colleague's" not in body


def test_unread_ones_are_bold_and_read_ones_are_not(org, login):
    make(org.worker, subject="Still unread")
    read = make(org.worker, subject="Already read")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    body = login(org.worker).get(INBOX).content.decode()
    assert "<strong>Still unread</strong>" in body
    assert "<strong>Already read</strong>" not in body and "Already read" in body
    assert "1 unread of 2" in body


def test_the_selector_is_scoped_to_the_user(org):
    mine = make(org.worker)
    make(org.colleague)
    assert list(notification_list(user=org.worker.user)) == [mine]
    assert list(notification_list(user=UserFactory())) == []


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    notification = make(org.worker)
    for url in [INBOX, reverse("notification_open", args=[notification.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    response = client.post(reverse("notification_mark_all_read"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_opening_marks_read_and_goes_to_the_thing(org, login):
    notification = make(org.worker, url="/cases/42/")
    client = login(org.worker)
    response = client.get(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response.url == "/cases/42/"
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    # Again, and by POST: still read, the first time kept.
    response = client.post(reverse("notification_open", args=[notification.pk]))
    assert response.url == "/cases/42/"
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_opening_one_without_a_link_returns_to_the_inbox(org, login):
    notification = make(org.worker, url="")
    response = login(org.worker).get(reverse("notification_open", args=[notification.pk]))
    assert response.url == INBOX


@pytest.mark.parametrize("persona", ["colleague", "ps1", "tm", "outsider", "director"])
def test_someone_elses_notification_is_a_404(org, login, persona):
    notification = make(org.worker)
    client = login(getattr(org, persona))
    assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 404
    assert client.post(reverse("notification_open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_user_without_a_staff_record_has_an_empty_inbox(org, client):
    notification = make(org.worker)
    client.force_login(UserFactory())
    response = client.get(INBOX)
    assert response.status_code == 200
    assert "You have no notifications." in response.content.decode()
    assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 404
    assert client.post(reverse("notification_mark_all_read")).status_code == 404


def test_mark_all_as_read_marks_only_mine(org, login):
    make(org.worker, 3)
    theirs = make(org.colleague)
    client = login(org.worker)
    assert "Mark all as read" in client.get(INBOX).content.decode()
    response = client.post(reverse("notification_mark_all_read"), follow=True)
    assert response.redirect_chain == [(INBOX, 302)]
    body = response.content.decode()
    assert "3 notifications marked as read." in body
    assert "Mark all as read" not in body
    assert not Notification.objects.filter(recipient=org.worker, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_needs_a_post(org, login):
    make(org.worker)
    assert login(org.worker).get(reverse("notification_mark_all_read")).status_code == 405


def test_the_header_shows_the_unread_count(org, login):
    make(org.worker, 2)
    client = login(org.worker)
    body = client.get(reverse("home")).content.decode()
    assert "Notifications (2)" in body
    assert 'class="govuk-link govuk-link--inverse app-header__notifications"' in body
    client.post(reverse("notification_mark_all_read"))
    assert "Notifications (0)" in client.get(reverse("home")).content.decode()


def test_the_header_has_no_count_without_a_staff_record(db, client):
    client.force_login(UserFactory())
    assert "app-header__notifications" not in client.get(reverse("home")).content.decode()


def test_the_inbox_is_paginated_by_25(org, login):
    make(org.worker, 30)
    client = login(org.worker)
    first = client.get(INBOX)
    assert len(first.context["page"].object_list) == 25
    second = client.get(INBOX, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_the_inbox_query_count_does_not_grow(org, login, django_assert_num_queries):
    client = login(org.worker)
    make(org.worker, 5)
    # Session, user, staff; the page's count and rows; the header's unread count.
    with django_assert_num_queries(QUERIES) as five:
        client.get(INBOX)
    make(org.worker, 25)
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get(INBOX)
    assert len(response.context["page"].object_list) == 25


def test_notifications_have_no_admin_page(org, client):
    """docs/adr/0001: confidential records are not in the Django admin."""
    make(org.worker, subject="Not for the admin")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/notifications/notification/").status_code == 404


def test_an_email_of_uncertain_delivery_is_shown_to_its_recipient(org, login):
    uncertain = make(org.worker, subject="Urgent finding: case C1")
    make(org.worker, subject="Sent fine")
    Notification.objects.filter(pk=uncertain.pk).update(email_status=EmailStatus.UNCERTAIN)
    body = login(org.worker).get(INBOX).content.decode()
    assert body.count("Email delivery uncertain") == 1
    assert body.index("Email delivery uncertain") > body.index("Urgent finding: case C1")
