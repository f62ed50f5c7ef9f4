"""The improvement journey in headless Chromium, axe-core run on every page: the Performance
Assurance Team writes a findings report with two recommendations, the Director reviews it, the
team publishes it (its PDF and Word files open) and the recommendations become improvement
actions; a case scaled in the lowest band has a follow-up audit due, on the Audits due page;
good practice goes from the audit page to the library. Then the new pages at 320 px wide.
"""

import datetime as dt
import io

import pytest
from django.utils import timezone

from caseaudit.improvement.models import FindingsReport, ImprovementAction, ReportStatus
from caseaudit.improvement.tests.conftest import completed_audit
from caseaudit.programme.followups import followup_schedule_for_audit
from caseaudit.programme.models import FollowUp

from .axe import axe_check
from .browser import Journey, page_for
from .test_reflow import LAYOUT, _on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_findings_report_written_reviewed_published_and_followed_up(
    browser, live_server, org, shipped_tools
):
    completed_audit(
        case=org.colleague_case, auditor=org.director, scale=6, good_practice="Clear plan."
    )
    low = completed_audit(case=org.case, auditor=org.director, scale=1)
    # The audit completion workflow calls this; the journey schedules it directly.
    followup = followup_schedule_for_audit(audit=low, now=timezone.now())
    FollowUp.objects.filter(pk=followup.pk).update(due_on=timezone.localdate())
    due = (timezone.localdate() + dt.timedelta(days=45)).isoformat()

    with page_for(browser, live_server, org.performance) as page:
        journey = Journey(page, "performance")
        page.click("nav >> text=Improvement")
        page.wait_for_url("**/improvement/")
        journey.check("improvement")
        page.click("text=Start a findings report")
        page.wait_for_url("**/improvement/reports/new/")
        journey.check("new findings report")
        page.fill("#id_title", "Quarterly findings")
        page.select_option("#id_scope_kind", "authority")
        page.fill("#id_period_start", (timezone.localdate() - dt.timedelta(days=90)).isoformat())
        page.fill("#id_period_end", timezone.localdate().isoformat())
        page.click("button:has-text('Start the draft')")
        page.wait_for_url("**/edit/")
        journey.check("edit findings report")
        assert page.locator("#suggestions").count() == 1  # the generated hints, as suggestions
        page.fill("#id_overview", "Chronologies lag behind; direct work is strong.")
        page.fill("#id_rec-0-text", "Every chronology updated monthly.")
        page.select_option("#id_rec-0-owner", str(org.tm.pk))
        page.fill("#id_rec-0-due_on", due)
        page.fill("#id_rec-1-text", "Direct work recorded after every visit.")
        page.select_option("#id_rec-1-owner", str(org.csm_north.pk))
        page.fill("#id_rec-1-due_on", due)
        page.click("button:has-text('Save the report')")
        page.wait_for_selector("text=Report saved.")
        journey.check("draft findings report")
        report = FindingsReport.objects.get(title="Quarterly findings")
        page.select_option("#id_reviewer", str(org.director.pk))
        page.click("button:has-text('Send for review')")
        page.wait_for_selector(f"text=Sent to {org.director.name} for review.")

    with page_for(browser, live_server, org.director, home=False) as page:
        journey = Journey(page, "director")
        journey.open(f"/improvement/reports/{report.pk}/", "report to review")
        page.check("#id_decision_0")
        page.click("button:has-text('Send your review')")
        page.wait_for_selector("text=Approved for publishing.")
        journey.check("report approved")

    with page_for(browser, live_server, org.performance, home=False) as page:
        journey = Journey(page, "performance")
        journey.open(f"/improvement/reports/{report.pk}/", "approved report")
        page.click("button:has-text('Publish the report')")
        page.wait_for_selector("text=Published: its figures are fixed")
        journey.check("published report")
        pdf = page.context.request.get(f"{page.base_url}/improvement/reports/{report.pk}/pdf/")
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        word = page.context.request.get(f"{page.base_url}/improvement/reports/{report.pk}/docx/")
        from docx import Document

        text = "\n".join(p.text for p in Document(io.BytesIO(word.body())).paragraphs)
        assert "2. Direct work recorded after every visit." in text
        page.click("nav >> text=Improvement")
        page.wait_for_url("**/improvement/")
        page.click("#improvement-links >> text=Improvement actions")
        page.wait_for_url("**/improvement/actions/")
        journey.check("improvement actions")
        assert page.locator("#action-board tbody tr").count() == 2

    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED
    assert report.figures["figures"]["audits"] == 2  # frozen when published
    assert ImprovementAction.objects.filter(report=report).count() == 2
    action = report.actions.get(number=1)

    with page_for(browser, live_server, org.tm, home=False) as page:
        journey = Journey(page, "tm")
        journey.open(f"/improvement/actions/{action.pk}/", "improvement action")
        page.select_option("#id_status", "in_progress")
        page.fill("#id_note", "Chronology clinic booked for the team.")
        page.fill("#id_evidence_url", "https://intranet.example/clinic")
        page.click("button:has-text('Record progress')")
        page.wait_for_selector("text=Progress recorded.")
        journey.check("improvement action in progress")
        page.click("nav >> text=Audits due")
        page.wait_for_url("**/programme/due/")
        journey.check("audits due")
        assert org.case.reference in page.inner_text("#followups-due-table")
        journey.open("/improvement/follow-ups/", "follow-ups")
        assert org.case.reference in page.inner_text("#followups-due")

    good = completed_audit(
        case=org.case, auditor=org.director, scale=8, good_practice="A life story book."
    )
    with page_for(browser, live_server, org.director, home=False) as page:
        journey = Journey(page, "director")
        journey.open(f"/audits/{good.pk}/", "audit page")
        page.click("text=Put forward as good practice")
        page.wait_for_url(f"**/improvement/good-practice/audits/{good.pk}/")
        journey.check("put forward good practice")
        page.fill("#id_title", "Life story work")
        page.select_option("#id_theme", index=1)
        page.click("button:has-text('Put forward')")
        page.wait_for_selector("text=Put forward: the case's manager is asked")
        journey.check("good practice put forward")

    with page_for(browser, live_server, org.tm, home=False) as page:
        journey = Journey(page, "tm")
        journey.open("/improvement/good-practice/to-decide/", "good practice to decide")
        # Wait for the decision page: axe run mid-navigation loses its context.
        page.click("text=Life story work")
        page.wait_for_url("**/improvement/good-practice/*/decide/")
        journey.check("decide good practice")
        page.check("#id_decision_0")
        page.click("button:has-text('Save your decision')")
        page.wait_for_selector("text=Shared in the library.")
        journey.open("/improvement/good-practice/", "good-practice library")
        assert "Life story work" in page.inner_text("#library")


@pytest.mark.parametrize("width", [320, 640], ids=["320px", "200pc-zoom"])
def test_improvement_pages_reflow(browser, live_server, org, shipped_tools, width):
    from caseaudit.improvement.tests.conftest import published_report

    completed_audit(case=org.case, auditor=org.director, scale=4, good_practice="Good.")
    report = published_report(org)
    draft = FindingsReport.objects.create(
        title="Draft",
        scope_kind="authority",
        period_start=report.period_start,
        period_end=report.period_end,
        author=org.performance,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    action = report.actions.get(number=1)
    pages = [
        ("improvement", "/improvement/", None),
        ("report", f"/improvement/reports/{report.pk}/", None),
        (
            "report edit",
            f"/improvement/reports/{draft.pk}/edit/",
            "button:has-text('Save the report')",
        ),
        ("actions", "/improvement/actions/", "button:has-text('Apply filters')"),
        ("action", f"/improvement/actions/{action.pk}/", "button:has-text('Record progress')"),
        ("follow-ups", "/improvement/follow-ups/", None),
        ("library", "/improvement/good-practice/", None),
    ]
    problems = []
    with page_for(
        browser, live_server, org.performance, width=width, height=800, home=False
    ) as page:
        for name, path, button in pages:
            response = page.goto(page.base_url + path)
            assert response.status == 200, path
            layout = page.evaluate(LAYOUT)
            if layout["scrollWidth"] > width:
                problems.append(f"{name}: {layout['scrollWidth']}px wide ({layout['wide']})")
            _on_screen(page, "main h1", width)
            if button:
                _on_screen(page, button, width)
            axe_check(page, f"improvement {name} at {width}px")
    assert not problems, problems
