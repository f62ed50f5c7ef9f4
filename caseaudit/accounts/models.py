"""The access log: who looked at which record about a child, and when.

Rows are only ever added; they carry identifiers, never the record's content.
"""

from django.conf import settings
from django.db import models


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Refused access"


class AccessEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    # What was accessed: a label such as "case" and its primary key. Not a foreign key, so
    # the record of access outlives the record itself (retention deletes cases, not this).
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    case_id = models.BigIntegerField(null=True, db_index=True)
    path = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.object_type}:{self.object_id}"
