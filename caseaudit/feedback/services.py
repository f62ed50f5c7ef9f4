"""Writes of family feedback and the collaborative audit (docs/feedback.md).

Each runs in one transaction and records who did it; the answer to a link is a compare-and-set
on the request (open and not expired, to answered), so a link is used once however many
submit it at the same moment. Sending by GOV.UK Notify happens after the request is saved
(`feedback_request_send`), with the address passed through and never stored.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.models import Audit
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import By, User
from caseaudit.notifications.models import NotificationKind
from caseaudit.notifications.services import notify

from . import notify as notify_api
from .models import (
    REQUEST_LIFETIME_DAYS,
    Audience,
    Channel,
    Collaboration,
    Delivery,
    FamilyFeedback,
    FeedbackRequest,
    RequestStatus,
)
from .policy import (
    can_cancel,
    can_record_conversation,
    can_reflect,
    can_request,
    invite_refusal,
    practitioner_for,
)
from .tokens import token_digest, token_new, token_normalise

TEXT_LIMIT = 5000


class LinkUnusable(ValidationError):
    """The link cannot be answered: unknown, already used, cancelled or expired (the public
    page says the same kind thing for each)."""

    def __init__(self) -> None:
        super().__init__("This link cannot be used.", code="link_unusable")


def public_link(token: str) -> str:
    """The full address of a feedback link (SITE_URL and the public path)."""
    return settings.SITE_URL.rstrip("/") + reverse("feedback_public", args=[token])


def public_start() -> str:
    """Where a family types the code from a letter."""
    return settings.SITE_URL.rstrip("/") + reverse("feedback_public_start")


@dataclass
class Created:
    request: FeedbackRequest
    token: str


def feedback_request_create(
    *, audit: Audit, by: User, relationship: str, audience: str, channel: str
) -> Created:
    """A new single-use link for `audit`, valid for REQUEST_LIFETIME_DAYS days. The token is
    returned once, to send or print; only its digest is stored."""
    if not can_request(by, audit):
        raise ValidationError(
            "Only the auditor asks the family, while the audit is a draft.", code="not_allowed"
        )
    if audience not in Audience.values or channel not in Channel.values:
        raise ValidationError("Choose who it is for and how to send it.", code="invalid")
    token = token_new()
    now = timezone.now()
    with transaction.atomic():
        request = FeedbackRequest.objects.create(
            audit=audit,
            relationship=relationship,
            audience=audience,
            channel=channel,
            token_digest=token_digest(token),
            created_at=now,
            created_by=by,
            expires_at=now + dt.timedelta(days=REQUEST_LIFETIME_DAYS),
            delivery=Delivery.LETTER,
        )
    return Created(request=request, token=token)


def feedback_request_send(
    *, request: FeedbackRequest, token: str, to: str
) -> notify_api.SendResult:
    """Send the link by the request's channel through Notify to `to` (used here and dropped).
    Records whether Notify took it; a refusal leaves the request open for a letter."""
    if request.channel == Channel.LETTER:
        return notify_api.SendResult(ok=False, error="A letter was chosen.")
    result = notify_api.notify_send(
        channel=request.channel,
        to=to,
        personalisation={
            "council": settings.AUTHORITY_NAME,
            "link": public_link(token),
            "expires": f"{timezone.localtime(request.expires_at):%-d %B %Y}",
        },
        reference=f"feedback-request-{request.pk}",
    )
    with transaction.atomic():
        FeedbackRequest.objects.filter(pk=request.pk).update(
            delivery=Delivery.SENT if result.ok else Delivery.FAILED,
            notify_id=result.notify_id,
        )
    request.delivery = Delivery.SENT if result.ok else Delivery.FAILED
    request.notify_id = result.notify_id
    return result


def feedback_request_cancel(*, request: FeedbackRequest, by: User) -> None:
    """The auditor withdraws a link not yet answered (sent to the wrong person, say)."""
    if not can_cancel(by, request):
        raise ValidationError("Only the auditor cancels a request.", code="not_allowed")
    now = timezone.now()
    with transaction.atomic():
        changed = FeedbackRequest.objects.filter(pk=request.pk, status=RequestStatus.OPEN).update(
            status=RequestStatus.CANCELLED, cancelled_at=now, cancelled_by=by
        )
    if changed != 1:
        raise TransitionConflict("This request has already been answered or cancelled.")
    request.status, request.cancelled_at, request.cancelled_by = RequestStatus.CANCELLED, now, by


def _clean(text: str) -> str:
    return (text or "").strip()[:TEXT_LIMIT]


def feedback_submit(
    *,
    token: str,
    going_well: str,
    worries: str,
    would_like: str,
    scale: int | None,
    share_consent: bool,
) -> FamilyFeedback:
    """The family's answer to the link `token`: once. Raises `LinkUnusable` for a link that
    is unknown, used, cancelled or expired (the same for each). Tells the auditor."""
    if scale is not None and not 0 <= scale <= 10:
        raise ValidationError("Choose a number from 0 to 10.", code="invalid")
    digest = token_digest(token_normalise(token) or token[:64])
    now = timezone.now()
    with transaction.atomic():
        changed = FeedbackRequest.objects.filter(
            token_digest=digest, status=RequestStatus.OPEN, expires_at__gt=now
        ).update(status=RequestStatus.ANSWERED, answered_at=now)
        if changed != 1:
            raise LinkUnusable()
        request = FeedbackRequest.objects.select_related(
            "audit__case", "audit__auditor__user", "audit__tool_version__tool"
        ).get(token_digest=digest)
        feedback = FamilyFeedback.objects.create(
            request=request,
            audit=request.audit,
            relationship=request.relationship,
            audience=request.audience,
            going_well=_clean(going_well),
            worries=_clean(worries),
            would_like=_clean(would_like),
            scale=scale,
            share_consent=share_consent,
            submitted_at=now,
        )
        audit = request.audit
        if audit.auditor.is_active:
            notify(
                recipient=audit.auditor,
                kind=NotificationKind.FEEDBACK_RECEIVED,
                subject=f"Family feedback on your audit of case {audit.case.reference}",
                body=(
                    f"A {request.get_relationship_display().lower()} answered your feedback "
                    f"request for the {audit.tool_version.tool.name} of case "
                    f"{audit.case.reference}. Their words are on the audit."
                ),
                url=reverse("audit_detail", args=[audit.pk]) + "#family-feedback",
                idempotency_key=f"feedback-received:{feedback.pk}",
            )
    return feedback


# --- The collaborative audit -------------------------------------------------------------


def collaboration_invite(*, audit: Audit, by: User) -> Collaboration:
    """Invite the case's practitioner into the draft, and tell them."""
    invited = Collaboration.objects.filter(audit=audit).exists()
    refusal = invite_refusal(by, audit, invited=invited)
    if refusal:
        code = "not_allowed" if "Only the auditor" in refusal else "invalid"
        raise ValidationError(refusal, code=code)
    practitioner = practitioner_for(audit)
    if practitioner is None:  # invite_refusal checked it; never run with asserts off
        raise ValidationError("This case has no allocated worker to invite.", code="invalid")
    with transaction.atomic():
        collaboration, created = Collaboration.objects.get_or_create(
            audit=audit,
            defaults={"practitioner": practitioner, "invited_by": by, "invited_at": timezone.now()},
        )
        if not created:
            raise TransitionConflict("The practitioner has just been invited.")
        notify(
            recipient=practitioner,
            kind=NotificationKind.COLLABORATION_INVITED,
            subject=f"Reflect on the audit of your case {audit.case.reference}",
            body=(
                f"{audit.auditor.name} is auditing case {audit.case.reference} and invites you "
                "into the draft: read it, and write what you are proud of, what you would do "
                "differently and what support you need."
            ),
            url=reverse("collaboration_reflect", args=[audit.pk]),
            idempotency_key=f"collaboration-invited:{collaboration.pk}",
        )
    return collaboration


def reflection_save(
    *,
    collaboration: Collaboration,
    by: User,
    proud_of: str,
    do_differently: str,
    support_needed: str,
) -> Collaboration:
    """The practitioner's reflection (they may change it); the auditor is told the first time."""
    if not can_reflect(by, collaboration):
        raise ValidationError("Only the invited practitioner writes it.", code="not_allowed")
    if not any(t.strip() for t in (proud_of, do_differently, support_needed)):
        raise ValidationError("Write at least one part of your reflection.", code="invalid")
    now = timezone.now()
    first = collaboration.reflected_at is None
    with transaction.atomic():
        Collaboration.objects.filter(pk=collaboration.pk).update(
            proud_of=_clean(proud_of),
            do_differently=_clean(do_differently),
            support_needed=_clean(support_needed),
            reflected_at=now,
        )
        audit = collaboration.audit
        if first and audit.auditor.is_active:
            notify(
                recipient=audit.auditor,
                kind=NotificationKind.COLLABORATION_REFLECTED,
                subject=f"The practitioner's reflection on case {audit.case.reference}",
                body=(
                    f"{collaboration.practitioner.name} wrote their reflection on your audit of "
                    f"case {audit.case.reference}."
                ),
                url=reverse("audit_detail", args=[audit.pk]) + "#collaboration",
                idempotency_key=f"collaboration-reflected:{collaboration.pk}",
            )
    collaboration.refresh_from_db()
    return collaboration


def conversation_record(
    *, collaboration: Collaboration, by: By, held_on: dt.date, participants: str
) -> Collaboration:
    """The auditor records the audit conversation: when, and who took part."""
    if by is None or not can_record_conversation(by, collaboration):
        raise ValidationError("Only the auditor records the conversation.", code="not_allowed")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "The conversation cannot be in the future."})
    if not participants.strip():
        raise ValidationError({"participants": "Say who took part."})
    with transaction.atomic():
        Collaboration.objects.filter(pk=collaboration.pk).update(
            conversation_on=held_on,
            conversation_with=_clean(participants),
            conversation_recorded_at=timezone.now(),
            conversation_recorded_by=by,
        )
    collaboration.refresh_from_db()
    return collaboration
