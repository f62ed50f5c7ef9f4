"""Tools travel as data: export, import as drafts, the commands, and the round trip."""

import copy
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from caseaudit.audit_tools import interchange, services
from caseaudit.audit_tools.models import Section, Theme, Tool, ToolChange, ToolVersion
from caseaudit.audit_tools.selectors import tool_version_with_content

SHIPPED = ["carers", "closure", "cp-chair", "generic", "iro", "tac"]


def sections_of(version):
    return interchange.version_as_dict(tool_version_with_content(pk=version.pk))["sections"]


def snapshot():
    """Everything an import could change."""
    return (
        list(ToolVersion.objects.values_list("tool__code", "number", "status")),
        Section.objects.count(),
        Theme.objects.count(),
        Tool.objects.count(),
        ToolChange.objects.count(),
    )


def test_export_has_the_shipped_format(db):
    document = services.tools_export()
    assert document["format"] == interchange.FORMAT
    assert [t["code"] for t in document["tools"]] == SHIPPED
    assert {t["version"] for t in document["tools"]} == {1}
    generic = next(t for t in document["tools"] if t["code"] == "generic")
    shipped = next(t for t in interchange.load_shipped()["tools"] if t["code"] == "generic")
    assert [s["key"] for s in generic["sections"]] == [s["key"] for s in shipped["sections"]]
    section = generic["sections"][0]
    assert set(section) == {"key", "title", "guidance", "theme", "scaled", "questions"}
    assert set(section["questions"][0]) == {"key", "text", "kind", "choices", "help", "required"}
    # The export carries the completion rules: required questions and the bands' flags.
    exported = {
        (t["code"], s["key"], q["key"])
        for t in document["tools"]
        for s in t["sections"]
        for q in s["questions"]
        if q["required"]
    }
    shipped_required = {
        (t["code"], s["key"], q["key"])
        for t in interchange.load_shipped()["tools"]
        for s in t["sections"]
        for q in s["questions"]
        if q.get("required")
    }
    assert exported == shipped_required and len(exported) > 50
    assert [(b["code"], b["actions_required"]) for b in document["bands"]] == [
        ("inadequate", True),
        ("requires-improvement", True),
        ("good", False),
        ("outstanding", False),
    ]
    assert {t["code"] for t in document["themes"]} == {
        s["theme"] for t in document["tools"] for s in t["sections"]
    }
    assert interchange.tools_validate(document) == []


def test_export_some_codes(db):
    document = services.tools_export(codes=["iro"])
    assert [t["code"] for t in document["tools"]] == ["iro"]
    used = {s["theme"] for s in document["tools"][0]["sections"]}
    assert {t["code"] for t in document["themes"]} == used  # only the themes it uses
    with pytest.raises(ValidationError, match="no published tool with the code 'nope'"):
        services.tools_export(codes=["iro", "nope"])


def test_round_trip_export_then_import_gives_equal_drafts(db, admin):
    document = services.tools_export()
    drafts = services.tools_import(data=json.loads(json.dumps(document)), by=admin.user)
    assert sorted(v.tool.code for v in drafts) == SHIPPED
    for draft in drafts:
        published = ToolVersion.objects.get(tool=draft.tool, status="published")
        assert (draft.number, draft.status, draft.created_by) == (2, "draft", admin.user)
        assert sections_of(draft) == sections_of(published)
    assert ToolChange.objects.filter(action="imported").count() == 6


def test_round_trip_through_the_commands(db, tmp_path, capsys):
    call_command("export_tools")
    printed = capsys.readouterr().out
    document = json.loads(printed)
    assert printed.startswith('{\n  "format"')  # indent 2
    path = tmp_path / "tools.json"
    path.write_text(printed, encoding="utf-8")
    call_command("import_tools", str(path))
    assert "Imported 6 tool(s) as drafts" in capsys.readouterr().out
    for spec in document["tools"]:
        draft = ToolVersion.objects.get(tool__code=spec["code"], status="draft")
        assert sections_of(draft) == spec["sections"]


def test_export_command_one_code(db, capsys):
    call_command("export_tools", "--code", "cp-chair")
    document = json.loads(capsys.readouterr().out)
    assert [t["code"] for t in document["tools"]] == ["cp-chair"]
    with pytest.raises(CommandError, match="no published tool"):
        call_command("export_tools", "--code", "missing")


def test_import_creates_new_tools_and_themes(db, admin):
    document = services.tools_export(codes=["tac"])
    spec = document["tools"][0]
    spec.update(code="tac-schools", name="Quality Audit (TAC, schools)")
    document["themes"].append({"code": "education", "name": "Education", "description": ""})
    spec["sections"][0]["theme"] = "education"
    (draft,) = services.tools_import(data=document, by=admin.user, source="shared.json")
    assert (draft.tool.name, draft.number, draft.status) == (
        "Quality Audit (TAC, schools)",
        1,
        "draft",
    )
    assert Theme.objects.filter(code="education").exists()
    change = ToolChange.objects.get(version=draft)
    assert change.detail["source"] == "shared.json"


def bad_document():
    document = services.tools_export(codes=["generic", "carers"])
    generic = next(t for t in document["tools"] if t["code"] == "generic")
    carers = next(t for t in document["tools"] if t["code"] == "carers")
    generic["sections"][1]["title"] = ""
    generic["sections"][2]["theme"] = "astrology"
    generic["sections"][0]["questions"][1]["kind"] = "choice"
    carers["sections"][0]["questions"][0]["key"] = carers["sections"][0]["questions"][1]["key"]
    return document


def test_import_errors_name_tool_section_and_question_and_change_nothing(db, admin):
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.tools_import(data=bad_document(), by=admin.user)
    assert error.value.messages == [
        "tool carers, section ssw_visits, question unannounced_visit: key is used twice in "
        "the section.",
        "tool generic, section chronology, question chronology_significant_events: "
        "a choice question needs at least two choices.",
        "tool generic, section voice_child: title is required.",
        "tool generic, section risk_assessment: theme 'astrology' is not a known theme.",
    ]
    assert snapshot() == before


def test_import_refuses_a_tool_that_has_a_draft(db, admin, draft):
    document = services.tools_export(codes=["generic", "iro"])
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.tools_import(data=document, by=admin.user)
    assert error.value.messages == [
        "tool generic: already has a draft (version 2); publish or discard it before importing."
    ]
    assert snapshot() == before  # not even the iro tool was imported


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "not a caseaudit tools document"),
        (lambda d: d.update(tools=[]), '"tools" must be a non-empty list'),
        (lambda d: d["tools"][0].update(sections=[]), "tool iro: needs at least one section"),
        (lambda d: d["tools"][0].update(code="iro code"), "may only use letters"),
        (lambda d: d["tools"].append(copy.deepcopy(d["tools"][0])), "more than one tool"),
        (lambda d: d["tools"][0].update(code="bands"), "reserved"),
        (
            lambda d: d["tools"][0]["sections"][0].update(title="x" * 151),
            "tool iro, section review_timeliness: title is longer than 150 characters",
        ),
        (lambda d: d["tools"][0]["sections"][0].update(scaled="yes"), "scaled must be true"),
    ],
)
def test_import_validation(db, admin, change, message):
    document = services.tools_export(codes=["iro"])
    change(document)
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.tools_import(data=document, by=admin.user)
    assert any(message in m for m in error.value.messages), error.value.messages
    assert snapshot() == before


def test_import_command_lists_errors_and_fails(db, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad_document()), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match="4 problems; nothing was imported"):
        call_command("import_tools", str(path))
    err = capsys.readouterr().err
    assert "- tool generic, section voice_child: title is required." in err
    assert "question chronology_significant_events" in err
    assert snapshot() == before


def test_import_command_bad_files(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_tools", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_tools", str(tmp_path / "missing.json"))


def test_import_command_records_who(db, admin, tmp_path):
    path = tmp_path / "iro.json"
    path.write_text(json.dumps(services.tools_export(codes=["iro"])), encoding="utf-8")
    call_command("import_tools", str(path), "--by", admin.user.email)
    change = ToolChange.objects.get(action="imported")
    assert (change.by, change.detail["source"]) == (admin.user, "iro.json")


def test_import_lists_content_errors_and_drafts_together(db, admin, draft):
    document = services.tools_export(codes=["generic", "iro"])
    document["tools"][1]["sections"][0]["title"] = ""  # iro
    with pytest.raises(ValidationError) as error:
        services.tools_import(data=document, by=admin.user)
    assert error.value.messages == [
        "tool iro, section review_timeliness: title is required.",
        "tool generic: already has a draft (version 2); publish or discard it before importing.",
    ]
