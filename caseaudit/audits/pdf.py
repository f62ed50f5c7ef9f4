"""The audit as a PDF: the same content as the audit page, laid out as a printed report.

`audit_pdf_bytes(audit)` renders `audits/audit_pdf.html` with WeasyPrint; the template carries
its own print CSS (a running header with the authority, "OFFICIAL-SENSITIVE", the case
reference and "Page X of Y"). The content comes from `selectors.audit_document`, which the
audit page uses too. The caller has checked the user may see the audit.

The PDF names the case by its reference only, never the child's name: it travels by email
(the QA response asks for it) and its file name shows in mail clients and download folders.
WeasyPrint fetches nothing: every resource is inline, and the URL fetcher refuses any URL.
The PDF is tagged for screen readers (PDF/UA, `caseaudit.core.pdf.html_to_pdf`).
"""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from caseaudit.core.pdf import html_to_pdf

from .models import Audit
from .selectors import audit_document

FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def audit_date(audit: Audit):
    """The audit's date: when it was completed, or (a draft) when it was started."""
    return timezone.localdate(audit.completed_at or audit.started_at)


def audit_pdf_filename(audit: Audit) -> str:
    """`audit-<case reference>-<tool code>-<YYYY-MM-DD>.pdf`: never the child's name."""
    reference = FILENAME_UNSAFE.sub("-", audit.case.reference).strip("-") or str(audit.case_id)
    tool = FILENAME_UNSAFE.sub("-", audit.tool_version.tool.code).strip("-") or "audit"
    return f"audit-{reference}-{tool}-{audit_date(audit):%Y-%m-%d}.pdf"


def audit_pdf_html(audit: Audit, *, document=None, scales_hidden: bool = False) -> str:
    """The report as HTML (for WeasyPrint; also handy in tests). `scales_hidden`: without any
    of the auditor's scales, for its moderator before they compare
    (`selectors.scales_hidden_for`)."""
    document = document or audit_document(audit=audit)
    return render_to_string(
        "audits/audit_pdf.html",
        {
            "audit": audit,
            "case": audit.case,
            "document": document,
            "authority_name": settings.AUTHORITY_NAME,
            "produced_on": timezone.localdate(),
            "scales_hidden": scales_hidden,
        },
    )


def audit_pdf_bytes(audit: Audit, *, scales_hidden: bool = False) -> bytes:
    """The audit as a tagged (PDF/UA) document."""
    return html_to_pdf(audit_pdf_html(audit, scales_hidden=scales_hidden), what="audit PDF")
