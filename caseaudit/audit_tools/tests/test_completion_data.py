"""Issue 16, item 5: the completion rules are the tools' data. Questions that must be answered
and bands that need restorative actions are edited, published, exported and imported with the
tools; the shipped tools carry them."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from caseaudit.audit_tools import interchange, services
from caseaudit.audit_tools.models import Question, ScalingBand, ToolVersion


def test_every_shipped_tool_has_questions_that_must_be_answered():
    shipped = interchange.load_shipped()
    assert interchange.tools_validate(shipped) == []
    for tool in shipped["tools"]:
        required = [q for s in tool["sections"] for q in s["questions"] if q.get("required")]
        assert len(required) >= 10, tool["code"]


def test_the_published_shipped_tools_have_them(db):
    for version in ToolVersion.objects.filter(status="published"):
        assert Question.objects.filter(section__version=version, required=True).exists()


def test_an_editor_marks_a_question_required_on_the_draft(login, admin, draft):
    client = login(admin)
    url = reverse("tool_question_add", args=["generic", 2, "voice_child"])
    response = client.post(
        url, {"text": "Was the child seen alone?", "kind": "yes_no_na", "required": "on"}
    )
    assert response.status_code == 302
    question = Question.objects.get(section__version=draft, text="Was the child seen alone?")
    assert question.required
    edit = reverse("tool_question_edit", args=["generic", 2, "voice_child", question.key])
    assert 'name="required" id="id_required" checked' in client.get(edit).content.decode()
    client.post(edit, {"text": "Was the child seen alone?", "kind": "yes_no_na"})
    question.refresh_from_db()
    assert not question.required
    page = client.get(reverse("tool_version", args=["generic", 2])).content.decode()
    assert "Must be answered" in page  # the copied required questions are shown as such


def test_a_draft_copies_the_required_flags(generic, draft):
    published = ToolVersion.objects.get(tool=generic, status="published")
    flags = lambda v: sorted(  # noqa: E731
        Question.objects.filter(section__version=v).values_list("section__key", "key", "required")
    )
    assert flags(draft) == flags(published)


def test_updating_a_question_without_required_keeps_it(admin, draft):
    question = Question.objects.filter(section__version=draft, required=True).first()
    services.tool_version_update_question(
        question=question, by=admin.user, text="Reworded?", kind=question.kind
    )
    question.refresh_from_db()
    assert question.required and question.text == "Reworded?"


def test_import_carries_required_and_refuses_a_bad_flag(admin, db):
    document = services.tools_export(codes=["tac"])
    document["tools"][0]["code"] = "tac-local"
    document["tools"][0]["sections"][0]["questions"][0]["required"] = "yes"
    with pytest.raises(ValidationError) as caught:
        services.tools_import(data=document, by=admin.user)
    assert any("required must be true or false" in m for m in caught.value.messages)
    document["tools"][0]["sections"][0]["questions"][0]["required"] = False
    document["tools"][0]["sections"][0]["questions"][1]["required"] = True
    (draft,) = services.tools_import(data=document, by=admin.user)
    first, second = Question.objects.filter(section__version=draft).order_by(
        "section__order", "order"
    )[:2]
    assert (first.required, second.required) == (False, True)


def test_the_documents_bands_are_checked_and_never_applied(admin, db):
    document = services.tools_export(codes=["tac"])
    document["tools"][0]["code"] = "tac-two"
    document["bands"][1]["actions_required"] = "sometimes"
    document["bands"][2]["min_score"] = 7
    errors = interchange.tools_validate(document)
    assert "band requires-improvement: actions_required must be true or false." in errors
    assert "bands: No band covers score 6: every score from 0 to 10 needs a band." in errors
    document = services.tools_export(codes=["tac"])
    document["tools"][0]["code"] = "tac-two"
    document["bands"][2]["actions_required"] = True
    assert services.tools_import_band_notes(data=document) == [
        "Good: the file's actions required differs."
    ]
    services.tools_import(data=document, by=admin.user)
    assert not ScalingBand.objects.get(code="good").actions_required  # not applied


def test_the_import_page_tells_of_different_bands(login, org):
    client = login(org.performance)
    document = json.loads(client.get(reverse("tools_export")).content)
    document["tools"] = [t for t in document["tools"] if t["code"] == "iro"]
    document["bands"][0]["urgent"] = False
    upload = SimpleUploadedFile("iro.json", json.dumps(document).encode(), "application/json")
    response = client.post(reverse("tools_import"), {"file": upload}, follow=True)
    html = response.content.decode()
    assert "scaling bands differ from this authority" in html
    assert "Inadequate: the file&#x27;s urgent differs." in html
    assert ScalingBand.objects.get(code="inadequate").urgent


def test_the_command_line_import_tells_of_different_bands(tmp_path, capsys, db):
    document = services.tools_export(codes=["iro"])
    document["bands"][3]["actions_required"] = True
    path = tmp_path / "iro.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    call_command("import_tools", str(path))
    out = capsys.readouterr().out
    assert "Scaling bands not applied" in out and "Outstanding" in out


def test_the_bands_page_and_form_show_actions_required(login, admin):
    client = login(admin)
    html = client.get(reverse("tool_bands")).content.decode()
    assert "Required: a section scaled in this band needs at least one restorative action" in html
    form = client.get(reverse("tool_bands_edit")).content.decode()
    assert 'name="requires-improvement-actions_required"' in form
    from .test_views import band_post

    data = band_post()
    del data["requires-improvement-actions_required"]
    assert client.post(reverse("tool_bands_edit"), data).status_code == 302
    assert not ScalingBand.objects.get(code="requires-improvement").actions_required
    assert ScalingBand.objects.get(code="inadequate").actions_required
