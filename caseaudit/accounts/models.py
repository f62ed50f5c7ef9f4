"""The access log (who looked at which record about a child, and when) and the security
log (sign-ins, failed sign-ins, sign-outs, changes to how an account signs in).

Rows are only ever added; they carry identifiers, never the record's content. On PostgreSQL
a trigger (migration 0003) refuses UPDATE and DELETE on both tables.
"""

from django.conf import settings
from django.db import models


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Refused access"
    # The record itself was deleted (retention: `caseaudit.cases.services.case_erase`).
    DELETED = "deleted", "Deleted"


class AccessObjectType(models.TextChoices):
    """What an access-log entry is about (`AccessEvent.object_type`); its label names it on
    the access-log pages ("QA response 12")."""

    CASE = "case", "Case"
    CASE_LIST = "case_list", "Case list"
    CASE_ACCESS_LOG = "case_access_log", "Access log of case"
    AUDIT = "audit", "Audit"
    URGENT_FINDING = "urgent_finding", "Urgent finding"
    QA_RESPONSE = "qa_response", "QA response"
    ACTION = "action", "Restorative action"
    RESPONSE_LIST = "response_list", "Response list"
    PROGRAMME = "programme", "Programme"
    ALLOCATION = "allocation", "Programme allocation"
    DUE_LIST = "due_list", "Due list"
    REPORT = "report", "Report"
    RETENTION_LIST = "retention_list", "Retention list"
    SUBJECT_ACCESS = "subject_access", "Subject access export of case"


class AccessEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: the log must keep who looked. Accounts are disabled, never deleted (and on
    # PostgreSQL the append-only trigger would refuse the UPDATE that SET_NULL needs).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    # What was accessed: its type and its primary key (or page). Not a foreign key, so the
    # record of access outlives the record itself (retention deletes cases, not this).
    object_type = models.CharField(max_length=40, choices=AccessObjectType.choices)
    object_id = models.CharField(max_length=40)
    case_id = models.BigIntegerField(null=True, db_index=True)
    path = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # A case's entries newest first (the case page's "Recent access", the case's
            # access log): read from the index, however many there are.
            models.Index(fields=["case_id", "at", "id"], name="accessevent_case_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.object_type}:{self.object_id}"

    @property
    def object_label(self) -> str:
        """What was accessed, in words ("QA response 12")."""
        if self.object_type in AccessObjectType.values:
            kind = AccessObjectType(self.object_type).label
        else:  # a type no longer written
            kind = self.object_type.replace("_", " ").capitalize()
        return f"{kind} {self.object_id}"


class SecurityEventKind(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    SESSION_EXPIRED = "session_expired", "Session reached its time limit"
    MFA_FAILED = "mfa_failed", "Second factor refused"
    MFA_ENABLED = "mfa_enabled", "Second factor added"
    MFA_DISABLED = "mfa_disabled", "Second factor removed"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    PASSWORD_RESET = "password_reset", "Password reset"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    ACCOUNT_DISABLED = "account_disabled", "Account disabled"
    # An administrator changed the account's email address or username
    # (caseaudit.accounts.services.account_identity_change).
    IDENTITY_CHANGED = "identity_changed", "Email address or username changed"
    # API tokens and service accounts (caseaudit.api.services).
    API_TOKEN_ISSUED = "api_token_issued", "API token issued"
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
    SERVICE_ACCOUNT_CREATED = "service_account_created", "Service account created"
    # Accounts made and roles changed by a staff import (caseaudit.imports.services).
    ACCOUNT_CREATED = "account_created", "Account created"
    ROLE_CHANGED = "role_changed", "Role changed"


class SecurityEvent(models.Model):
    """One sign-in, failed sign-in, sign-out or change to how an account signs in.

    Append-only like the access log (on PostgreSQL a trigger refuses UPDATE and DELETE).
    Never holds a password or a code: a failed sign-in keeps only the address that was tried.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=24, choices=SecurityEventKind.choices)
    # The account concerned; empty for a failed sign-in with an unknown address. PROTECT,
    # because the log must keep who it was about: accounts are disabled, never deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
    )
    # Who did it, when that is someone else (an administrator disabling an account).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    email_tried = models.CharField(max_length=254, blank=True)
    # For MFA events, the kind of authenticator ("totp", "webauthn", "recovery_codes"); for a
    # disabled account, why ("left"); for an identity change, what changed.
    detail = models.CharField(max_length=200, blank=True)
    # For an identity change: the account's email address before and after.
    email_before = models.CharField(max_length=254, blank=True)
    email_after = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.user_id or self.email_tried}"
