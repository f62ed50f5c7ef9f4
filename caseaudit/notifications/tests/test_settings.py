"""/notifications/settings/: each signed-in person chooses, for themselves only, which
notifications are emailed at once and which wait for the daily digest."""

import pytest

from caseaudit.notifications.models import (
    CHOOSABLE_KINDS,
    KIND_DELIVERY,
    Delivery,
    NotificationKind,
    NotificationPreference,
)
from caseaudit.notifications.selectors import notification_deliveries

SETTINGS = "/notifications/settings/"


def all_choices(**overrides) -> dict:
    choices = {kind.value: KIND_DELIVERY[kind].value for kind in CHOOSABLE_KINDS}
    return choices | overrides


@pytest.mark.parametrize("persona", ["worker", "colleague", "outsider", "tm", "performance"])
def test_every_person_sees_their_own_settings(org, login, persona, django_assert_num_queries):
    staff = getattr(org, persona)
    NotificationPreference.objects.create(
        staff=org.ps1, kind=NotificationKind.ACTION_OVERDUE, delivery=Delivery.IMMEDIATE
    )  # someone else's choice, not shown to anyone else
    client = login(staff)
    client.get(SETTINGS)  # warm the session
    with django_assert_num_queries(4):  # the user and their staff record in one
        response = client.get(SETTINGS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Notification settings" in body
    assert 'name="action_overdue" type="radio" value="digest" checked' in body
    assert "urgent_finding" not in body.split("<form")[1]  # not choosable
    assert "An urgent finding on a case" in body


@pytest.mark.parametrize("persona", ["worker", "colleague", "outsider"])
def test_saving_changes_only_your_own(org, login, persona):
    staff = getattr(org, persona)
    response = login(staff).post(
        SETTINGS, all_choices(response_due_today="immediate", response_submitted="digest")
    )
    assert response.status_code == 302 and response.url == SETTINGS
    mine = notification_deliveries(staff=staff)
    assert mine["response_due_today"] == "immediate"
    assert mine["response_submitted"] == "digest"
    assert set(NotificationPreference.objects.values_list("staff", flat=True)) == {staff.pk}
    assert notification_deliveries(staff=org.ps1)["response_due_today"] == "digest"


def test_a_missing_or_unknown_choice_is_shown_again_with_an_error(org, login):
    client = login(org.worker)
    response = client.post(SETTINGS, all_choices(action_overdue="weekly"))
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    choices = all_choices()
    del choices["response_due_today"]
    assert client.post(SETTINGS, choices).status_code == 200
    assert not NotificationPreference.objects.exists()


def test_urgent_findings_cannot_be_put_in_the_digest(org, login):
    login(org.tm).post(SETTINGS, all_choices(urgent_finding="digest"))
    assert not NotificationPreference.objects.filter(kind="urgent_finding").exists()


def test_the_notifications_page_links_to_the_settings(org, login):
    body = login(org.worker).get("/notifications/").content.decode()
    assert f'href="{SETTINGS}"' in body


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(SETTINGS)
    assert response.status_code == 302 and "login" in response.url
