"""The family's own voice and the practitioner's in an audit (docs/feedback.md).

A `FeedbackRequest` is a single-use link the auditor sends to a parent, carer or young person
(or prints in a letter): only the SHA-256 digest of its token is kept, never the token, and
never the email address or phone number it was sent to. The family's answer is one
`FamilyFeedback` row, stored against the audit. A `Collaboration` is the audit's case
practitioner invited into the draft: their reflection and the audit conversation.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from caseaudit.audits.models import Audit
from caseaudit.organisation.models import Staff

REQUEST_LIFETIME_DAYS = 14


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    CARER = "carer", "Carer"
    YOUNG_PERSON = "young_person", "Child or young person"
    FAMILY_MEMBER = "family_member", "Other family member"


class Audience(models.TextChoices):
    STANDARD = "standard", "Standard"
    CHILD = "child", "Child-friendly, with simple words"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    LETTER = "letter", "Printed letter (or read out the link)"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    CANCELLED = "cancelled", "Cancelled"


class Delivery(models.TextChoices):
    LETTER = "letter", "Shown for a letter"
    SENT = "sent", "Sent by GOV.UK Notify"
    FAILED = "failed", "Notify refused it: shown for a letter instead"


class FeedbackRequest(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="feedback_requests")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # hashlib.sha256 of the normalised token (`tokens.token_digest`): the token itself is
    # shown once (the message or the letter) and never stored.
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.LETTER)
    # Notify's id of the message (no address: Notify keeps its own record for its retention).
    notify_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # An audit's requests (the family contact task, the audit page), newest first.
            models.Index(fields=["audit", "-created_at"], name="feedbackrequest_audit"),
            # The quality report's requests sent in a period.
            models.Index(fields=["created_at"], name="feedbackrequest_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="answered") | models.Q(answered_at__isnull=False),
                name="feedbackrequest_answered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback request {self.pk} for audit {self.audit_id}"

    @property
    def is_expired(self) -> bool:
        return self.status == RequestStatus.OPEN and self.expires_at <= timezone.now()

    @property
    def state_label(self) -> str:
        if self.is_expired:
            return "Expired without an answer"
        return self.get_status_display()


class FamilyFeedback(models.Model):
    """What the family wrote, in their own words (shown escaped everywhere)."""

    request = models.OneToOneField(
        FeedbackRequest, on_delete=models.CASCADE, related_name="feedback"
    )
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="family_feedback")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    going_well = models.TextField(blank=True)
    worries = models.TextField(blank=True)
    would_like = models.TextField(blank=True)
    scale = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    # "May we share your words, without your name, to help others learn?"
    share_consent = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [
            models.Index(fields=["audit", "submitted_at"], name="familyfeedback_audit"),
            # The findings report's consented words of a period.
            models.Index(
                fields=["submitted_at"],
                condition=models.Q(share_consent=True),
                name="familyfeedback_shared",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__lte=10),
                name="familyfeedback_scale_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Family feedback {self.pk} on audit {self.audit_id}"


class Collaboration(models.Model):
    """The case's practitioner invited into the audit: their reflection, and the audit
    conversation the auditor records."""

    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="collaboration")
    practitioner = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proud_of = models.TextField("what I am proud of", blank=True)
    do_differently = models.TextField("what I would do differently", blank=True)
    support_needed = models.TextField("the support I need", blank=True)
    reflected_at = models.DateTimeField(null=True, blank=True)
    conversation_on = models.DateField(null=True, blank=True)
    conversation_with = models.TextField("who took part", blank=True)
    conversation_recorded_at = models.DateTimeField(null=True, blank=True)
    conversation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            # The invitations a practitioner has (their home page and notification link).
            models.Index(fields=["practitioner", "invited_at"], name="collaboration_practitioner"),
        ]

    def __str__(self) -> str:
        return f"Collaboration on audit {self.audit_id}"

    @property
    def has_reflection(self) -> bool:
        return self.reflected_at is not None
