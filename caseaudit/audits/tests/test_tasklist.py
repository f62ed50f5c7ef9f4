"""The audit as a task list (`tasklist`): its pages, which page holds each field, each page's
status, and `audit_save` of one page leaving the rest of the audit as it is."""

import pytest

from caseaudit.audits import fields, selectors, services, tasklist
from caseaudit.audits.models import QuestionAnswer, RestorativeAction, SectionAnswer

from .conftest import complete_data


@pytest.fixture
def audit(org, start):
    return start(auditor=org.csm_north)


def tasks_of(audit) -> dict[str, tasklist.Task]:
    audit.refresh_from_db()
    document = selectors.audit_document(audit=audit)
    problems = services.audit_completion_problems(audit)
    return {t.page.slug: t for t in tasklist.audit_tasks(document=document, problems=problems)}


def test_the_pages_are_the_sections_then_the_other_tasks(audit):
    pages = tasklist.audit_pages(selectors.audit_document(audit=audit))
    sections = list(audit.tool_version.sections.all())
    assert [p.slug for p in pages] == [f"section-{n}" for n in range(1, len(sections) + 1)] + [
        "voice-of-the-child",
        "family-contact",
        "restorative-actions",
        "overall",
    ]
    assert [p.item.section for p in pages[: len(sections)]] == sections
    assert tasklist.next_page(pages, pages[0]) == pages[1]
    assert tasklist.next_page(pages, pages[-1]) is None
    assert tasklist.page_get(pages, "nothing") is None


def test_every_completion_gap_belongs_to_a_page(org, audit, save):
    """Each field a completion rule can name is on one page (none is left without a link)."""
    # An empty audit with one half-written action: every kind of gap there is.
    save(audit, org.csm_north, {"actions": [{"description": "x", "owner_id": None}]})
    audit.refresh_from_db()
    pages = tasklist.audit_pages(selectors.audit_document(audit=audit))
    problems = services.audit_completion_problems(audit)
    assert problems
    for key, _message in problems:
        assert tasklist.page_for_key(pages, key) is not None, key
    section = audit.tool_version.sections.first()
    question = section.questions.first()
    assert tasklist.page_for_key(pages, fields.section_field(section.pk, "scale")).slug == (
        "section-1"
    )
    assert tasklist.page_for_key(pages, fields.question_field(question.pk, "answer")).slug == (
        "section-1"
    )
    for key in (fields.section_field(section.pk, "actions"), fields.OVERALL_ACTIONS):
        assert tasklist.page_for_key(pages, key).slug == "restorative-actions"
    assert tasklist.page_for_key(pages, "action-5-due_on").slug == "restorative-actions"
    assert tasklist.page_for_key(pages, "who_contacted").slug == "family-contact"
    assert tasklist.page_for_key(pages, "summary").slug == "overall"
    assert tasklist.page_for_key(pages, "s999999-scale") is None


def test_statuses_from_not_started_to_completed(org, audit, save):
    tasks = tasks_of(audit)
    assert {t.status for t in tasks.values()} == {tasklist.NOT_STARTED}
    assert not any(t.done for t in tasks.values())
    first = audit.tool_version.sections.first()
    save(audit, org.csm_north, {"sections": {first.pk: {"working_well": "Some."}}})
    tasks = tasks_of(audit)
    assert tasks["section-1"].status == tasklist.IN_PROGRESS  # no scale yet
    assert tasks["section-1"].tag_class == "govuk-tag govuk-tag--yellow"
    save(audit, org.csm_north, complete_data(audit))
    tasks = tasks_of(audit)
    assert {t.status for t in tasks.values()} == {tasklist.COMPLETED}
    assert all(t.done and t.tag_class == "" for t in tasks.values())


def test_the_actions_are_not_needed_once_every_scale_is_good(org, audit, save):
    data = complete_data(audit, scale=8, overall=8)
    data["actions"] = []
    save(audit, org.csm_north, data)
    tasks = tasks_of(audit)
    assert tasks["restorative-actions"].status == tasklist.NOT_NEEDED
    assert tasks["restorative-actions"].done
    # Before the scales are chosen, no action can be "not needed" yet.
    first = audit.tool_version.sections.first()
    audit.refresh_from_db()
    save(audit, org.csm_north, {"sections": {first.pk: {"scale": None}}})
    assert tasks_of(audit)["restorative-actions"].status == tasklist.NOT_STARTED


def test_a_section_in_an_urgent_band_is_urgent_before_and_after_the_alert(org, audit):
    first = audit.tool_version.sections.first()
    services.audit_save(
        audit=audit,
        by=org.csm_north.user,
        data={"sections": {first.pk: {"worried_about": "No plan.", "scale": 2}}},
        revision=audit.revision,
        raise_findings=False,  # as a page saves: asked before anyone is alerted
    )
    task = tasks_of(audit)["section-1"]
    assert task.status == tasklist.URGENT and task.tag_class.endswith("govuk-tag--red")
    assert "not yet alerted" in task.hint and task.hint.startswith("In progress.")
    audit.refresh_from_db()
    services.audit_save(
        audit=audit,
        by=org.csm_north.user,
        data={"serious_safeguarding": True},
        revision=audit.revision,
    )  # raises both findings
    tasks = tasks_of(audit)
    assert "urgent finding raised, open" in tasks["section-1"].hint
    assert tasks["overall"].status == tasklist.URGENT
    assert "serious safeguarding issue" in tasks["overall"].hint
    # Scaled out of the band: the finding is still open, so the page stays urgent.
    audit.refresh_from_db()
    services.audit_save(
        audit=audit,
        by=org.csm_north.user,
        data={"sections": {first.pk: {"scale": 6}}},
        revision=audit.revision,
    )
    assert "still open" in tasks_of(audit)["section-1"].hint
    assert tasks_of(audit)["section-2"].status == tasklist.NOT_STARTED


def test_gap_links_are_in_page_order_with_action_rows(org, audit, save):
    data = complete_data(audit)
    data["actions"] = [{"description": "Chronology", "owner_id": org.worker.pk, "due_on": None}]
    data["summary"] = ""
    save(audit, org.csm_north, data)
    audit.refresh_from_db()
    document = selectors.audit_document(audit=audit)
    links = tasklist.gap_links(
        document=document, problems=services.audit_completion_problems(audit)
    )
    assert [(page.slug, key) for page, key, _message in links] == [
        ("restorative-actions", "actions-0-due_on"),
        ("overall", "summary"),
    ]


def test_saving_one_page_leaves_the_rest_of_the_audit_as_it_is(org, audit, save):
    """`audit_save` with one section's data (as a section page sends it) changes that section
    and its questions only: the other sections' answers, the questions of other sections, the
    audit's own fields and the actions are kept."""
    save(audit, org.csm_north, complete_data(audit))
    audit.refresh_from_db()
    first, second = list(audit.tool_version.sections.all())[:2]
    before = {
        "sections": {a.section_id: (a.working_well, a.scale) for a in SectionAnswer.objects.all()},
        "questions": dict(QuestionAnswer.objects.values_list("question_id", "answer")),
        "actions": list(RestorativeAction.objects.values_list("pk", "description")),
        "summary": audit.summary,
    }
    question = second.questions.first()
    services.audit_save(
        audit=audit,
        by=org.csm_north.user,
        data={
            "sections": {second.pk: {"working_well": "Changed.", "scale": 3}},
            "questions": {question.pk: {"answer": "no", "evidence": "Seen."}},
        },
        revision=audit.revision,
        raise_findings=False,
    )
    audit.refresh_from_db()
    after = {a.section_id: (a.working_well, a.scale) for a in SectionAnswer.objects.all()}
    assert after[second.pk] == ("Changed.", 3)
    assert {k: v for k, v in after.items() if k != second.pk} == {
        k: v for k, v in before["sections"].items() if k != second.pk
    }
    answers = dict(QuestionAnswer.objects.values_list("question_id", "answer"))
    assert answers.pop(question.pk) == "no"
    before["questions"].pop(question.pk, None)
    assert answers == before["questions"]
    assert list(RestorativeAction.objects.values_list("pk", "description")) == before["actions"]
    assert audit.summary == before["summary"]
    assert SectionAnswer.objects.get(section=first).working_well == before["sections"][first.pk][0]
