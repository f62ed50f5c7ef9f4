"""A journey per role in headless Chromium, with axe-core run on every page visited: no
violation of serious or critical impact (the others are printed and summarised at the end).

Data is built with the apps' own services: audits completed by a manager (which asks the
worker for a QA response), urgent findings raised by a section scaled 2, a confirmed programme
allocating an audit to the Team Manager.
"""

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.organisation.models import Role
from caseaudit.programme.models import Allocation, MonthStatus, ProgrammeMonth
from caseaudit.responses import services as response_services
from caseaudit.responses.models import QAResponse, ResponseStatus

from .browser import Journey, page_for
from .conftest import audit_completed, finding_raised

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_practitioner_reads_their_cases_and_submits_their_qa_response(
    browser, live_server, org, shipped_tools
):
    audit = audit_completed(case=org.case, auditor=org.csm_north, actions=1)
    response = QAResponse.objects.get(audit=audit)
    action = audit.actions.get()

    with page_for(browser, live_server, org.worker) as page:
        journey = Journey(page, "practitioner")
        journey.check("home")
        page.click("nav >> text=Cases")
        page.wait_for_url("**/cases/")
        journey.check("cases")
        page.click(f"text={org.case.reference}")
        page.wait_for_url(f"**/cases/{org.case.pk}/")
        journey.check("case")
        page.click("nav >> text=Responses")
        page.wait_for_url("**/responses/")
        journey.check("responses")
        page.click(f"a[href='/responses/{response.pk}/']")
        page.wait_for_url(f"**/responses/{response.pk}/")
        journey.check("qa response")
        page.click("button:has-text('Submit response')")  # nothing written: refused
        page.wait_for_selector(".govuk-error-summary")
        journey.check("qa response with errors")
        page.fill(f"#id_a{action.pk}-what_done", "I have updated the chronology.")
        page.fill(f"#id_a{action.pk}-done_on", timezone.localdate().isoformat())
        page.click("button:has-text('Submit response')")
        page.wait_for_selector("text=Response submitted")
        journey.check("qa response submitted")
        page.click("header >> text=Notifications")
        page.wait_for_url("**/notifications/")
        journey.check("notifications")
        journey.open(f"/audits/{audit.pk}/", "audit")

    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert len(journey.visited) == 9


def test_practice_supervisor_authorises_a_response_and_acknowledges_a_finding(
    browser, live_server, org, shipped_tools
):
    audit = audit_completed(case=org.case, auditor=org.csm_north, actions=1)
    response = QAResponse.objects.get(audit=audit)
    response_services.response_submit(
        response=response,
        by=org.worker.user,
        action_answers={
            audit.actions.get().pk: {
                "what_done": "Chronology updated.",
                "done_on": timezone.localdate(),
            }
        },
    )
    finding = finding_raised(case=org.case, auditor=org.tm)

    with page_for(browser, live_server, org.ps1) as page:
        journey = Journey(page, "practice-supervisor")
        journey.check("home")
        page.click(f"#qa-response-panels a[href='/responses/{response.pk}/']")
        page.wait_for_url(f"**/responses/{response.pk}/")
        journey.check("response to authorise")
        page.click("button:has-text('Authorise response')")
        page.wait_for_selector("text=Response authorised")
        journey.check("response authorised")
        page.goto(page.base_url + "/")
        page.click(f"#urgent-findings a[href='/audits/findings/{finding.pk}/acknowledge/']")
        page.wait_for_url(f"**/audits/findings/{finding.pk}/acknowledge/")
        journey.check("urgent finding")
        page.click("button:has-text('Acknowledge finding')")  # no action recorded: refused
        page.wait_for_selector(".govuk-error-summary")
        journey.check("urgent finding with errors")
        page.fill("#id_action_taken", "Safety plan agreed with the family today.")
        page.click("button:has-text('Acknowledge finding')")
        page.wait_for_load_state()
        journey.check("urgent finding acknowledged")

    response.refresh_from_db()
    finding.refresh_from_db()
    assert response.status == ResponseStatus.AUTHORISED
    assert finding.acknowledged_by == org.ps1.user


def test_team_manager_follows_up_acknowledges_and_starts_an_allocated_audit(
    browser, live_server, org, shipped_tools
):
    audit_completed(case=org.case, auditor=org.csm_north, actions=2)  # an outstanding response
    finding = finding_raised(case=org.colleague_case, auditor=org.csm_north)
    programme = ProgrammeMonth.objects.create(
        month=timezone.localdate().replace(day=1),
        seed=1,
        status=MonthStatus.CONFIRMED,
        generated_at=timezone.now(),
    )
    Allocation.objects.create(
        programme=programme,
        auditor=org.tm,
        auditor_team=org.north_a,
        rule="manager-peer",
        case=org.case_b,
        tool_code="generic",
        reason="Never audited.",
    )

    with page_for(browser, live_server, org.tm) as page:
        journey = Journey(page, "team-manager")
        journey.check("home")
        page.click("nav >> text=Responses")
        page.click("text=Every outstanding response and open action I oversee")
        page.wait_for_url("**/responses/team/")
        journey.check("team responses")
        page.click("nav >> text=My work")
        page.click(f"#urgent-findings a[href='/audits/findings/{finding.pk}/acknowledge/']")
        page.wait_for_url(f"**/audits/findings/{finding.pk}/acknowledge/")
        journey.check("urgent finding")
        page.fill("#id_action_taken", "Strategy discussion held; plan updated.")
        page.click("button:has-text('Acknowledge finding')")
        page.wait_for_load_state()
        journey.check("urgent finding acknowledged")
        page.click("nav >> text=My work")
        page.click("#my-allocations button:has-text('Start audit')")
        page.wait_for_url("**/audits/*/edit/")
        journey.check("allocated audit form")
        page.click("nav >> text=Audits due")
        page.wait_for_url("**/programme/due/")
        journey.check("audits due")

    finding.refresh_from_db()
    assert finding.acknowledged_by == org.tm.user
    started = Audit.objects.get(case=org.case_b)
    assert started.auditor == org.tm and started.status == AuditStatus.DRAFT


def _report_paths() -> list[tuple[str, str]]:
    """The reports app's pages, where it is installed (it was being finished alongside)."""
    paths = []
    for name, label in (
        ("report_index", "reports"),
        ("report_compliance", "report compliance"),
        ("report_responses", "report responses"),
        ("report_quality", "report quality"),
        ("report_findings", "report findings"),
    ):
        try:
            paths.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return paths


def test_performance_generates_and_confirms_the_programme_and_reads_the_reports(
    browser, live_server, org, shipped_tools, settings
):
    settings.CASE_LIST_PAGE_SIZE = 4  # the case list in pages: its pagination is checked too
    for worker in (org.worker, org.colleague, org.worker_b):
        CaseFactory.create_batch(2, team=worker.team, allocated_worker=worker)
    audit_completed(case=org.case, auditor=org.csm_north, actions=1)
    label = timezone.localdate().strftime("%Y-%m")

    with page_for(browser, live_server, org.performance) as page:
        journey = Journey(page, "performance")
        journey.check("home")
        page.click("nav >> text=Programme")
        page.wait_for_url("**/programme/")
        journey.check("programme")
        page.select_option("#id_month", label)
        page.click("button:has-text('Generate draft')")
        page.wait_for_url(f"**/programme/{label}/")
        journey.check("programme month draft")
        page.click("button:has-text('Confirm programme')")
        page.wait_for_selector("text=is confirmed")
        journey.check("programme month confirmed")
        page.click("nav >> text=Audits due")
        page.wait_for_url("**/programme/due/")
        journey.check("audits due")
        page.click("nav >> text=Cases")
        page.wait_for_url("**/cases/")
        journey.check("cases, first page")
        page.click(".govuk-pagination__next a")
        page.wait_for_url("**/cases/?page=2")
        journey.check("cases, second page")
        for path, name in _report_paths():
            journey.open(path, name)
        # The whole report prepared as a file (the test settings run the task at once), then
        # listed on the report page.
        journey.open(reverse("report_quality"), "report quality")
        page.click("button:has-text('Prepare the whole report as a spreadsheet (XLSX)')")
        page.wait_for_selector("text=The file is ready")
        journey.check("report file ready")
        page.click("text=Back to the report")
        page.click("#my-files summary")
        journey.check("report quality with my files")

    assert ProgrammeMonth.objects.get().is_confirmed


def test_administrator_edits_a_tool_draft_and_opens_imports_and_tokens(
    browser, live_server, org, shipped_tools
):
    admin = StaffFactory(role=Role.ADMIN, team=None)

    with page_for(browser, live_server, admin) as page:
        journey = Journey(page, "administrator")
        journey.check("home")
        page.click("nav >> text=Tools")
        page.wait_for_url("**/tools/")
        journey.check("tools")
        page.click("a:has-text('Generic Audit Tool')")
        page.wait_for_url("**/tools/generic/v/1/")
        journey.check("tool version")
        page.click("button:has-text('Create draft')")
        page.wait_for_url("**/tools/generic/v/2/")
        journey.check("tool draft")
        page.click("a:has-text('Change') >> nth=0")
        page.wait_for_url("**/tools/generic/v/2/sections/*/")
        journey.check("tool draft section")
        page.go_back()
        page.click("a[aria-label='Change question 1.1']")
        page.wait_for_url("**/questions/*/")
        journey.check("tool draft question")
        journey.open("/tools/bands/", "scaling bands")
        page.click("nav >> text=Imports")
        page.wait_for_url("**/imports/")
        journey.check("imports")
        journey.open(reverse("import_staff"), "import staff")
        journey.open(reverse("import_cases"), "import cases")
        try:
            tokens = reverse("api_token_list")
        except NoReverseMatch:
            tokens = None
        if tokens:
            journey.open(tokens, "api tokens")

    assert len(journey.visited) >= 9
