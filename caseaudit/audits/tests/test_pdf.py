"""The audit as a PDF: the document, its file name, the download view and who may have it."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits import pdf, services
from caseaudit.audits.models import Audit
from caseaudit.workflows import audits as workflows

from .conftest import complete_data

# The auditor is the CSM of the case's service (a permissive audit) and sees it; so do the
# case's worker, their Practice Supervisor and the Team Manager; a colleague in the team who
# does not hold the case, a Team Manager of another team and an outsider do not.
PERSONAS = {
    "auditor": 200,
    "worker": 200,
    "ps1": 200,
    "tm": 200,
    "performance": 200,
    "colleague": 404,
    "tm_b": 404,
    "outsider": 404,
}

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed"
)


def persona(org, who):
    return org.csm_north if who == "auditor" else getattr(org, who)


def pdf_text(content: bytes) -> str:
    """The PDF's text, whitespace collapsed (so a wrapped line still matches)."""
    result = subprocess.run(  # noqa: S603 - poppler's pdftotext, fixed arguments
        [PDFTOTEXT, "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


@pytest.fixture
def completed(org, generic, start, save):
    """A completed Generic Audit of the worker's case: one section scaled 2 (an urgent
    finding), the others 7, the overall 9, with an action and family contact."""
    audit = start(auditor=org.csm_north)
    data = complete_data(audit, scale=7, overall=9)
    first, second = list(audit.tool_version.sections.filter(scaled=True))[:2]
    data["sections"][second.pk]["scale"] = 2
    data["actions"][0]["section_id"] = second.pk  # an Inadequate section needs an action
    data["sections"][first.pk]["worried_about"] = "The school's concerns were not followed up."
    data["good_practice"] = "Thoughtful direct work with the child."
    data["family_views"] = "Mum said the worker listens."
    data["contact_made"] = "yes"
    save(audit, org.csm_north, data)
    workflows.audit_complete(audit=audit, by=org.csm_north.user)
    return Audit.objects.get(pk=audit.pk)


# --- The document -----------------------------------------------------------------------


def test_pdf_is_a_pdf(completed):
    content = pdf.audit_pdf_bytes(completed)
    assert content.startswith(b"%PDF")
    assert len(content) > 5_000


def test_filename_is_reference_tool_and_date_never_the_name(org, completed):
    name = pdf.audit_pdf_filename(completed)
    day = timezone.localdate(completed.completed_at)
    assert name == f"audit-{org.case.reference}-generic-{day:%Y-%m-%d}.pdf"
    for part in org.case.display_name.split():
        assert part not in name


def test_filename_of_a_draft_uses_the_day_it_was_started(org, start):
    audit = start(auditor=org.csm_north)
    Audit.objects.filter(pk=audit.pk).update(
        started_at=dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    )
    audit.refresh_from_db()
    assert pdf.audit_pdf_filename(audit) == f"audit-{org.case.reference}-generic-2026-12-03.pdf"


def test_filename_is_safe_whatever_the_reference(org, completed):
    org.case.reference = 'C/10 "23"\r\n..\\x'
    org.case.save()
    completed.refresh_from_db()
    name = pdf.audit_pdf_filename(completed)
    assert re.fullmatch(r"audit-C-10-23-x-generic-\d{4}-\d{2}-\d{2}\.pdf", name), name


@needs_pdftotext
def test_pdf_text_has_the_report(org, completed, settings):
    settings.AUTHORITY_NAME = "Barsetshire County Council"
    text = pdf_text(pdf.audit_pdf_bytes(completed))
    for section in completed.tool_version.sections.all():
        assert section.title in text
        assert section.theme.name in text
    # Band names beside the scales: 7 and 9 and the urgent 2.
    assert "7 – Good" in text
    assert "2 – Inadequate" in text
    assert "9 – Outstanding" in text
    for heading in (
        "What is working well",
        "What are we worried about",
        "What needs to happen",
        "Voice of the child",
        "Contact with the family",
        "Good practice",
        "Restorative actions",
        "Urgent findings",
        "Overall",
    ):
        assert heading in text
    assert "The school's concerns were not followed up." in text
    assert "Update the chronology." in text  # the action, with its owner and date
    assert org.worker.name in text
    assert "15 Jan 2027" in text
    # The running header and page numbers on every page.
    pages = int(re.search(r"Page 1 of (\d+)", text).group(1))
    assert pages >= 2
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text
    assert text.count("OFFICIAL-SENSITIVE") == pages
    assert text.count("Barsetshire County Council") >= pages
    assert text.count(f"Case {org.case.reference}") >= pages
    # The sign-off.
    day = timezone.localtime(completed.completed_at)
    assert f"Audited by {org.csm_north.name}, Children's Service Manager on {day:%-d %B %Y}" in (
        text
    )
    assert f"Completed on {day:%-d %B %Y}" in text


@needs_pdftotext
def test_pdf_never_names_the_child(org, completed):
    text = pdf_text(pdf.audit_pdf_bytes(completed))
    assert org.case.reference in text
    assert org.case.display_name not in text


@needs_pdftotext
def test_a_draft_says_so(org, start):
    audit = start(auditor=org.csm_north)
    text = pdf_text(pdf.audit_pdf_bytes(audit))
    assert "DRAFT" in text
    assert "not yet completed" in text
    assert "Not scaled" in text


def test_what_people_wrote_is_escaped(org, start, save):
    audit = start(auditor=org.csm_north)
    save(audit, org.csm_north, {"summary": '<img src="http://example.invalid/x.png"> & <b>'})
    html = pdf.audit_pdf_html(Audit.objects.get(pk=audit.pk))
    assert "<img" not in html
    assert "&lt;img src=&quot;http://example.invalid/x.png&quot;&gt; &amp; &lt;b&gt;" in html


# --- The download -----------------------------------------------------------------------


def url(audit):
    return reverse("audit_pdf", args=[audit.pk])


@pytest.mark.parametrize("who,status", PERSONAS.items())
def test_download_by_persona(org, login, completed, who, status, pdfs_not_laid_out):
    response = login(persona(org, who)).get(url(completed))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    else:
        assert not response.content.startswith(b"%PDF")


def test_anonymous_is_sent_to_sign_in(client, completed):
    response = client.get(url(completed))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_unknown_audit_is_404(org, login):
    assert login(org.director).get(reverse("audit_pdf", args=[999999])).status_code == 404


def test_download_headers(org, login, completed):
    response = login(org.tm).get(url(completed))
    name = pdf.audit_pdf_filename(completed)
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert org.case.reference in response["Content-Disposition"]
    assert org.case.display_name not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    # The download is the laid-out document (the other download tests use `pdfs_not_laid_out`).
    assert response.content.startswith(b"%PDF") and response.content.rstrip().endswith(b"%%EOF")


def test_download_is_logged(org, login, completed, pdfs_not_laid_out):
    login(org.tm).get(url(completed))
    event = AccessEvent.objects.get(action="download")
    assert (event.user, event.object_type, event.object_id, event.case_id) == (
        org.tm.user,
        "audit",
        str(completed.pk),
        org.case.pk,
    )
    assert event.path == url(completed)


def test_refused_download_is_not_logged_as_one(org, login, completed):
    login(org.outsider).get(url(completed))
    assert not AccessEvent.objects.filter(action="download").exists()


def test_audit_page_links_to_the_pdf(org, login, completed):
    body = login(org.worker).get(reverse("audit_detail", args=[completed.pk])).content.decode()
    assert f'href="{url(completed)}"' in body
    assert "Download PDF" in body


# --- Query count ------------------------------------------------------------------------


def filled(org, make_tool, save, *, sections: int, actions: int) -> Audit:
    version = make_tool(f"size-{sections}", sections=sections)
    audit = services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code=version.tool.code, reason="permissive"
    )
    data = complete_data(audit, scale=7)
    data["questions"] = {
        q.pk: {
            "answer": {"yes_no_na": "yes", "date": "2026-10-01", "choice": "Well"}.get(
                q.kind, "Text"
            ),
            "evidence": "In the record",
        }
        for s in version.sections.all()
        for q in s.questions.all()
    }
    data["actions"] = [
        {"description": f"Action {i}", "owner_id": org.worker.pk, "due_on": "2027-01-01"}
        for i in range(actions)
    ]
    save(audit, org.csm_north, data)
    save(
        audit,
        org.csm_north,
        {
            "overall_scale": 1,
            "serious_safeguarding": True,
            "serious_safeguarding_detail": "No safety plan.",
        },
    )
    workflows.audit_complete(audit=audit, by=org.csm_north.user)
    return audit


# Session and user, staff, the audit (scoped), the document (eight), the access log entry.
PDF_QUERIES = 15  # the user and staff record in one query; feedback and reflection
# (and whether the scales are hidden from its moderator: `selectors.scales_hidden_for`)


@pytest.mark.parametrize("sections,actions", [(2, 1), (8, 7)])
def test_query_count_does_not_grow(
    org, login, make_tool, save, django_assert_num_queries, sections, actions, pdfs_not_laid_out
):
    audit = filled(org, make_tool, save, sections=sections, actions=actions)
    client = login(org.tm)
    with django_assert_num_queries(PDF_QUERIES):
        response = client.get(url(audit))
    assert response.status_code == 200
