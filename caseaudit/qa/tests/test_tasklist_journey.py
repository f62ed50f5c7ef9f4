"""The audit as a task list, in headless Chromium: a Team Manager completes a Generic Audit
over two sittings through its task list (one page per section, the child and family, the
actions and the overall findings, then "check answers" and "Complete audit"), the statuses
right each time they come back; axe on the task list, a section page and the check page; the
same pages at 320 px without horizontal scrolling. Page heights are measured against the
single-page form this replaced (about 24,000 px at 1280 px wide, 37,000 at 320)."""

import pytest

from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.conftest import browser_screenshot

from .browser import Journey, page_for
from .conftest import audit_started
from .test_reflow import _check_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEIGHT = "() => document.documentElement.scrollHeight"
STATUSES = """() => Array.from(document.querySelectorAll('.govuk-task-list__status'),
  (e) => e.innerText.trim())"""
# The single-page form's height before it became a task list.
OLD_HEIGHT = {1280: 24_000, 320: 37_000}


def _statuses(page) -> list[str]:
    return page.evaluate(STATUSES)


def _fill_section(page, section, *, words: str, scale: str | None = "7") -> None:
    page.fill(f"textarea[name='s{section.pk}-working_well']", words)
    if scale and section.scaled:
        page.check(f"input[name='s{section.pk}-scale'][value='{scale}']")
    for question in section.questions.filter(required=True):
        answer = question.choices[0] if question.kind == "choice" else "yes"
        page.check(f"input[name='q{question.pk}-answer'][value='{answer}']")


def _press(page, intent: str) -> None:
    # The form may wait for an autosave on its way before it posts: wait for the page it loads.
    with page.expect_navigation():
        page.click(f"button[name=intent][value={intent}]")


def test_a_team_manager_completes_an_audit_through_the_task_list_in_two_sittings(
    browser, live_server, org, shipped_tools
):
    audit = audit_started(case=org.colleague_case, auditor=org.tm)
    sections = list(audit.tool_version.sections.order_by("order", "id"))
    tasks = len(sections) + 4
    task_list = f"/audits/{audit.pk}/edit/"
    heights: dict[str, int] = {}

    # First sitting: the first section whole, the second begun; then "come back later".
    with page_for(browser, live_server, org.tm, home=False) as page:
        journey = Journey(page, "task-list-tm")
        journey.open(task_list, "task list")
        assert _statuses(page) == ["Not started"] * tasks
        assert f"You have completed 0 of {tasks} tasks." in page.inner_text("#tasks-done")
        heights["task list"] = page.evaluate(HEIGHT)
        with page.expect_navigation():
            page.click(f".govuk-task-list__link:has-text('1. {sections[0].title}')")
        journey.check("section page")
        # The scaling guidance once, folded beside the scale.
        assert page.locator("details:has-text('How to choose the scale')").count() == 1
        _fill_section(page, sections[0], words="Chronology current and clear.")
        _press(page, "continue")
        page.wait_for_url(f"**{task_list}section-2/")
        page.fill(f"textarea[name='s{sections[1].pk}-working_well']", "Begun: to finish.")
        _press(page, "later")
        page.wait_for_url(f"**{task_list}")
        assert "Draft saved at" in page.inner_text(".govuk-notification-banner")
        assert _statuses(page) == ["Completed", "In progress"] + ["Not started"] * (tasks - 2)
        browser_screenshot(page, "tasklist-after-first-sitting")

    # Second sitting: the statuses are as they were left; finish every task.
    with page_for(browser, live_server, org.tm, home=False) as page:
        journey = Journey(page, "task-list-tm-again")
        page.goto(page.base_url + task_list)
        assert _statuses(page) == ["Completed", "In progress"] + ["Not started"] * (tasks - 2)
        assert f"You have completed 1 of {tasks} tasks." in page.inner_text("#tasks-done")

        # The check page before the audit is whole: every gap, linked to its page.
        with page.expect_navigation():
            page.click("#check-link")
        journey.check("check page with gaps")
        assert "The audit cannot be completed yet" in page.inner_text("#gaps")
        gaps = page.locator("#check-tasks li a")
        assert gaps.count() >= len(sections)
        assert page.locator("#complete-audit").count() == 0
        with page.expect_navigation():
            page.click(f"#gaps-section-2 a:has-text('Choose a scale for “{sections[1].title}”')")
        assert page.url.endswith(f"{task_list}section-2/?check=1#id_s{sections[1].pk}-scale")
        assert "Choose a scale for" in page.inner_text(".govuk-error-summary")

        # Section 2 onwards, page after page with "Save and continue".
        for number, section in enumerate(sections[1:], start=2):
            assert page.url.split("?")[0].endswith(f"{task_list}section-{number}/"), page.url
            _fill_section(page, section, words=f"Section {number}: evidenced.")
            heights[f"section {number}"] = page.evaluate(HEIGHT)
            _press(page, "continue")
        page.wait_for_url(f"**{task_list}voice-of-the-child/")
        page.fill("#id_voice_of_child", "She says she feels safe and wants to stay at school.")
        _press(page, "continue")
        page.wait_for_url(f"**{task_list}family-contact/")
        journey.check("family contact page")
        page.check("input[name=contact_made][value=yes]")
        page.fill("#id_who_contacted", "Her mother")
        page.check("input[name=contact_method][value=phone]")
        _press(page, "continue")
        page.wait_for_url(f"**{task_list}restorative-actions/**")
        _press(page, "continue")  # no action needed for Good scales: the blank rows are ignored
        page.wait_for_url(f"**{task_list}overall/")
        page.check("input[name=overall_scale][value='7']")
        page.fill("#id_summary", "A well-managed case; the child is heard.")
        _press(page, "continue")

        # Check answers: nothing missing; complete.
        page.wait_for_url(f"**{task_list}check/")
        journey.check("check page")
        heights["check page"] = page.evaluate(HEIGHT)
        assert page.locator("#gaps").count() == 0
        assert page.locator("#check-tasks").inner_text().count("Completed") == tasks - 1
        assert "Not needed" in page.inner_text("#check-tasks")  # the restorative actions
        browser_screenshot(page, "tasklist-check-page")
        with page.expect_navigation():
            page.click("#complete-audit")
        assert page.url.endswith(f"/audits/{audit.pk}/"), page.url
        assert "Audit completed" in page.inner_text(".govuk-notification-banner")

    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert audit.summary == "A well-managed case; the child is heard."
    assert sorted(audit.section_answers.values_list("scale", flat=True)) == [7] * len(
        [s for s in sections if s.scaled]
    )
    assert audit.section_answers.get(section=sections[0]).working_well == (
        "Chronology current and clear."
    )
    tallest = max(v for k, v in heights.items() if k.startswith("section"))
    print(f"Heights at 1280 px: task list {heights['task list']}, tallest section {tallest}")
    print(f"check page {heights['check page']} (the single-page form: {OLD_HEIGHT[1280]})")
    assert heights["task list"] < OLD_HEIGHT[1280] / 8
    assert tallest < OLD_HEIGHT[1280] / 6


def test_the_task_list_pages_reflow_at_320px(browser, live_server, org, shipped_tools):
    """The task list, the tallest section page and the check page at 320 CSS px: no
    horizontal scrolling, the heading and the primary button on screen, axe clean."""
    draft = audit_started(case=org.colleague_case, auditor=org.tm)
    assert Audit.objects.count() == 1
    base = f"/audits/{draft.pk}/edit/"
    pages = [
        ("task list", base, "a:has-text('Check answers and complete')"),
        ("section page", f"{base}section-2/", "button:has-text('Save and continue')"),
        ("family contact page", f"{base}family-contact/", "button:has-text('Save and continue')"),
        ("actions page", f"{base}restorative-actions/", "button:has-text('Save and continue')"),
        ("check page", f"{base}check/", None),
    ]
    with page_for(browser, live_server, org.tm, width=320, height=640, home=False) as page:
        problems = _check_pages(page, pages, 320)
        heights = {}
        for name, path, _button in pages:
            page.goto(page.base_url + path)
            heights[name] = page.evaluate(HEIGHT)
        sections = draft.tool_version.sections.count()
        for number in range(1, sections + 1):
            page.goto(f"{page.base_url}{base}section-{number}/")
            heights[f"section {number}"] = page.evaluate(HEIGHT)
    assert not problems, problems
    tallest = max(v for k, v in heights.items() if k.startswith("section "))
    print(f"Heights at 320 px: {heights}; tallest section {tallest} (was {OLD_HEIGHT[320]})")
    assert heights["task list"] < OLD_HEIGHT[320] / 8
    assert tallest < OLD_HEIGHT[320] / 6
