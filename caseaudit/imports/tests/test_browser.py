"""In a real headless Chromium: upload a case list, check it, see the errors of a bad one; a
staff list with a team typo, refused, then ticked to create the team."""

import pytest

from caseaudit.cases.models import Case
from caseaudit.conftest import browser_screenshot as shot
from caseaudit.conftest import browser_sign_in
from caseaudit.factories import StaffFactory
from caseaudit.imports.models import ImportRun
from caseaudit.organisation.models import Role, Team
from caseaudit.qa.tests.axe import axe_check

from .helpers import CASE_HEADER, STAFF_HEADER, case_row, csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page) -> None:
    """Upload and wait for the answer: reading the page straight after the click could read
    the page before it (which may show the previous import's result)."""
    with page.expect_navigation():
        page.click("button:has-text('Upload and import')")


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
    _submit(page)
    assert "Nothing was changed: this was a check only" in page.inner_text("#import-result")
    assert not Case.objects.filter(reference="B1").exists()
    shot(page, "imports-dry-run")

    page.set_input_files("#id_file", str(good))
    _submit(page)
    assert "cases.csv was imported" in page.inner_text("#import-result")
    assert Case.objects.filter(reference="B1").exists()

    page.set_input_files("#id_file", str(bad))
    _submit(page)
    summary = page.inner_text(".govuk-error-summary")
    assert 'bad.csv row 2, column opened_on: "31/13/2024" is not a date' in summary
    shot(page, "imports-errors")

    page.click("text=Imports")
    page.wait_for_url("**/imports/")
    assert page.locator("#import-history tbody tr").count() == ImportRun.objects.count() == 2
    shot(page, "imports-history")


def test_a_team_typo_is_refused_then_created_once_ticked(browser_page, org, tmp_path):
    """A staff list with a typo in a team name: the error suggests the team meant, and the box
    lists the name it would create; ticked, the check and the import name it."""
    admin = StaffFactory(role=Role.ADMIN, team=None)
    typo = "Nortth A"
    staff = tmp_path / "staff.csv"
    staff.write_bytes(
        csv_bytes(
            STAFF_HEADER, [["T1", "Tam Typo", "tam@example.org", "practitioner", typo, "North", ""]]
        )
    )
    page = browser_page
    browser_sign_in(page, admin)
    page.goto(page.base_url + "/imports/staff/")
    assert page.locator("#id_allow_new_teams").count() == 0

    page.set_input_files("#id_file", str(staff))
    _submit(page)
    summary = page.inner_text(".govuk-error-summary")
    assert f'no team named "{typo}" in North (did you mean "North A"?)' in summary
    assert f"{typo} (service area North)" in page.inner_text("#new-places")
    assert not page.is_checked("#id_allow_new_teams")
    axe_check(page, "staff import: unknown team")
    shot(page, "imports-new-team-typo")
    assert not Team.objects.filter(name=typo).exists()

    page.set_input_files("#id_file", str(staff))
    page.check("#id_allow_new_teams")
    page.check("#id_dry_run")
    _submit(page)
    assert "Nothing was changed: this was a check only" in page.inner_text("#import-result")
    assert f"{typo} (service area North)" in page.inner_text("#new-teams")
    assert page.is_checked("#id_allow_new_teams")  # still ticked for this file
    axe_check(page, "staff import: new team checked")
    shot(page, "imports-new-team-ticked")
    assert not Team.objects.filter(name=typo).exists()

    page.set_input_files("#id_file", str(staff))
    _submit(page)
    assert "staff.csv was imported" in page.inner_text("#import-result")
    assert f"{typo} (service area North)" in page.inner_text("#new-teams")
    assert Team.objects.get(name=typo).service_area == org.north
    run = ImportRun.objects.get(status="succeeded")
    assert run.new_places_allowed_by == admin.user
