"""The files an email can carry, by name: `AttachmentKind` -> the function that makes one.

A notification stores the kind and an object's id, never code to run: the explicit mapping
below is the whole list. Each maker takes the object's id and returns the file's bytes; it
runs when the email is sent (files are not stored).
"""

from collections.abc import Callable

from .models import AttachmentKind


def _audit_pdf(object_id: int) -> bytes:
    from caseaudit.responses.attachments import audit_pdf

    return audit_pdf(audit_id=object_id)


MAKERS: dict[str, Callable[[int], bytes]] = {
    AttachmentKind.AUDIT_PDF: _audit_pdf,
}


def attachment_content(*, kind: str, object_id: int) -> bytes:
    """The file of one attachment kind for one object (KeyError for an unknown kind)."""
    return MAKERS[kind](object_id)
