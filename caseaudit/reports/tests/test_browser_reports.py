"""The report pages in headless Chromium: each shows its charts and tables, the filters work
without JavaScript, and axe finds no serious accessibility problem."""

import importlib

import pytest
from django.apps import apps

from caseaudit.conftest import browser_screenshot, browser_signed_in
from caseaudit.qa.tests.axe import axe_check
from caseaudit.reports.tests.conftest import History, make_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_tools(db):
    """A transactional test empties every table when it ends, the shipped tools and bands with
    them: load them again as their migration does (it does nothing if they are there)."""
    migration = importlib.import_module("caseaudit.audit_tools.migrations.0002_load_shipped_tools")
    migration.load(apps, None)


# (title, address, the tab with the chart, the chart)
REPORTS = [
    ("Programme compliance", "/reports/compliance/", "Teams", "#chart-teams"),
    ("QA responses and actions", "/reports/responses/", "Months", "#chart-responses-months"),
    # the trend: small multiples
    ("Practice quality", "/reports/quality/", "Themes", "#chart-themes"),
    ("Findings report", "/reports/findings/", "Themes in words", "#chart-findings-themes"),
]


def axe_problems(page) -> list[str]:
    page.add_script_tag(url=page.base_url + "/static/axe/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_each_report_shows_its_charts_and_tables(browser_page, org):
    make_county(org, History())
    page = browser_page
    browser_signed_in(page, org.performance)
    page.click("nav >> text=Reports")
    page.wait_for_url("**/reports/")
    assert page.locator("#dashboard-figures .app-figure").count() == 4
    for title, address, tab, chart in REPORTS:
        page.click(f"#report-list >> text={title}")
        page.wait_for_url(f"**{address}")
        assert page.locator("h1").inner_text() == title
        page.click(f"#report-tabs >> text={tab}")
        page.wait_for_url(f"**{address}*/")
        svg = page.locator(f"svg{chart}")
        assert svg.get_attribute("role") == "img"
        assert svg.locator(":scope > title").text_content()
        assert svg.locator(":scope > desc").text_content()
        assert svg.bounding_box()["width"] > 400  # drawn at a readable size
        assert page.locator("table.govuk-table tbody tr").count() > 0
        assert axe_problems(page) == [], address
        browser_screenshot(page, "report-" + address.strip("/").replace("/", "-"))
        page.go_back()
        page.go_back()


def test_following_voice_of_the_child_over_the_year(browser_page, org):
    make_county(org, History())
    page = browser_page
    browser_signed_in(page, org.performance, home=False)
    page.goto(page.base_url + "/reports/quality/themes/")
    page.click("text=Change the period or filter")
    page.select_option("#id_theme", label="Voice of the child")
    page.click("button:has-text('Apply filters')")
    page.wait_for_url("**/reports/quality/themes/?*theme=*")
    trend = page.locator("#table-trend tbody tr")
    assert trend.count() == 1
    assert trend.first.locator("th").inner_text() == "Voice of the child"
    assert page.locator("#chart-trend polyline, #chart-trend circle").count() >= 1
    assert "theme Voice of the child" in page.locator("#filters-in-force").inner_text()
    browser_screenshot(page, "report-quality-voice-of-the-child")


def test_filters_and_downloads_work_without_javascript(browser, live_server, org):
    make_county(org, History())
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.base_url = live_server.url
    browser_signed_in(page, org.tm, home=False)
    page.goto(live_server.url + "/reports/compliance/months/")
    page.click("text=This quarter")
    page.wait_for_url("**/reports/compliance/months/?period=this_quarter*")
    assert page.locator("#chart-months").count() == 1
    page.click("button:has-text('Prepare the whole report as a spreadsheet (XLSX)')")
    page.wait_for_url("**/reports/files/*/")
    # The test settings' task backend runs the task at once; a worker would take seconds.
    assert "The file is ready" in page.locator("#export-status").inner_text()
    with page.expect_download() as download:
        page.click("#export-status a[download]")
    assert download.value.suggested_filename.startswith("compliance-")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.click("text=Back to the report")
    page.wait_for_url("**/reports/compliance/?*period=this_quarter*")
    assert "ready" in page.locator("#my-files li").first.text_content()  # the file is listed
    page.goto(live_server.url + "/reports/findings/?period=this_quarter")
    page.click("button:has-text('Prepare the whole report as a PDF')")
    page.wait_for_url("**/reports/files/*/")
    assert "The file is ready" in page.locator("#export-status").inner_text()
    browser_screenshot(page, "findings-pdf-ready")
    with page.expect_download() as download:
        page.click("#export-status a[download]")
    assert download.value.suggested_filename.startswith("findings-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    context.close()


def test_business_support_opens_the_compliance_report(browser_page, org):
    """Business Support: the activity reports of their own team (programme
    compliance, QA responses), reached from the header; never practice quality or findings."""
    make_county(org, History())
    page = browser_page
    browser_signed_in(page, org.business_support)
    assert page.locator("nav >> text=Programme").count() == 1
    assert page.locator("nav >> text=Imports").count() == 1
    page.click("nav >> text=Reports")
    page.wait_for_url("**/reports/")
    links = page.locator("#report-list a")
    assert [links.nth(i).inner_text() for i in range(links.count())] == [
        "Programme compliance",
        "QA responses and actions",
    ]
    # The figures of their reports only: no urgent findings (that is practice quality).
    assert page.locator("#figure-open-findings").count() == 0
    page.click("#report-list >> text=Programme compliance")
    page.wait_for_url("**/reports/compliance/")
    assert page.locator("h1").inner_text() == "Programme compliance"
    assert "team North A" in page.locator(".govuk-caption-l").first.inner_text()
    axe_check(page, "compliance report at a glance (Business Support)")
    page.click("#report-tabs >> text=People")
    page.wait_for_url("**/reports/compliance/people/")
    body = page.locator("main").inner_text()
    assert org.tm.name in body  # who audited what: the team's people
    assert "South A" not in body and org.tm_south.name not in body
    assert page.locator("table.govuk-table tbody tr").count() > 0
    axe_check(page, "compliance report (Business Support)")
    browser_screenshot(page, "report-compliance-business-support")
    assert page.goto(page.base_url + "/reports/quality/").status == 404
