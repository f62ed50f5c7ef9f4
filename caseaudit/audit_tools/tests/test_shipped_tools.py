"""The data migration ships the six tools of the procedure and the default scaling bands."""

from caseaudit.audit_tools.interchange import load_shipped, tools_validate
from caseaudit.audit_tools.models import ScalingBand, Section, Theme, Tool, ToolVersion

SHIPPED = {"generic", "closure", "carers", "tac", "iro", "cp-chair"}


def test_six_tools_published_as_version_one(db):
    versions = ToolVersion.objects.select_related("tool")
    assert {v.tool.code for v in versions} == SHIPPED
    assert {(v.number, v.status) for v in versions} == {(1, "published")}
    assert Tool.objects.count() == 6


def test_every_tool_has_sections_with_themes_and_questions(db):
    for tool in Tool.objects.all():
        sections = Section.objects.filter(version__tool=tool)
        assert sections.count() >= 5, tool.code
        for section in sections:
            assert section.theme_id and section.title and section.guidance
            assert section.questions.exists(), (tool.code, section.key)


def test_sections_cover_every_theme_of_the_procedure(db):
    used = set(Section.objects.values_list("theme__code", flat=True))
    assert used == set(Theme.objects.values_list("code", flat=True))
    generic = set(
        Section.objects.filter(version__tool__code="generic").values_list("theme__code", flat=True)
    )
    assert {"voice_of_child", "timeliness", "recording", "risk_and_safety"} <= generic


def test_shipped_file_is_a_valid_tools_document():
    assert tools_validate(load_shipped()) == []


def test_default_bands(db):
    bands = [(b.min_score, b.max_score, b.urgent) for b in ScalingBand.objects.all()]
    assert bands == [(0, 2, True), (3, 5, False), (6, 8, False), (9, 10, False)]
