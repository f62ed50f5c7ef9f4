"""The files an email can carry, by name: `AttachmentKind` -> the function that makes one.

A notification stores the kind and an object's id, never code to run. The function belongs to
the app that owns the file (the audit's PDF: `caseaudit.responses.attachments`), and those apps
sit above this one (docs/CONVENTIONS.md, "Layers"): so the project wires each kind to its maker
in settings, `NOTIFICATION_ATTACHMENT_MAKERS` (a fixed list, like `EMAIL_BACKEND`), and this
app imports none of them. A maker takes the object's id and returns the file's bytes; it runs
when the email is sent (files are not stored).
"""

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string


def attachment_kinds() -> frozenset[str]:
    """The kinds of attachment an email can carry (those with a maker)."""
    return frozenset(settings.NOTIFICATION_ATTACHMENT_MAKERS)


def attachment_maker(kind: str) -> Callable[[int], bytes]:
    """The function that makes one attachment kind (KeyError for an unknown kind)."""
    return import_string(settings.NOTIFICATION_ATTACHMENT_MAKERS[kind])


def attachment_content(*, kind: str, object_id: int) -> bytes:
    """The file of one attachment kind for one object (KeyError for an unknown kind)."""
    return attachment_maker(kind)(object_id)
