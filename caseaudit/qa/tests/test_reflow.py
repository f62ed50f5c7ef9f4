"""Pages usable at 320 CSS px wide (WCAG 1.4.10, reflow) and at 200% zoom (a 1280 px window
zoomed to 200% lays pages out in 640 CSS px, so a 640 px viewport is the same layout): no
horizontal scrolling of the page (wide tables scroll inside their own box), and the main
heading and the page's primary button are on screen within the width.

The pages: home, case list, case page, the audit form (its task list, a section's page and the
check page with "Complete audit") and audit page, as a Team Manager who has a draft audit
ready to complete, a completed one, a response to follow up and an urgent finding on the home page;
then the practitioner's home, responses and QA response pages; then, as the Performance
Assurance Team, the audit programme, a month of it and the compliance report.
"""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit
from caseaudit.conftest import browser_screenshot
from caseaudit.factories import CaseFactory
from caseaudit.programme import services as programme_services
from caseaudit.responses.models import QAResponse

from .axe import axe_check
from .browser import page_for
from .conftest import audit_completed, audit_data, audit_started, finding_raised

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Whose pages, each page and the selector of its primary button (None: a page without one).
PAGES = [
    ("tm", "home", "/", None),
    ("tm", "case list", "/cases/", "button:has-text('Apply filters')"),
    ("tm", "case page", "/cases/{case}/", "button:has-text('Start an audit')"),
    # The audit form: its task list, a task's page and the check page that completes it.
    ("tm", "audit task list", "/audits/{draft}/edit/", "a:has-text('Check answers and complete')"),
    (
        "tm",
        "audit section",
        "/audits/{draft}/edit/section-1/",
        "button:has-text('Save and continue')",
    ),
    ("tm", "audit check", "/audits/{draft}/edit/check/", "button:has-text('Complete audit')"),
    ("tm", "audit page", "/audits/{completed}/", None),
    ("worker", "practitioner home", "/", None),
    ("worker", "responses", "/responses/", None),
    ("worker", "qa response", "/responses/{response}/", "button:has-text('Submit response')"),
]

# The Performance Assurance Team's pages: the programme, a month of it (a draft, so with its
# actions) and the compliance report (its tables).
PERFORMANCE_PAGES = [
    ("programme", "/programme/", "button:has-text('Generate draft')"),
    ("programme month", "/programme/{month}/", "button:has-text('Confirm programme')"),
    ("compliance report", "/reports/compliance/", None),
]

LAYOUT = """() => {
  const doc = document.documentElement;
  // Inside a box that scrolls or clips sideways (a table's region), an element may be wide;
  // an absolutely positioned one is clipped only by a box at or above its containing block.
  const clipped = (el) => {
    const position = getComputedStyle(el).position;
    const start = position === "absolute" ? el.offsetParent : el.parentElement;
    if (position === "fixed") return false;
    for (let p = start; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > doc.clientWidth + 1 && !clipped(el)) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className}`.slice(0, 80));
    }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide: wide.slice(0, 5)};
}"""


def _on_screen(page, selector: str, width: int) -> None:
    element = page.locator(selector).first
    assert element.is_visible(), f"{selector} is not visible"
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
        f"{selector} is not within {width}px: {box}"
    )


@pytest.fixture
def pages(org, shipped_tools):
    """Paths for the Team Manager: a draft audit of the colleague's case, every answer saved
    (so its check page offers "Complete audit"), a completed audit of the worker's case (with
    its response outstanding) and an urgent finding."""
    completed = audit_completed(case=org.case, auditor=org.tm, actions=2)
    draft = audit_started(case=org.colleague_case, auditor=org.tm)
    action = ("Update the chronology.", org.colleague, dt.date(2027, 1, 15))
    audit_services.audit_save(
        audit=draft,
        by=org.tm.user,
        data=audit_data(draft, actions=[action]),
        revision=draft.revision,
    )
    finding_raised(case=org.case, auditor=org.csm_north)
    assert Audit.objects.count() == 3
    values = {
        "case": org.case.pk,
        "draft": draft.pk,
        "completed": completed.pk,
        "response": QAResponse.objects.get(audit=completed).pk,
    }
    return [(who, name, path.format(**values), button) for who, name, path, button in PAGES]


@pytest.mark.parametrize("width", [320, 640], ids=["320px", "200pc-zoom"])
def test_pages_reflow_without_horizontal_scrolling(browser, live_server, org, pages, width):
    problems = []
    for who in ("tm", "worker"):
        with page_for(
            browser, live_server, getattr(org, who), width=width, height=640, home=False
        ) as page:
            problems += _check_pages(page, [p[1:] for p in pages if p[0] == who], width)
    assert not problems, problems


@pytest.mark.parametrize("width", [320, 640], ids=["320px", "200pc-zoom"])
def test_programme_and_compliance_reflow(browser, live_server, org, shipped_tools, width):
    for worker in (org.worker, org.colleague, org.worker_b):
        CaseFactory.create_batch(2, team=worker.team, allocated_worker=worker)
    month = timezone.localdate().replace(day=1)
    programme = programme_services.programme_generate(month=month, seed=1)
    assert programme.allocations.filter(case__isnull=False).count() >= 3
    pages = [(name, path.format(month=programme.label), b) for name, path, b in PERFORMANCE_PAGES]
    with page_for(
        browser, live_server, org.performance, width=width, height=640, home=False
    ) as page:
        problems = _check_pages(page, pages, width)
    assert not problems, problems


def _check_pages(page, pages, width: int) -> list[str]:
    problems = []
    for name, path, button in pages:
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        layout = page.evaluate(LAYOUT)
        if layout["scrollWidth"] > width:
            problems.append(f"{name}: {layout['scrollWidth']}px wide ({layout['wide']})")
        _on_screen(page, "main h1", width)
        if button:
            _on_screen(page, button, width)
        # Narrow layouts bring their own problems (a table box that scrolls must be
        # reachable by keyboard, for one): axe checks each page at this size too.
        axe_check(page, f"{name} at {width}px")
        browser_screenshot(page, f"qa-reflow-{width}-{name}".replace(" ", "-"))
    return problems
