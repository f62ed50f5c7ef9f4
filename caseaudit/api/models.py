"""API tokens: issued to oneself, or by an administrator to a service account (an account that is
not a person: `ServiceAccount`); scripts send it as a Bearer token. Nobody holds a token that
acts as another person (docs/adr/0002-api-tokens-and-service-accounts.md).

The secret is shown once, when it is issued, and never stored: the table keeps its SHA-256 (a
token is 256 random bits, so a fast hash is enough) and its first 8 characters, to recognise it
in the list. A token acts as its account, with exactly that account's scope. Revoking keeps the
row, so the list still shows who had which token and when it was last used.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class ServiceAccount(models.Model):
    """Marks an account as a system's, not a person's: an administrator may issue it tokens.

    Its scope is its staff record's role (`SERVICE_ACCOUNT_ROLES`), as for anyone; it has no
    password or email address, so it cannot sign in to the pages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account"
    )
    name = models.CharField(max_length=100, help_text="The system that uses it.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when created from the command line.",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} (service account)"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, *, now: dt.datetime | None = None) -> "ApiTokenQuerySet":
        """Neither revoked nor expired (at `now`, default the present)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(max_length=8, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when issued from the command line.",
    )
    expires_at = models.DateTimeField(help_text="Refused from then on (API_TOKEN_DAYS).")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
