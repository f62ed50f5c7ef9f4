"""In-app notifications, each optionally sent once by email."""

from django.db import models
from django.db.models import Q

from caseaudit.organisation.models import Staff

# How many times a notification's email is tried before it is marked failed.
MAX_EMAIL_ATTEMPTS = 5


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    NOT_NEEDED = "not_needed", "Not needed"


class Notification(models.Model):
    """Something a member of staff must know about, in their inbox and (usually) by email.

    `subject` is also the email subject: identify a case by its reference, never by a child's
    name. `url` is an internal path ("/cases/12/"), opened when the notification is.
    `idempotency_key` makes `notify()` safe to repeat: one key, one notification, one email.
    An attachment is not stored: `attachment_factory` (a dotted path to a callable) is called
    with `attachment_args` when the email is sent and returns the file's bytes.
    """

    recipient = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="notifications")
    kind = models.SlugField(max_length=40, help_text='For example "urgent_finding".')
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text.")
    url = models.CharField(max_length=500, blank=True, help_text="An internal path.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    email_status = models.CharField(
        max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_last_error = models.TextField(blank=True)
    email_next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a failed email is due to be tried again."
    )

    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    attachment_factory = models.CharField(max_length=200, blank=True)
    attachment_args = models.JSONField(default=dict, blank=True)

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
                condition=Q(email_status__in=["pending", "failed"]),
                name="notification_email_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
