"""Report files prepared in the background (the findings PDF, each report's spreadsheet):
asked for from the page, built as the user who asked (their scope, the page's filters), seen
and downloaded by that user only, listed on the report page for them, logged when
downloaded, and deleted after a day."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from caseaudit.accounts.models import AccessEvent
from caseaudit.reports import services
from caseaudit.reports.models import ExportStatus, ReportExport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """WeasyPrint is exercised by the findings PDF tests; here the file's context is kept so
    tests can check whose scope and which filters it was built with."""
    made = []

    def fake_pdf(context):
        made.append(context)
        return b"%PDF-1.7 " + context["scope"].label.encode()

    monkeypatch.setattr("caseaudit.reports.exports.findings_pdf", fake_pdf)
    return made


def prepare(client, query="period=this_quarter", callbacks=None, **file):
    with callbacks(execute=True):
        return client.post(reverse("report_export_prepare"), {"params": query, **file})


def test_prepare_build_and_download(
    org, login, county, django_capture_on_commit_callbacks, quick_pdf
):
    client = login(org.tm)
    response = prepare(client, callbacks=django_capture_on_commit_callbacks)
    export = ReportExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report_export", args=[export.pk])
    assert export.user == org.tm.user and export.status == ExportStatus.READY
    # built with the page's filters and the Team Manager's own scope
    quarter_start = timezone.localdate().replace(
        day=1, month=(timezone.localdate().month - 1) // 3 * 3 + 1
    )
    assert quick_pdf[0]["filters"].start == quarter_start
    assert quick_pdf[0]["scope"].label == f"team {org.north_a.name}"
    assert (
        export.filename
        == f"findings-{quarter_start:%Y-%m-%d}-to-{timezone.localdate():%Y-%m-%d}.pdf"
    )

    page = client.get(reverse("report_export", args=[export.pk])).content.decode()
    assert "The file is ready" in page and 'http-equiv="refresh"' not in page
    assert "Findings report as a PDF" in page
    before = AccessEvent.objects.filter(action="export", object_type="report").count()
    download = client.get(reverse("report_export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download.content == f"%PDF-1.7 team {org.north_a.name}".encode()
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert AccessEvent.objects.filter(action="export", object_type="report").count() == before + 1


@pytest.mark.parametrize("report", ["compliance", "responses", "quality", "findings"])
def test_each_report_s_spreadsheet_is_prepared_in_the_background(
    org, login, county, django_capture_on_commit_callbacks, report
):
    client = login(org.tm)
    response = prepare(
        client,
        "period=this_year",
        django_capture_on_commit_callbacks,
        report=report,
        format="xlsx",
    )
    export = ReportExport.objects.get()
    assert response["Location"] == reverse("report_export", args=[export.pk])
    assert (export.report, export.file_format, export.status) == (
        report,
        "xlsx",
        ExportStatus.READY,
    )
    assert export.filename.startswith(f"{report}-") and export.filename.endswith(".xlsx")
    page = client.get(reverse("report_export", args=[export.pk])).content.decode()
    assert "as a spreadsheet (XLSX)" in page
    assert f'href="{reverse("report_" + report)}?period=this_year' in page  # back to the report
    download = client.get(reverse("report_export_download", args=[export.pk]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(download.content), read_only=True)
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Scope"] == f"Team {org.north_a.name}"  # the Team Manager's own scope
    assert len(book.sheetnames) > 1
    event = AccessEvent.objects.filter(action="export", object_type="report").latest("at")
    assert event.object_id == report


def test_files_that_cannot_be_prepared_are_refused(org, login):
    client = login(org.tm)
    for file in (
        {"report": "quality", "format": "pdf"},
        {"report": "secrets", "format": "xlsx"},
        {"report": "compliance", "format": "exe"},
    ):
        assert client.post(reverse("report_export_prepare"), file).status_code == 404
    assert not ReportExport.objects.exists()
    with pytest.raises(ValueError, match="No background pdf file"):
        services.export_request(user=org.tm.user, report="quality", params="", file_format="pdf")


def test_the_report_page_lists_the_user_s_own_files(org, login, county):
    tm = login(org.tm)
    tm.post(reverse("report_export_prepare"), {"report": "quality", "format": "xlsx"})
    mine = ReportExport.objects.get()
    ReportExport.objects.create(user=org.tm_b.user, report="quality", file_format="xlsx")
    ReportExport.objects.create(user=org.tm.user, report="findings")  # another report
    body = tm.get(reverse("report_quality")).content.decode()
    assert body.count(reverse("report_export", args=[mine.pk])) == 1
    assert body.count('href="/reports/files/') == 1
    assert "Spreadsheet, asked for at" in body and "being prepared" in body
    assert 'id="my-files" open' in body  # a file still being prepared: shown open
    # the quality report offers its spreadsheet, not a PDF (only the findings report has one)
    assert 'name="format" value="xlsx"' in body and 'name="format" value="pdf"' not in body
    other = login(org.tm_b).get(reverse("report_quality")).content.decode()
    assert reverse("report_export", args=[mine.pk]) not in other


def test_only_the_user_who_asked_sees_the_file(
    org, login, county, django_capture_on_commit_callbacks
):
    prepare(login(org.tm), callbacks=django_capture_on_commit_callbacks)
    export = ReportExport.objects.get()
    for staff in (org.tm_b, org.csm_north, org.performance, org.director, org.worker):
        client = login(staff)
        assert client.get(reverse("report_export", args=[export.pk])).status_code == 404
        assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 404


def test_people_without_reports_cannot_ask(org, login):
    for staff in (org.worker, org.colleague, org.iro):
        response = login(staff).post(reverse("report_export_prepare"), {"params": ""})
        assert response.status_code == 404
    assert not ReportExport.objects.exists()
    assert login(org.tm).get(reverse("report_export_prepare")).status_code == 405


def test_a_queued_file_refreshes_and_its_download_waits(org, login, county):
    client = login(org.tm)
    client.post(reverse("report_export_prepare"), {"params": ""})  # the task is not run
    export = ReportExport.objects.get()
    assert export.status == ExportStatus.QUEUED
    page = client.get(reverse("report_export", args=[export.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "being prepared" in page
    download = client.get(reverse("report_export_download", args=[export.pk]))
    assert download.status_code == 302
    assert download["Location"] == reverse("report_export", args=[export.pk])


def test_a_file_for_someone_who_lost_their_reports_fails_without_content(org, login, county):
    login(org.tm).post(reverse("report_export_prepare"), {"params": ""})
    export = ReportExport.objects.get()
    org.tm.role = "practitioner"
    org.tm.save(update_fields=["role"])
    assert services.export_build(export_id=str(export.pk)) == "failed"
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and export.content is None
    assert "no longer available" in export.error
    # building again changes nothing
    assert services.export_build(export_id=str(export.pk)) == "not queued"


def test_files_are_deleted_a_day_after_they_were_asked_for(org, login, county):
    client = login(org.tm)
    old = ReportExport.objects.create(
        user=org.tm.user,
        report="findings",
        status=ExportStatus.READY,
        content=b"%PDF old",
        filename="old.pdf",
        created_at=timezone.now() - services.EXPORT_KEPT - dt.timedelta(minutes=1),
    )
    assert client.get(reverse("report_export", args=[old.pk])).status_code == 404
    client.post(reverse("report_export_prepare"), {"params": ""})
    assert not ReportExport.objects.filter(pk=old.pk).exists()
    assert ReportExport.objects.count() == 1


def test_the_findings_page_offers_the_background_pdf_and_spreadsheet(org, login, county):
    body = login(org.tm).get(reverse("report_findings") + "?period=this_year").content.decode()
    assert body.count(f'action="{reverse("report_export_prepare")}"') == 2
    assert body.count('name="params" value="period=this_year') == 2
    assert 'name="format" value="pdf"' in body and 'name="format" value="xlsx"' in body


def test_status_page_queries_do_not_grow(org, login, county, django_assert_max_num_queries):
    client = login(org.tm)
    client.post(reverse("report_export_prepare"), {"params": ""})
    export = ReportExport.objects.get()
    url = reverse("report_export", args=[export.pk])
    client.get(url)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_the_nightly_command_deletes_files_past_their_day(org, capsys):
    from django.core.management import call_command

    old = ReportExport.objects.create(
        user=org.tm.user,
        report="findings",
        status=ExportStatus.READY,
        content=b"%PDF old",
        created_at=timezone.now() - services.EXPORT_KEPT - dt.timedelta(minutes=1),
    )
    fresh = ReportExport.objects.create(user=org.tm.user, report="findings")
    call_command("refresh_report_summary")
    assert "Report files past their day deleted: 1." in capsys.readouterr().out
    assert not ReportExport.objects.filter(pk=old.pk).exists()
    assert ReportExport.objects.filter(pk=fresh.pk).exists()
