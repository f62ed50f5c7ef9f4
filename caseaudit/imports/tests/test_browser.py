"""In a real headless Chromium: upload a case list, check it, see the errors of a bad one."""

import pytest

from caseaudit.cases.models import Case
from caseaudit.conftest import browser_screenshot as shot
from caseaudit.conftest import browser_sign_in
from caseaudit.imports.models import ImportRun

from .helpers import CASE_HEADER, case_row, csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_check_import_and_refuse(browser_page, org, tmp_path):
    page = browser_page
    good = tmp_path / "cases.csv"
    good.write_bytes(
        csv_bytes(CASE_HEADER, [case_row(case_id="B1", allocated_worker_id=org.worker.staff_id)])
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(CASE_HEADER, [case_row(case_id="B2", opened_on="31/13/2024")]))

    browser_sign_in(page, org.performance)
    page.click("header >> text=Imports")
    page.wait_for_url("**/imports/")
    page.click("text=Import a case list")
    page.wait_for_url("**/imports/cases/")

    page.set_input_files("#id_file", str(good))
    page.check("#id_dry_run")
    page.click("button:has-text('Upload and import')")
    assert "Nothing was changed: this was a check only" in page.inner_text("#import-result")
    assert not Case.objects.filter(reference="B1").exists()
    shot(page, "imports-dry-run")

    page.set_input_files("#id_file", str(good))
    page.click("button:has-text('Upload and import')")
    assert "cases.csv was imported" in page.inner_text("#import-result")
    assert Case.objects.filter(reference="B1").exists()

    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('Upload and import')")
    summary = page.inner_text(".govuk-error-summary")
    assert 'bad.csv row 2, column opened_on: "31/13/2024" is not a date' in summary
    shot(page, "imports-errors")

    page.click("text=Imports")
    page.wait_for_url("**/imports/")
    assert page.locator("#import-history tbody tr").count() == ImportRun.objects.count() == 2
    shot(page, "imports-history")
