"""Finding 14: a password reset answered measurably slower for an address with an account,
because it sent the email inside the request. Now allauth's emails are handed to the task
worker: the request does the same work (render, queue) for a known and an unknown address."""

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks import default_task_backend

from caseaudit.accounts.tasks import email_send
from caseaudit.factories import StaffFactory


@pytest.fixture
def queued(settings):
    """Tasks are queued, not run (the dummy backend keeps them), as a worker would see them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


@pytest.mark.parametrize("address", ["sam.worker@example.org", "nobody@example.org"])
def test_the_request_queues_the_email_and_sends_nothing(client, db, queued, address):
    StaffFactory(user__email="sam.worker@example.org")
    response = client.post(reverse("account_reset_password"), {"email": address})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing sent by the request, known address or not
    assert [r.task.func for r in queued.results] == [email_send.func]
    # The worker sends it.
    payload = queued.results[0].args[0]
    assert address not in payload  # the message (a reset link is a credential) is encrypted
    email_send.call(payload)
    assert [m.to for m in mail.outbox] == [[address]]
    has_link = "/accounts/password/reset/key/" in mail.outbox[0].body
    assert has_link == (address == "sam.worker@example.org")


def test_the_reset_link_sent_by_the_worker_works(client, db):
    StaffFactory(user__email="sam.worker@example.org")
    client.post(reverse("account_reset_password"), {"email": "sam.worker@example.org"})
    (message,) = mail.outbox  # the immediate backend of the tests ran the task
    assert message.subject.startswith("[")
    link = next(line for line in message.body.splitlines() if "/password/reset/key/" in line)
    page = client.get(link[link.index("/accounts/") :].strip(), follow=True)
    assert "password1" in page.content.decode()
