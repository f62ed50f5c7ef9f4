"""In-app notifications, each optionally sent once by email (at once, or in a daily digest)."""

from django.db import models
from django.db.models import Q

from caseaudit.organisation.models import Staff

# How many times an email is tried before it is marked failed.
MAX_EMAIL_ATTEMPTS = 5


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by a worker, committed before the mail server is asked: a row left in SENDING
    # (the worker died, or the database failed after the server took the message) is never
    # sent again by the machine; it becomes UNCERTAIN for a person to look at.
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    UNCERTAIN = "uncertain", "Delivery uncertain"
    FAILED = "failed", "Failed"
    NOT_NEEDED = "not_needed", "Not needed"
    DIGEST = "digest", "In the daily digest"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Email each one at once"
    DIGEST = "digest", "In one daily summary email"


class NotificationKind(models.TextChoices):
    """What a notification is about; each kind has its default email delivery (`KIND_DELIVERY`)."""

    URGENT_FINDING = "urgent_finding", "An urgent finding on a case"
    URGENT_FINDING_REMINDER = "urgent_finding_reminder", "Reminder: an urgent finding is open"
    URGENT_FINDING_ESCALATED = (
        "urgent_finding_escalated",
        "An urgent finding is not acknowledged in time",
    )
    URGENT_FINDING_WITHDRAWN = "urgent_finding_withdrawn", "An urgent finding is withdrawn"
    AUDIT_REOPENED = "audit_reopened", "An audit is reopened"
    RESPONSE_REQUIRED = "response_required", "A QA response is asked of you"
    RESPONSE_REQUESTED = "response_requested", "An audit is completed for a case you manage"
    RESPONSE_SUBMITTED = "response_submitted", "A QA response is submitted to you"
    RESPONSE_RETURNED = "response_returned", "Your QA response is returned to you"
    RESPONSE_AUTHORISED = "response_authorised", "Your QA response is authorised"
    ACTION_RESOLVED = "action_resolved", "A restorative action is marked resolved"
    ACTION_AGREED = "action_agreed", "A restorative action is agreed"
    ACTION_REOPENED = "action_reopened", "A restorative action is reopened"
    RESPONSE_DUE_TOMORROW = "response_due_tomorrow", "Reminder: a QA response is due tomorrow"
    RESPONSE_DUE_TODAY = "response_due_today", "Reminder: a QA response is due today"
    RESPONSE_OVERDUE = "response_overdue", "A QA response is overdue"
    RESPONSE_STILL_OVERDUE = "response_still_overdue", "Reminder: a QA response is still overdue"
    ACTION_OVERDUE = "action_overdue", "Reminder: a restorative action is overdue"
    ALLOCATION_CHASED = "allocation_chased", "A manager asks about an audit allocated to you"
    # Moderation and calibration (caseaudit.moderation)
    MODERATION_ASSIGNED = "moderation_assigned", "An audit is sampled for you to moderate"
    MODERATION_COMPLETED = "moderation_completed", "Your audit was moderated"
    MODERATION_REPLY = "moderation_reply", "An auditor replied to your moderation"
    CALIBRATION_INVITED = "calibration_invited", "You are invited to a calibration exercise"
    CALIBRATION_CLOSED = "calibration_closed", "A calibration exercise you scored has closed"
    # Thematic audits and Safeguarding Assurance Days (caseaudit.campaigns)
    CAMPAIGN_INVITED = "campaign_invited", "You are asked to audit cases in a campaign"
    # Findings reports, improvement actions, follow-ups, good practice (caseaudit.improvement)
    FINDINGS_REPORT_REVIEW = "findings_report_review", "A findings report is ready for your review"
    FINDINGS_REPORT_PUBLISHED = "findings_report_published", "A findings report is published"
    IMPROVEMENT_ACTION_ASSIGNED = (
        "improvement_action_assigned",
        "An improvement action is given to you",
    )
    IMPROVEMENT_ACTION_OVERDUE = (
        "improvement_action_overdue",
        "Reminder: an improvement action is overdue",
    )
    IMPROVEMENT_ACTION_ESCALATED = (
        "improvement_action_escalated",
        "An improvement action is overdue in your area",
    )
    FOLLOWUP_DUE = "followup_due", "A follow-up audit is due"
    GOOD_PRACTICE_PUT_FORWARD = "good_practice_put_forward", "Good practice is put forward"
    GOOD_PRACTICE_SHARED = "good_practice_shared", "Good practice in your work is shared"
    # Family feedback and collaborative audit (caseaudit.feedback)
    FEEDBACK_RECEIVED = "feedback_received", "A family answered a feedback request"
    COLLABORATION_INVITED = "collaboration_invited", "You are invited to reflect on an audit"
    COLLABORATION_REFLECTED = "collaboration_reflected", "A practitioner wrote their reflection"
    # The self-evaluation pack (caseaudit.selfeval)
    SELF_EVALUATION_REVIEW = (
        "self_evaluation_review",
        "A self-evaluation pack is ready for your review",
    )
    SELF_EVALUATION_PUBLISHED = "self_evaluation_published", "A self-evaluation pack is published"


# Each kind's email delivery unless the person chooses otherwise: reminders, due-soon and
# overdue notices wait for the daily digest; everything else goes at once.
KIND_DELIVERY = dict.fromkeys(NotificationKind, Delivery.IMMEDIATE) | {
    NotificationKind.RESPONSE_DUE_TOMORROW: Delivery.DIGEST,
    NotificationKind.RESPONSE_DUE_TODAY: Delivery.DIGEST,
    NotificationKind.RESPONSE_OVERDUE: Delivery.DIGEST,
    NotificationKind.RESPONSE_STILL_OVERDUE: Delivery.DIGEST,
    NotificationKind.ACTION_OVERDUE: Delivery.DIGEST,
    NotificationKind.IMPROVEMENT_ACTION_OVERDUE: Delivery.DIGEST,
    NotificationKind.FOLLOWUP_DUE: Delivery.DIGEST,
    NotificationKind.FEEDBACK_RECEIVED: Delivery.DIGEST,
}
# Always emailed at once, whatever anyone chooses.
ALWAYS_IMMEDIATE = frozenset(
    {
        NotificationKind.URGENT_FINDING,
        NotificationKind.URGENT_FINDING_REMINDER,
        NotificationKind.URGENT_FINDING_ESCALATED,
        NotificationKind.URGENT_FINDING_WITHDRAWN,
        NotificationKind.RESPONSE_RETURNED,
    }
)
# The kinds a person may choose for (in `NotificationKind` order).
CHOOSABLE_KINDS = tuple(kind for kind in NotificationKind if kind not in ALWAYS_IMMEDIATE)


class AttachmentKind(models.TextChoices):
    """Files an email can carry, made when it is sent (see `attachments.py`)."""

    AUDIT_PDF = "audit_pdf", "The audit as a PDF"


class EmailDelivery(models.Model):
    """The once-only email state shared by a notification and a digest."""

    email_status = models.CharField(
        max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_last_error = models.TextField(blank=True)
    email_next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a failed email is due to be tried again."
    )
    email_claim = models.CharField(
        max_length=32, blank=True, help_text="The token of the attempt that is sending it."
    )
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class EmailDigest(EmailDelivery):
    """One daily summary email to one person, listing the notifications it carries."""

    recipient = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="email_digests")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["email_status"],
                condition=Q(email_status__in=["pending", "sending"]),
                name="digest_email_todo_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Digest {self.pk} for {self.recipient_id}"


class Notification(EmailDelivery):
    """Something a member of staff must know about, in their inbox and (usually) by email.

    `subject` is also the email subject: identify a case by its reference, never by a child's
    name. `url` is an internal path ("/cases/12/"), opened when the notification is.
    `idempotency_key` makes `notify()` safe to repeat: one key, one notification, one email.
    An attachment is not stored: `attachment_kind` names a maker (`attachments.attachment_maker`),
    called with `attachment_object_id` when the email is sent; it returns the file's bytes.
    """

    recipient = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="notifications")
    kind = models.SlugField(max_length=40, choices=NotificationKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text.")
    url = models.CharField(max_length=500, blank=True, help_text="An internal path.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    digest = models.ForeignKey(
        EmailDigest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text="The daily digest that carried (or is carrying) its email.",
    )

    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    attachment_kind = models.CharField(max_length=40, choices=AttachmentKind.choices, blank=True)
    attachment_object_id = models.PositiveBigIntegerField(null=True, blank=True)

    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["email_status"],
                condition=Q(email_status__in=["pending", "failed", "sending", "digest"]),
                name="notification_email_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def email_uncertain(self) -> bool:
        return self.email_status == EmailStatus.UNCERTAIN


class NotificationPreference(models.Model):
    """A person's choice of email delivery for one kind (no row: the kind's default)."""

    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "kind"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.kind}: {self.delivery}"
