"""The audit form completed with the keyboard alone, through its task list: Tab and Shift+Tab
to move, typing into text boxes, arrow keys (and Space) to choose radios, Enter on the skip link
and on the first task's link, Space on each page's "Save and continue" and, on the check page,
on "Complete audit". No mouse click, no `fill`, no `check`: only key presses. The audit must end
completed with what was typed, and every control used must show where the focus is."""

import datetime as dt

import pytest

from caseaudit.audits import fields
from caseaudit.audits.models import AuditStatus, QuestionAnswer
from caseaudit.responses.models import QAResponse

from .browser import page_for
from .conftest import audit_started

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIVE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  return {tag: e.tagName.toLowerCase(), type: e.type || "", name: e.name || "",
          value: e.value || "", checked: !!e.checked, text: (e.innerText || "").trim(),
          id: e.id || ""};
}"""

# Whether the focused control shows a focus indicator: GOV.UK draws it with an outline or a
# box shadow on the control, or (radios, whose input is invisible) on its label's ::before.
FOCUS_VISIBLE = """() => {
  const e = document.activeElement;
  const target = e.type === "radio" ? e.nextElementSibling : e;
  const style = getComputedStyle(target, e.type === "radio" ? "::before" : null);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
    && style.outlineColor !== "rgba(0, 0, 0, 0)";
  return outline || style.boxShadow !== "none";
}"""


def _active(page) -> dict:
    return page.evaluate(ACTIVE) or {}


def _choose_radio(page, name: str, value: str) -> None:
    """Focus is on the first radio of an unanswered group: Space picks it, arrows move on
    (and select as they go), as in any browser."""
    current = _active(page)
    if current["value"] == value:
        page.keyboard.press("Space")
    else:
        for _ in range(12):
            page.keyboard.press("ArrowRight")
            current = _active(page)
            if current["value"] == value:
                break
    current = _active(page)
    assert current["name"] == name and current["value"] == value and current["checked"], current


def test_the_audit_form_completed_with_the_keyboard_alone(browser, live_server, org, shipped_tools):
    audit = audit_started(case=org.case, auditor=org.tm)
    sections = list(audit.tool_version.sections.order_by("order", "id"))
    first_question = sections[0].questions.order_by("order", "id").first()
    typed = {
        "voice": "Ava says she feels safe at home now and wants to stay at her school.",
        "summary": "A well-managed case; the plan is clear and the child is heard.",
        "action": "Update the chronology with the November incident.",
    }
    # What to do when the focus reaches each control (all others are passed by).
    plan = {}
    for section in sections:
        plan[fields.section_field(section.pk, "working_well")] = (
            "type",
            f"Section {section.order + 1} is well evidenced.",
        )
        if section.scaled:
            plan[fields.section_field(section.pk, "scale")] = ("radio", "7")
    # The tool's questions that must be answered (the audits app's completion rules).
    for section in sections:
        for question in section.questions.filter(required=True):
            answer = "yes" if question.kind == "yes_no_na" else question.choices[0]
            plan[fields.question_field(question.pk, "answer")] = ("radio", answer)
    plan[fields.question_field(first_question.pk, "answer")] = ("radio", "no")
    plan["voice_of_child"] = ("type", typed["voice"])
    plan["contact_made"] = ("radio", "attempted")
    plan["who_contacted"] = ("type", "Her mother")
    plan["contact_method"] = ("radio", "phone")
    plan["actions-0-description"] = ("type", typed["action"])
    # Chromium orders a date field's parts by the machine's locale (dd/mm or mm/dd): a date
    # whose day and month are equal types the same either way.
    plan["actions-0-due_on"] = ("type", "12122027")
    plan["overall_scale"] = ("radio", "7")
    plan["summary"] = ("type", typed["summary"])

    def skip_to_main(page) -> None:
        """Past the header, navigation and back link. After a save the "Draft saved" banner
        has the focus (GOV.UK's success banner takes it, so it is read out): the next Tab is
        then already in the page, and Shift+Tab steps back before it."""
        page.keyboard.press("Tab")
        if _active(page)["text"] == "Skip to main content":
            page.keyboard.press("Enter")
        else:
            assert page.locator(".govuk-notification-banner--success").count() == 1
            page.keyboard.press("Shift+Tab")

    with page_for(browser, live_server, org.tm, home=False) as page:
        page.goto(f"{page.base_url}/audits/{audit.pk}/edit/")
        # The task list: Tab to the first task and open it with Enter.
        skip_to_main(page)
        presses = 0
        while not _active(page).get("text", "").startswith("1. "):
            page.keyboard.press("Tab")
            presses += 1
            assert presses < 60, "The first task's link was never reached"
        with page.expect_navigation():
            page.keyboard.press("Enter")

        done, no_focus_style, pages = [], [], 0
        while "/edit/check/" not in page.url:
            pages += 1
            assert pages <= len(sections) + 4, page.url
            skip_to_main(page)
            while True:
                page.keyboard.press("Tab")
                presses += 1
                assert presses < 1200, f"Save and continue was never reached; did {done}"
                element = _active(page)
                if element.get("tag") == "button" and element["value"] == "continue":
                    break
                name = element.get("name", "")
                if name not in plan or name in done:
                    continue
                if not page.evaluate(FOCUS_VISIBLE):
                    no_focus_style.append(name)
                kind, value = plan[name]
                if kind == "type":
                    page.keyboard.type(value)
                else:
                    _choose_radio(page, name, value)
                done.append(name)
            assert page.evaluate(FOCUS_VISIBLE), f"Save and continue shows no focus: {page.url}"
            if "/edit/overall/" in page.url:
                # Back one step to the summary, then forward again: the same order both ways.
                page.keyboard.press("Shift+Tab")
                assert _active(page)["name"] == "summary"
                assert _active(page)["value"] == typed["summary"]
                page.keyboard.press("Tab")
                assert _active(page)["value"] == "continue"
            with page.expect_navigation():
                page.keyboard.press("Space")
        assert set(done) == set(plan), set(plan) - set(done)
        assert not no_focus_style, f"No visible focus on {no_focus_style}"
        assert pages == len(sections) + 4

        # The check page: nothing missing; Tab to "Complete audit" and press it.
        assert "The audit cannot be completed yet" not in page.content()
        skip_to_main(page)
        while _active(page).get("id") != "complete-audit":
            page.keyboard.press("Tab")
            presses += 1
            assert presses < 1400, "The Complete audit button was never reached"
        assert page.evaluate(FOCUS_VISIBLE), "The Complete audit button shows no focus"
        with page.expect_navigation():
            page.keyboard.press("Space")
        assert page.url.endswith(f"/audits/{audit.pk}/"), page.url
        assert "Audit completed" in page.locator(".govuk-notification-banner").inner_text()

    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert audit.overall_scale == 7 and audit.summary == typed["summary"]
    assert audit.voice_of_child == typed["voice"]
    assert audit.contact_made == "attempted"
    assert sorted(audit.section_answers.values_list("scale", flat=True)) == [7] * len(
        [s for s in sections if s.scaled]
    )
    assert QuestionAnswer.objects.get(audit=audit, question=first_question).answer == "no"
    action = audit.actions.get()
    assert action.description == typed["action"]
    assert action.due_on == dt.date(2027, 12, 12)
    assert action.owner == org.worker  # the owner select was left at its preset
    assert QAResponse.objects.filter(audit=audit).count() == 1
    print(f"Keyboard only: {presses} Tab presses, {len(done)} controls used on {pages} pages")
