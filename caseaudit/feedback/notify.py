"""Sending a feedback link through GOV.UK Notify (the official client,
`notifications-python-client`).

Settings (all optional; without NOTIFY_API_KEY every request is a printed letter):
NOTIFY_API_KEY, NOTIFY_EMAIL_TEMPLATE_ID, NOTIFY_SMS_TEMPLATE_ID, and NOTIFY_BASE_URL (Notify's
API by default; the tests point it at a local stub). The templates in Notify take the
personalisation ((council)), ((link)) and ((expires)).

The email address or phone number is passed straight to Notify and kept nowhere here: not in the
database, not in a background task's arguments, not in a log line.
"""

import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SendResult:
    ok: bool
    notify_id: str = ""
    error: str = ""


def notify_channels() -> set[str]:
    """The channels Notify is set up for ("email", "sms"): none without an API key."""
    if not getattr(settings, "NOTIFY_API_KEY", ""):
        return set()
    channels = set()
    if getattr(settings, "NOTIFY_EMAIL_TEMPLATE_ID", ""):
        channels.add("email")
    if getattr(settings, "NOTIFY_SMS_TEMPLATE_ID", ""):
        channels.add("sms")
    return channels


def _client():
    # The client is only needed when Notify is configured.
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(
        settings.NOTIFY_API_KEY,
        base_url=getattr(settings, "NOTIFY_BASE_URL", "") or DEFAULT_BASE_URL,
        timeout=TIMEOUT_SECONDS,
    )


def notify_send(*, channel: str, to: str, personalisation: dict, reference: str) -> SendResult:
    """Send the link by `channel` ("email" or "sms") to `to`. Never raises: a refusal or an
    unreachable Notify is a failed result (the caller then offers the letter)."""
    from notifications_python_client.errors import APIError

    if channel not in notify_channels():
        return SendResult(ok=False, error="Notify is not set up for this channel.")
    try:
        client = _client()
        if channel == "email":
            answer = client.send_email_notification(
                email_address=to,
                template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
                personalisation=personalisation,
                reference=reference,
            )
        else:
            answer = client.send_sms_notification(
                phone_number=to,
                template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                personalisation=personalisation,
                reference=reference,
            )
    except APIError as error:
        # Notify's message names the problem ("phone_number Not a UK mobile number"), not
        # the address; the address is not logged.
        logger.warning("Notify refused feedback request %s: %s", reference, error.status_code)
        return SendResult(ok=False, error=_message_of(error))
    except Exception as error:  # noqa: BLE001 - network errors of any kind: the letter instead
        logger.warning("Notify unreachable for feedback request %s: %s", reference, type(error))
        return SendResult(ok=False, error="GOV.UK Notify could not be reached.")
    return SendResult(ok=True, notify_id=str((answer or {}).get("id", ""))[:64])


def _message_of(error) -> str:
    if (getattr(error, "status_code", 0) or 0) >= 500:
        # The client reports a connection failure as a 503 too.
        return "GOV.UK Notify could not be reached, or is not working just now."
    try:
        messages = [e.get("message", "") for e in error.response.json().get("errors", [])]
    except Exception:  # noqa: BLE001 - a body that is not Notify's JSON
        messages = []
    text = "; ".join(m for m in messages if m) or f"status {error.status_code}"
    return f"GOV.UK Notify refused the message ({text[:200]})."
