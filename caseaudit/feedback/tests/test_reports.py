"""The family's and the practitioner's voice in the reports (reports/selectors/family_voice.py):
practice quality's figures and tables, and the findings report's consented words, escaped and
without names, on the page, in the PDF and in the spreadsheet."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from caseaudit.feedback import services

from .conftest import answer, complete

pytestmark = pytest.mark.django_db

XSS = '=HYPERLINK("http://x")<script>alert(1)</script>'


@pytest.fixture
def answered(org, draft, make_request):
    """Two requests on the worker's case, one answered with consent, the practitioner's
    reflection, and the audit completed."""
    draft.case.display_name = "Tallulah Brightwater"
    draft.case.save()
    org.worker.name = "Morgan Ellis"
    org.worker.save()
    _request, token = make_request()
    make_request()
    answer(
        Client(),
        token,
        going_well=f"Tallulah says {org.worker.name} listens. {XSS}",
        worries="Nothing",
        scale="8",
        share="yes",
    )
    collaboration = services.collaboration_invite(audit=draft, by=org.csm_north.user)
    services.reflection_save(
        collaboration=collaboration,
        by=org.worker.user,
        proud_of="Proud",
        do_differently="",
        support_needed="",
    )
    return complete(draft, org.csm_north)


def test_quality_report_shows_the_family_voice(org, login, answered):
    response = login(org.tm).get(reverse("report_quality_tab", args=["voice"]))
    assert response.status_code == 200
    body = response.content.decode()
    voice = response.context["report"].extra["family_voice"]
    assert (voice["sent"], voice["answered"], voice["rate"]) == (2, 1, 50.0)
    assert voice["average"] == 8.0
    assert (voice["with_feedback"], voice["reflected"]) == (100.0, 100.0)
    assert 'id="family-voice-figures"' in body
    assert 'id="table-family-voice-teams"' in body and 'id="table-family-voice-themes"' in body
    teams = next(t for t in response.context["report"].tables if t.key == "family-voice-teams")
    assert teams.rows == [["North A", 1, 2, 1, 50.0, 8.0, 100.0, 100.0]]
    themes = next(t for t in response.context["report"].tables if t.key == "family-voice-themes")
    assert themes.rows and all(row[1] == 1 and row[3] == 8.0 for row in themes.rows)


def test_quality_report_queries_do_not_grow(org, login, answered, draft, django_assert_num_queries):
    client = login(org.tm)
    client.get(reverse("report_quality_tab", args=["voice"]))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(reverse("report_quality_tab", args=["voice"]))
    # Another answered audit changes nothing in the count.
    from caseaudit.audits import services as audit_services
    from caseaudit.audits.models import AuditReason
    from caseaudit.factories import CaseFactory

    case = CaseFactory(team=org.north_a, allocated_worker=org.colleague)
    audit = audit_services.audit_start(
        case=case, auditor=org.csm_north, tool_code="generic", reason=AuditReason.PERMISSIVE
    )
    created = services.feedback_request_create(
        audit=audit,
        by=org.csm_north.user,
        relationship="parent",
        audience="child",
        channel="letter",
    )
    answer(Client(), created.token, worries="More", scale="3", share="yes")
    complete(audit, org.csm_north)
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("report_quality_tab", args=["voice"]))
    assert len(second) == len(first)


def test_findings_report_quotes_consented_words_without_names(org, login, answered, make_request):
    client = login(org.tm)
    body = client.get(reverse("report_findings_tab", args=["good-practice"])).content.decode()
    assert 'id="table-family-words"' in body
    assert "[name] says [name] listens." in body
    assert "Tallulah" not in body.split('id="table-family-words"')[1].split("</table>")[0]
    assert (
        org.worker.name.split()[0]
        not in body.split('id="table-family-words"')[1].split("</table>")[0]
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    csv = client.get(reverse("report_csv", args=["findings", "family-words"]))
    assert csv.status_code == 200
    text = b"".join(csv.streaming_content if csv.streaming else [csv.content]).decode()
    assert "[name] says [name] listens." in text and "Tallulah" not in text


def test_findings_spreadsheet_and_pdf_escape_the_words(org, login, answered):
    from django.template.loader import render_to_string
    from django.utils import timezone

    from caseaudit.reports import selectors
    from caseaudit.reports.files import report_xlsx_for
    from caseaudit.reports.forms import ReportFilterForm
    from caseaudit.reports.scope import report_scope_or_404

    content, _name = report_xlsx_for(
        user=org.tm.user,
        report="findings",
        params={},
        today=timezone.localdate(),
        now=timezone.now(),
    )
    book = load_workbook(io.BytesIO(content))
    sheet = next(ws for ws in book.worksheets if "family" in ws.title.lower())
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    quoted = next(c for c in cells if "listens" in c)
    assert quoted.startswith("[name] says")
    assert not any(str(c).startswith("=") for c in cells)
    scope = report_scope_or_404(org.tm.user, "findings")
    filters = ReportFilterForm(None, scope=scope, today=timezone.localdate()).filters()
    data = selectors.build_report(
        report="findings", scope=scope, filters=filters, today=timezone.localdate()
    )
    html = render_to_string(
        "reports/findings_print.html",
        {
            "report": data,
            "title": "Findings",
            "scope": scope,
            "filters": filters,
            "about": [],
            "today": timezone.localdate(),
            "pdf": True,
        },
    )
    assert "In the family" in html
    assert "&lt;script&gt;" in html and "<script>alert(1)" not in html


def test_words_not_consented_are_not_quoted(org, login, draft, make_request):
    _request, token = make_request()
    answer(Client(), token, going_well="Keep this private", share="no")
    complete(draft, org.csm_north)
    body = (
        login(org.tm).get(reverse("report_findings_tab", args=["good-practice"])).content.decode()
    )
    assert "Keep this private" not in body


def test_a_formula_in_the_familys_words_stays_text(org, login, draft, make_request):
    _request, token = make_request()
    answer(Client(), token, going_well='=HYPERLINK("http://x","y")', share="yes")
    complete(draft, org.csm_north)
    csv = login(org.tm).get(reverse("report_csv", args=["findings", "family-words"]))
    text = b"".join(csv.streaming_content if csv.streaming else [csv.content]).decode()
    assert "'=HYPERLINK" in text


def test_two_answers_on_one_audit_are_counted_once_each(org, login, draft, make_request):
    for scale in ("4", "10"):
        _request, token = make_request()
        answer(Client(), token, worries="x", scale=scale)
    make_request()
    collaboration = services.collaboration_invite(audit=draft, by=org.csm_north.user)
    services.reflection_save(
        collaboration=collaboration,
        by=org.worker.user,
        proud_of="Proud",
        do_differently="",
        support_needed="",
    )
    complete(draft, org.csm_north)
    report = login(org.tm).get(reverse("report_quality_tab", args=["voice"])).context["report"]
    voice = report.extra["family_voice"]
    assert (voice["sent"], voice["answered"], voice["average"]) == (3, 2, 7.0)
    assert (voice["with_feedback"], voice["reflected"]) == (100.0, 100.0)
    teams = next(t for t in report.tables if t.key == "family-voice-teams")
    assert teams.rows == [["North A", 1, 3, 2, 66.7, 7.0, 100.0, 100.0]]
    themes = next(t for t in report.tables if t.key == "family-voice-themes")
    assert all(row[1] == 1 and row[3] == 7.0 for row in themes.rows)
