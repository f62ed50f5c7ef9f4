"""The report fixes and the accessibility statement in the browser, with axe (every impact,
best practices included) on each page: the statement read without signing in from the sign-in
page's footer; a manager following the home page's "this month" figure into the compliance
report, the teams-behind figure with its definition, the theme trend as small multiples; a
back link inside <main>."""

import pytest

from caseaudit.reports.tests.conftest import History, make_county

from .browser import Journey, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anyone_reads_the_accessibility_statement_from_the_footer(browser, live_server, db):
    with page_for(browser, live_server, None) as page:
        journey = Journey(page, "anonymous")
        page.goto(live_server.url + "/accounts/login/")
        journey.check("sign in")
        page.click("footer >> text=Accessibility statement")
        page.wait_for_url("**/accessibility/")
        journey.check("accessibility statement")
        assert page.locator("h1").inner_text() == "Accessibility statement for Case audit"
        assert page.locator("#accessibility-contact a[href^='mailto:']").count() == 1


def test_a_manager_follows_this_month_and_reads_the_trend(browser, live_server, org, shipped_tools):
    make_county(org, History())
    with page_for(browser, live_server, org.performance) as page:
        journey = Journey(page, "performance")
        journey.check("home")
        page.click("#figure-programme a")
        page.wait_for_url("**/reports/compliance/?period=this_month")
        journey.check("compliance this month")
        assert page.locator("a[aria-current='true']").inner_text() == "This month"
        behind = page.locator("#glance-teams-behind").inner_text()
        assert "done fewer than 80%" in behind or "no allocated audit is due yet" in behind
        page.click("#report-filters >> text=Last month")
        page.wait_for_url("**period=last_month*")
        journey.check("compliance last month")
        assert "of " in page.locator("#glance-teams-behind").inner_text()
        journey.open("/reports/quality/themes/", "quality themes")
        panels = page.locator("#chart-trend li svg[role='img']")
        themes = page.locator("#table-trend tbody tr")
        assert panels.count() == themes.count() >= 1
        boxes = {
            tuple(panels.nth(n).get_attribute("viewBox").split()) for n in range(panels.count())
        }
        assert len(boxes) == 1  # the same size and axes for every theme
        journey.open(f"/teams/{org.north_a.code}/", "team with a back link")
        assert page.locator("main .govuk-back-link").count() == 1
        page.click("footer >> text=Accessibility statement")
        page.wait_for_url("**/accessibility/")
        journey.check("accessibility statement signed in")
