"""The report pages at a glance in headless Chromium at 1280 px: none longer than three
screens (3 x 800 px) before its detail, every page and tab passes axe, the tabs work without
JavaScript, and printing leaves out the page's controls."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from caseaudit.conftest import browser_screenshot, browser_signed_in
from caseaudit.qa.tests.axe import axe_check
from caseaudit.reports.tabs import TABS
from caseaudit.reports.tests.conftest import History, make_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN = 800
MAX_HEIGHT = 3 * SCREEN
GLANCES = ["report_index"] + [f"report_{report}" for report in TABS]


@pytest.fixture(autouse=True)
def shipped_tools(db):
    """A transactional test empties every table when it ends, the shipped tools and bands with
    them: load them again as their migration does (it does nothing if they are there)."""
    migration = importlib.import_module("caseaudit.audit_tools.migrations.0002_load_shipped_tools")
    migration.load(apps, None)


@pytest.fixture
def wide_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": SCREEN})
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def test_each_glance_fits_three_screens_and_passes_axe(wide_page, org):
    make_county(org, History())
    page = wide_page
    browser_signed_in(page, org.performance, home=False)
    heights = {}
    for name in GLANCES:
        page.goto(page.base_url + reverse(name))
        heights[name] = page.evaluate("() => document.body.scrollHeight")
        axe_check(page, f"{name} at a glance")
        browser_screenshot(page, f"glance-{name}")
    print("heights at 1280 px:", heights)
    assert all(h <= MAX_HEIGHT for h in heights.values()), heights


def test_every_tab_passes_axe(wide_page, org):
    make_county(org, History())
    page = wide_page
    browser_signed_in(page, org.performance, home=False)
    for report, tabs in TABS.items():
        for slug, _label in tabs:
            page.goto(page.base_url + reverse(f"report_{report}_tab", args=[slug]))
            assert page.locator("#report-tabs [aria-current=page]").inner_text() == _label
            axe_check(page, f"{report} tab {slug}")


def test_tabs_keep_the_filters_without_javascript(browser, live_server, org):
    make_county(org, History())
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.base_url = live_server.url
    browser_signed_in(page, org.tm, home=False)
    page.goto(live_server.url + "/reports/quality/")
    page.click("#report-filters >> text=This quarter")
    page.wait_for_url("**/reports/quality/?period=this_quarter")
    page.click("#report-tabs >> text=Teams and services")
    page.wait_for_url("**/reports/quality/teams/?period=this_quarter")
    assert page.locator("#table-by-team tbody tr").count() > 0
    page.click("#report-tabs >> text=At a glance")
    page.wait_for_url("**/reports/quality/?period=this_quarter")
    context.close()


def test_printing_a_report_leaves_out_its_controls(wide_page, org):
    make_county(org, History())
    page = wide_page
    browser_signed_in(page, org.performance, home=False)
    page.goto(page.base_url + "/reports/quality/audits/")
    page.emulate_media(media="print")
    for hidden in (
        "#report-tabs",
        "#report-files",
        ".govuk-service-navigation",
        "#report-filters details",
    ):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("#table-overall").is_visible()
    # A link to another page prints its address; a CSV download is left out.
    assert not page.locator("a[download]").first.is_visible()
    after = page.evaluate(
        "() => getComputedStyle(document.querySelector('#grades-moderated a'), '::after').content"
    )
    assert after.startswith('" (/')
    browser_screenshot(page, "glance-print-quality-audits")
