"""tool_version_with_content: three prepared queries assembled as prefetch_related would."""

import pytest
from django.db.models import F, Max, Prefetch

from caseaudit.audit_tools.models import Question, Section, ToolVersion
from caseaudit.audit_tools.selectors import tool_version_with_content


def _by_prefetch(pk: int) -> ToolVersion:
    """What Django's prefetch_related gives: the reference."""
    questions = Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
    sections = Section.objects.select_related("theme").prefetch_related(questions)
    return (
        ToolVersion.objects.select_related("tool")
        .prefetch_related(Prefetch("sections", queryset=sections.order_by("order", "id")))
        .get(pk=pk)
    )


def _shape(version: ToolVersion) -> list:
    return [
        (
            section.pk,
            section.theme.name,
            section.version_id,
            [(q.pk, q.key, q.section_id) for q in section.questions.all()],
        )
        for section in version.sections.all()
    ]


@pytest.mark.django_db
def test_every_shipped_version_reads_as_prefetch_related_reads_it(django_assert_num_queries):
    versions = list(ToolVersion.objects.values_list("pk", flat=True))
    assert len(versions) >= 3  # the shipped tools (migrations)
    # The first version's sections and questions put in the reverse of their ids' order: the
    # order shown is the `order` field's.
    sections = Section.objects.filter(version_id=versions[0])
    sections.update(order=sections.aggregate(top=Max("id"))["top"] + 1 - F("id"))
    questions = Question.objects.filter(section__version_id=versions[0])
    questions.update(order=questions.aggregate(top=Max("id"))["top"] + 1 - F("id"))
    for pk in versions:
        expected = _shape(_by_prefetch(pk))
        with django_assert_num_queries(3):
            version = tool_version_with_content(pk=pk)
            got = _shape(version)
            # Each question knows its section, and each section its version, without a query.
            for section in version.sections.all():
                assert section.version.tool.code == version.tool.code
                for question in section.questions.all():
                    assert question.section is section
        assert got == expected
        if pk == versions[0]:
            assert [section for section, *_ in got] == sorted(
                (section for section, *_ in got), reverse=True
            )
        assert sum(len(questions) for *_, questions in got) > 0


@pytest.mark.django_db
def test_a_missing_version_is_does_not_exist():
    with pytest.raises(ToolVersion.DoesNotExist):
        tool_version_with_content(pk=987654)
