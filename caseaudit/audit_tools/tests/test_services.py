"""Drafts, their editing, publishing and the history of who changed what."""

import pytest
from django.core.exceptions import ValidationError

from caseaudit.audit_tools import interchange, services
from caseaudit.audit_tools.models import (
    Question,
    Section,
    Theme,
    ToolChange,
    ToolVersion,
    VersionStatus,
)
from caseaudit.audit_tools.selectors import tool_version_with_content


def content(version):
    """A version's sections and questions as plain data (what an audit would see)."""
    return interchange.version_as_dict(tool_version_with_content(pk=version.pk))["sections"]


def published(code="generic"):
    return ToolVersion.objects.get(tool__code=code, status=VersionStatus.PUBLISHED)


def test_draft_create_copies_the_published_version(generic, admin):
    v1 = published()
    before = content(v1)
    draft = services.tool_version_draft_create(tool=generic, by=admin.user)
    assert (draft.number, draft.status, draft.created_by) == (2, "draft", admin.user)
    assert content(draft) == before
    # Copies, not the same rows: the published version keeps its own sections.
    assert not set(draft.sections.values_list("pk", flat=True)) & set(
        v1.sections.values_list("pk", flat=True)
    )
    assert content(published()) == before
    change = ToolChange.objects.get(version=draft)
    assert (change.action, change.by, change.detail["from_number"]) == (
        "draft_created",
        admin.user,
        1,
    )


def test_only_one_draft_at_a_time(generic, draft, admin):
    with pytest.raises(ValidationError, match="already has a draft"):
        services.tool_version_draft_create(tool=generic, by=admin.user)


def test_editing_a_published_version_is_refused(generic, admin):
    v1 = published()
    section = v1.sections.first()
    question = section.questions.first()
    theme = section.theme
    before = content(v1)
    attempts = [
        lambda: services.tool_version_update_section(
            section=section, by=admin.user, title="X", guidance="", theme=theme, scaled=True
        ),
        lambda: services.tool_version_add_section(
            version=v1, by=admin.user, title="X", theme=theme
        ),
        lambda: services.tool_version_delete_section(section=section, by=admin.user),
        lambda: services.tool_version_add_question(
            section=section, by=admin.user, text="X?", kind="text"
        ),
        lambda: services.tool_version_update_question(
            question=question, by=admin.user, text="X?", kind="text"
        ),
        lambda: services.tool_version_delete_question(question=question, by=admin.user),
        lambda: services.tool_version_move(item=section, direction="down", by=admin.user),
        lambda: services.tool_version_publish(version=v1, by=admin.user),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="is published and cannot be changed"):
            attempt()
    assert content(v1) == before
    assert not ToolChange.objects.exists()


def test_section_edits_on_a_draft(draft, admin):
    section = draft.sections.get(key="chronology")
    theme = Theme.objects.get(code="timeliness")
    services.tool_version_update_section(
        section=section,
        by=admin.user,
        title="Chronology",
        guidance="New guidance",
        theme=theme,
        scaled=False,
    )
    section.refresh_from_db()
    assert (section.title, section.guidance, section.theme, section.scaled) == (
        "Chronology",
        "New guidance",
        theme,
        False,
    )
    assert section.key == "chronology"  # keys stay, so reports can follow a section
    change = ToolChange.objects.get(action="section_updated")
    assert change.detail["fields"] == ["guidance", "scaled", "theme", "title"]
    assert change.detail["changes"]["theme"] == ["recording", "timeliness"]
    assert "Chronology" in change.summary


def test_unchanged_section_save_records_nothing(draft, admin):
    section = draft.sections.get(key="chronology")
    services.tool_version_update_section(
        section=section,
        by=admin.user,
        title=section.title,
        guidance=section.guidance,
        theme=section.theme,
        scaled=section.scaled,
    )
    assert not ToolChange.objects.filter(action="section_updated").exists()


def test_add_and_delete_sections_and_questions(draft, admin):
    theme = Theme.objects.get(code="voice_of_child")
    section = services.tool_version_add_section(
        version=draft, by=admin.user, title="Direct work with the child", theme=theme
    )
    assert section.key == "direct_work_with_the_child"
    assert section.order == draft.sections.count() - 1  # appended
    again = services.tool_version_add_section(
        version=draft, by=admin.user, title="Direct work with the child", theme=theme
    )
    assert again.key == "direct_work_with_the_child_2"
    question = services.tool_version_add_question(
        section=section,
        by=admin.user,
        text="How was the child seen?",
        kind="choice",
        choices=["Alone", " With a parent ", "", "Not seen"],
        help="Tick one.",
    )
    assert question.choices == ["Alone", "With a parent", "Not seen"]
    services.tool_version_update_question(
        question=question, by=admin.user, text="Was the child seen?", kind="yes_no_na"
    )
    question.refresh_from_db()
    assert (question.text, question.kind, question.choices, question.help) == (
        "Was the child seen?",
        "yes_no_na",
        [],
        "",
    )
    services.tool_version_delete_question(question=question, by=admin.user)
    services.tool_version_delete_section(section=again, by=admin.user)
    assert not Question.objects.filter(pk=question.pk).exists()
    assert not Section.objects.filter(pk=again.pk).exists()
    actions = list(
        ToolChange.objects.filter(version=draft).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "draft_created",
        "section_added",
        "section_added",
        "question_added",
        "question_updated",
        "question_deleted",
        "section_deleted",
    ]
    assert set(ToolChange.objects.values_list("by", flat=True)) == {admin.user.pk}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "", "kind": "text"}, "Enter the question"),
        ({"text": "Which?", "kind": "choice", "choices": ["Only one"]}, "at least two"),
        ({"text": "Which?", "kind": "choice", "choices": ["A", "A"]}, "different"),
        ({"text": "Which?", "kind": "essay"}, "kind of answer"),
        ({"text": "x" * 301, "kind": "text"}, "300 characters"),
    ],
)
def test_question_rules(draft, admin, kwargs, message):
    section = draft.sections.first()
    with pytest.raises(ValidationError, match=message):
        services.tool_version_add_question(section=section, by=admin.user, **kwargs)


def test_section_needs_a_title_and_a_theme(draft, admin):
    theme = Theme.objects.first()
    with pytest.raises(ValidationError, match="Enter the section title"):
        services.tool_version_add_section(version=draft, by=admin.user, title=" ", theme=theme)
    with pytest.raises(ValidationError, match="theme"):
        services.tool_version_add_section(version=draft, by=admin.user, title="T", theme=None)


def test_move_sections_and_questions(draft, admin):
    keys = list(draft.sections.values_list("key", flat=True))
    second = draft.sections.get(key=keys[1])
    services.tool_version_move(item=second, direction="up", by=admin.user)
    assert list(draft.sections.values_list("key", flat=True)) == [keys[1], keys[0], *keys[2:]]
    # The first cannot move further up: nothing changes, nothing is recorded.
    services.tool_version_move(item=second, direction="up", by=admin.user)
    assert list(draft.sections.values_list("key", flat=True))[0] == keys[1]
    assert ToolChange.objects.filter(action="section_moved").count() == 1

    section = draft.sections.get(key="voice_child")
    qkeys = list(section.questions.values_list("key", flat=True))
    services.tool_version_move(
        item=section.questions.get(key=qkeys[0]), direction="down", by=admin.user
    )
    assert list(section.questions.values_list("key", flat=True)) == [qkeys[1], qkeys[0], *qkeys[2:]]
    with pytest.raises(ValidationError):
        services.tool_version_move(item=second, direction="sideways", by=admin.user)


def test_publish_retires_the_old_version_and_leaves_it_unchanged(generic, draft, admin):
    v1 = published()
    before = content(v1)
    section = draft.sections.get(key="chronology")
    services.tool_version_update_section(
        section=section,
        by=admin.user,
        title="Case summary, chronology and genogram",
        guidance=section.guidance,
        theme=section.theme,
        scaled=True,
    )
    services.tool_version_publish(version=draft, by=admin.user, notes="Adds the genogram.")

    draft.refresh_from_db()
    v1.refresh_from_db()
    assert (draft.status, draft.published_by, draft.notes) == (
        "published",
        admin.user,
        "Adds the genogram.",
    )
    assert draft.published_at is not None
    assert v1.status == "retired"
    # An audit keeping a foreign key to version 1 still sees exactly what it was started on.
    assert content(v1) == before
    assert content(draft)[0]["title"] == "Case summary, chronology and genogram"
    assert published().pk == draft.pk
    assert ToolChange.objects.get(version=v1).action == "retired"
    assert ToolChange.objects.filter(version=draft, action="published").exists()
    # The next draft copies the newly published version.
    v3 = services.tool_version_draft_create(tool=generic, by=admin.user)
    assert v3.number == 3
    assert content(v3) == content(draft)


def test_a_draft_without_sections_cannot_be_published(draft, admin):
    for section in list(draft.sections.all()):
        services.tool_version_delete_section(section=section, by=admin.user)
    with pytest.raises(ValidationError, match="at least one section") as error:
        services.tool_version_publish(version=draft, by=admin.user)
    assert "tool generic" in error.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert published().number == 1


def test_a_choice_question_needs_two_choices_to_publish(draft, admin):
    question = Question.objects.filter(section__version=draft).first()
    Question.objects.filter(pk=question.pk).update(kind="choice", choices=["Only one"])
    with pytest.raises(ValidationError) as error:
        services.tool_version_publish(version=draft, by=admin.user)
    assert error.value.messages == [
        f"tool generic, section {question.section.key}, question {question.key}: "
        "a choice question needs at least two choices."
    ]
    assert published().number == 1


def test_discard_a_draft(generic, draft, admin):
    services.tool_version_draft_discard(version=draft, by=admin.user)
    assert not ToolVersion.objects.filter(pk=draft.pk).exists()
    change = ToolChange.objects.get(action="draft_discarded")
    assert change.detail == {"tool": "generic", "number": 2}
    # A new draft can be started again.
    assert services.tool_version_draft_create(tool=generic, by=admin.user).number == 2
