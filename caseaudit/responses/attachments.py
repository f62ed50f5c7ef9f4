"""The audit's PDF attached to the emails that ask for a response.

The audits app owns the PDF: `caseaudit.audits.pdf.audit_pdf_bytes(audit)` (and its file name,
`audit_pdf_filename`). The response emails carry it, made when each email is sent and never
stored; should the audits app offer no PDF, they go without it. A notification names it by
`ATTACHMENT_KIND` and the audit's id; the project's settings
(`NOTIFICATION_ATTACHMENT_MAKERS`) map that kind to `email_attachment`.
"""

import importlib
import importlib.util

from caseaudit.audits.models import Audit
from caseaudit.notifications.models import AttachmentKind

PDF_MODULE = "caseaudit.audits.pdf"
PDF_FUNCTION = "audit_pdf_bytes"
ATTACHMENT_KIND = AttachmentKind.AUDIT_PDF


def _pdf_function():
    try:
        if importlib.util.find_spec(PDF_MODULE) is None:
            return None
    except ModuleNotFoundError:
        return None
    return getattr(importlib.import_module(PDF_MODULE), PDF_FUNCTION, None)


def pdf_available() -> bool:
    """Whether the audits app can render an audit as a PDF."""
    return callable(_pdf_function())


def pdf_filename(audit: Audit) -> str:
    """The audits app's name for the file (never the child's name), or our own."""
    if importlib.util.find_spec(PDF_MODULE) is not None:
        name = getattr(importlib.import_module(PDF_MODULE), "audit_pdf_filename", None)
        if callable(name):
            return name(audit)
    return f"audit-{audit.case.reference}-{audit.pk}.pdf"


def audit_pdf(*, audit_id: int) -> bytes:
    """The audit's PDF (called when the email is sent)."""
    render = _pdf_function()
    if render is None:
        raise RuntimeError("The audits app offers no PDF of an audit.")
    audit = Audit.objects.select_related("case", "tool_version__tool", "auditor").get(pk=audit_id)
    return render(audit)


def email_attachment(object_id: int) -> bytes:
    """The maker of `ATTACHMENT_KIND` for the notifications app (see the module)."""
    return audit_pdf(audit_id=object_id)
