"""The tool pages: who may read, who may edit (others get 404), and what the forms do."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from caseaudit.audit_tools import services
from caseaudit.audit_tools.models import (
    Question,
    ScalingBand,
    Section,
    Theme,
    ToolChange,
    ToolVersion,
)
from caseaudit.factories import UserFactory

EDITORS = ["admin", "performance"]
READERS = ["tm", "worker", "iro"]
# Session, user, staff, the page's own reads and the unread-notifications count (no session
# save: caseaudit.accounts.session_touch): the same however many sections, questions or tools.
# The user and their staff record are one query (caseaudit/accounts/authentication.py).
QUERIES = {"version": 8, "list": 5}


@pytest.fixture
def staff(org, admin):
    """A persona by name: the org's people plus the administrator."""

    def _staff(name):
        return admin if name == "admin" else getattr(org, name)

    return _staff


def read_urls():
    return [
        reverse("tool_list"),
        reverse("tool_version", args=["generic", 1]),
        reverse("tool_bands"),
        reverse("tools_export"),
    ]


def edit_urls(draft):
    v = ["generic", draft.number]
    section = draft.sections.get(key="voice_child")
    question = section.questions.first()
    return [
        reverse("tool_version", args=v),
        reverse("tool_version_publish", args=v),
        reverse("tool_draft_discard", args=v),
        reverse("tool_section_add", args=v),
        reverse("tool_section_edit", args=[*v, section.key]),
        reverse("tool_section_delete", args=[*v, section.key]),
        reverse("tool_question_add", args=[*v, section.key]),
        reverse("tool_question_edit", args=[*v, section.key, question.key]),
        reverse("tool_question_delete", args=[*v, section.key, question.key]),
        reverse("tools_import"),
    ]


@pytest.mark.parametrize("persona", EDITORS + READERS)
def test_everyone_reads_published_tools(login, staff, persona):
    client = login(staff(persona))
    for url in read_urls():
        assert client.get(url).status_code == 200, url
    response = client.get(reverse("tool_detail", args=["generic"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("tool_version", args=["generic", 1])


@pytest.mark.parametrize("persona", EDITORS)
def test_editors_open_every_edit_page(login, staff, draft, persona):
    client = login(staff(persona))
    for url in edit_urls(draft):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", READERS)
def test_others_get_404_on_edit_pages(login, staff, draft, persona):
    client = login(staff(persona))
    for url in edit_urls(draft):
        assert client.get(url).status_code == 404, url
    section = draft.sections.first()
    posts = [
        reverse("tool_draft_create", args=["closure"]),
        reverse("tool_section_move", args=["generic", 2, section.key]),
        reverse("tool_version_publish", args=["generic", 2]),
        reverse("tool_section_delete", args=["generic", 2, section.key]),
        reverse("tool_bands_edit"),
    ]
    for url in posts:
        assert client.post(url, {"direction": "down"}).status_code == 404, url
    assert ToolVersion.objects.filter(tool__code="closure").count() == 1
    assert Section.objects.filter(pk=section.pk).exists()
    assert ToolVersion.objects.get(pk=draft.pk).status == "draft"


def test_list_shows_buttons_to_editors_only(login, org, admin, draft):
    html = login(admin).get(reverse("tool_list")).content.decode()
    assert "Edit draft" in html and "Create draft" in html
    assert html.count('aria-label="Create draft of') == 5  # every tool but the one with a draft
    html = login(org.tm).get(reverse("tool_list")).content.decode()
    assert "Create draft" not in html and "Edit draft" not in html
    assert "Generic Audit Tool" in html


def test_tools_nav_item_for_everyone(login, org):
    html = login(org.worker).get(reverse("home")).content.decode()
    assert f'href="{reverse("tool_list")}"' in html


def test_anonymous_are_sent_to_sign_in(client, draft):
    for url in [*read_urls(), *edit_urls(draft), reverse("tool_bands_edit")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_superuser_without_staff_record_may_edit(client, draft):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("tool_bands_edit")).status_code == 200
    assert client.get(reverse("tool_section_add", args=["generic", 2])).status_code == 200


def test_retired_versions_are_readable_drafts_are_not(login, org, admin, draft):
    services.tool_version_publish(version=draft, by=admin.user)
    client = login(org.worker)
    assert client.get(reverse("tool_version", args=["generic", 1])).status_code == 200
    assert client.get(reverse("tool_version", args=["generic", 2])).status_code == 200
    services.tool_version_draft_create(tool=draft.tool, by=admin.user)
    assert client.get(reverse("tool_version", args=["generic", 3])).status_code == 404


def test_create_draft_and_edit_a_section(login, admin):
    client = login(admin)
    response = client.post(reverse("tool_draft_create", args=["iro"]))
    assert response["Location"] == reverse("tool_version", args=["iro", 2])
    draft = ToolVersion.objects.get(tool__code="iro", status="draft")
    url = reverse("tool_section_edit", args=["iro", 2, "review_timeliness"])
    theme = Theme.objects.get(code="learning_culture")
    response = client.post(
        url, {"title": "Timeliness of reviews", "guidance": "Check dates.", "theme": theme.pk}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#section-review_timeliness")
    section = draft.sections.get(key="review_timeliness")
    assert (section.title, section.theme, section.scaled) == (
        "Timeliness of reviews",
        theme,
        False,  # the unticked checkbox
    )
    # A second draft is refused with a message, not an error page.
    response = client.post(reverse("tool_draft_create", args=["iro"]), follow=True)
    assert "already has a draft" in response.content.decode()


def test_section_form_errors(login, admin, draft):
    url = reverse("tool_section_edit", args=["generic", 2, "voice_child"])
    response = login(admin).post(url, {"title": "", "theme": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter the section title" in html and "Choose the theme the section serves" in html


def test_add_a_choice_question(login, admin, draft):
    client = login(admin)
    url = reverse("tool_question_add", args=["generic", 2, "voice_child"])
    response = client.post(
        url, {"text": "How was the child seen?", "kind": "choice", "choices": "Alone"}
    )
    assert "Enter at least two choices" in response.content.decode()
    response = client.post(
        url,
        {
            "text": "How was the child seen?",
            "kind": "choice",
            "choices": "Alone\r\n\r\nWith a parent\r\n",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(section__version=draft, text="How was the child seen?")
    assert question.choices == ["Alone", "With a parent"]
    edit = reverse("tool_question_edit", args=["generic", 2, "voice_child", question.key])
    assert "Alone\nWith a parent" in client.get(edit).content.decode()


def test_delete_and_move(login, admin, draft):
    client = login(admin)
    keys = list(draft.sections.values_list("key", flat=True))
    client.post(reverse("tool_section_move", args=["generic", 2, keys[0]]), {"direction": "down"})
    assert list(draft.sections.values_list("key", flat=True))[:2] == [keys[1], keys[0]]
    section = draft.sections.get(key="outcomes")
    question = section.questions.first()
    client.post(reverse("tool_question_delete", args=["generic", 2, "outcomes", question.key]))
    assert not Question.objects.filter(pk=question.pk).exists()
    client.post(reverse("tool_section_delete", args=["generic", 2, "outcomes"]))
    assert not Section.objects.filter(pk=section.pk).exists()
    assert (
        client.post(reverse("tool_section_move", args=["generic", 2, "outcomes"])).status_code
        == 404
    )


def test_publish_page(login, admin, draft):
    client = login(admin)
    url = reverse("tool_version_publish", args=["generic", 2])
    assert "Version 1, published now, is retired" in client.get(url).content.decode()
    response = client.post(url, {"notes": "Clearer guidance."})
    assert response["Location"] == reverse("tool_version", args=["generic", 2])
    draft.refresh_from_db()
    assert (draft.status, draft.notes) == ("published", "Clearer guidance.")
    assert ToolVersion.objects.get(tool__code="generic", number=1).status == "retired"
    # No longer a draft: its edit pages are gone.
    assert client.get(url).status_code == 404


def test_publish_page_lists_problems(login, admin, draft):
    for section in list(draft.sections.all()):
        services.tool_version_delete_section(section=section, by=admin.user)
    client = login(admin)
    url = reverse("tool_version_publish", args=["generic", 2])
    html = client.get(url).content.decode()
    assert "cannot be published yet" in html and "needs at least one section" in html
    html = client.post(url, {"notes": ""}).content.decode()
    assert "needs at least one section" in html
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_version_page_shows_content_and_history(login, org, admin, draft):
    services.tool_version_update_section(
        section=draft.sections.get(key="voice_child"),
        by=admin.user,
        title="The child's voice",
        guidance="",
        theme=Theme.objects.get(code="voice_of_child"),
        scaled=True,
    )
    html = login(org.performance).get(reverse("tool_version", args=["generic", 2])).content.decode()
    assert "The child&#x27;s voice" in html
    assert "Voice of the child" in html  # the theme
    assert "Is there an up-to-date chronology on the record?" in html
    assert "Section changed" in html and admin.name in html and "Draft created" in html
    assert "Publish" in html and "Add a section" in html
    html = login(org.worker).get(reverse("tool_version", args=["generic", 1])).content.decode()
    assert "Add a section" not in html and "Create draft" not in html


def test_export_download(login, org):
    response = login(org.worker).get(reverse("tools_export"))
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="caseaudit-tools-')
    document = json.loads(response.content)
    assert len(document["tools"]) == 6


def test_import_page(login, org, admin):
    client = login(org.performance)
    document = json.loads(client.get(reverse("tools_export")).content)
    document["tools"] = [t for t in document["tools"] if t["code"] in {"tac", "iro"}]
    upload = SimpleUploadedFile("two.json", json.dumps(document).encode(), "application/json")
    response = client.post(reverse("tools_import"), {"file": upload})
    assert response["Location"] == reverse("tool_list")
    assert set(ToolVersion.objects.filter(status="draft").values_list("tool__code", flat=True)) == {
        "tac",
        "iro",
    }
    # Again: both now have drafts, so the file is refused and each problem is listed.
    upload = SimpleUploadedFile("two.json", json.dumps(document).encode(), "application/json")
    html = client.post(reverse("tools_import"), {"file": upload}).content.decode()
    assert "The file was not imported" in html
    assert "tool iro: already has a draft (version 2)" in html
    assert "tool tac: already has a draft (version 2)" in html
    upload = SimpleUploadedFile("bad.json", b"{oops", "application/json")
    html = client.post(reverse("tools_import"), {"file": upload}).content.decode()
    assert "The file is not valid JSON" in html
    assert ToolVersion.objects.filter(status="draft").count() == 2


def test_bands_are_edited_by_administrators_only(login, org, admin):
    html = login(org.performance).get(reverse("tool_bands")).content.decode()
    assert "Change the bands" not in html
    assert login(org.performance).get(reverse("tool_bands_edit")).status_code == 404
    html = login(admin).get(reverse("tool_bands")).content.decode()
    assert "Change the bands" in html


def band_post(**overrides):
    data = {}
    for band in ScalingBand.objects.all():
        data.update(
            {
                f"{band.code}-name": band.name,
                f"{band.code}-min_score": band.min_score,
                f"{band.code}-max_score": band.max_score,
                f"{band.code}-guidance": band.guidance,
            }
        )
        if band.urgent:
            data[f"{band.code}-urgent"] = "on"
        if band.actions_required:
            data[f"{band.code}-actions_required"] = "on"
    data.update(overrides)
    return data


def test_bands_form(login, admin):
    client = login(admin)
    url = reverse("tool_bands_edit")
    response = client.post(
        url, band_post(**{"requires-improvement-max_score": 4, "good-min_score": 5})
    )
    assert response["Location"] == reverse("tool_bands")
    assert ScalingBand.objects.get(code="good").min_score == 5
    assert ToolChange.objects.filter(action="bands_updated", by=admin.user).exists()
    html = client.post(url, band_post(**{"good-min_score": 7})).content.decode()
    assert "No band covers scores 5, 6" in html
    html = client.post(url, band_post(**{"outstanding-name": ""})).content.decode()
    assert "Enter a name for the band Outstanding" in html
    assert ScalingBand.objects.get(code="good").min_score == 5


@pytest.mark.parametrize("persona", ["admin", "worker"])
def test_version_page_queries_do_not_grow(
    login, staff, admin, draft, django_assert_num_queries, persona
):
    client = login(staff(persona))
    url = reverse("tool_version", args=["generic", 1])
    draft_url = reverse("tool_version", args=["generic", 2])
    theme = Theme.objects.first()
    client.get(url)  # warm the session
    with django_assert_num_queries(QUERIES["version"]):
        assert client.get(url).status_code == 200
    if persona == "admin":
        with django_assert_num_queries(QUERIES["version"]):
            assert client.get(draft_url).status_code == 200
        for n in range(5):
            section = services.tool_version_add_section(
                version=draft, by=admin.user, title=f"More {n}", theme=theme
            )
            for m in range(4):
                services.tool_version_add_question(
                    section=section, by=admin.user, text=f"Question {m}?", kind="text"
                )
        with django_assert_num_queries(QUERIES["version"]):
            assert client.get(draft_url).status_code == 200


def test_tool_list_queries(login, org, admin, draft, django_assert_num_queries):
    client = login(admin)
    client.get(reverse("tool_list"))
    with django_assert_num_queries(QUERIES["list"]):
        assert client.get(reverse("tool_list")).status_code == 200
    services.tools_import(
        data={
            **services.tools_export(codes=["iro"]),
            "tools": [{**services.tools_export(codes=["iro"])["tools"][0], "code": "iro-2"}],
        },
        by=admin.user,
    )
    with django_assert_num_queries(QUERIES["list"]):
        assert client.get(reverse("tool_list")).status_code == 200


def test_a_tool_with_only_a_draft_is_listed_for_editors_only(login, org, admin):
    document = services.tools_export(codes=["tac"])
    document["tools"][0].update(code="tac-schools", name="Quality Audit (TAC, schools)")
    services.tools_import(data=document, by=admin.user)
    assert "TAC, schools" in login(admin).get(reverse("tool_list")).content.decode()
    client = login(org.tm)
    assert "TAC, schools" not in client.get(reverse("tool_list")).content.decode()
    assert client.get(reverse("tool_detail", args=["tac-schools"])).status_code == 404


def test_django_admin_shows_bands_and_history_read_only(client, admin, draft):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for name in ["scalingband", "toolchange"]:
        assert client.get(reverse(f"admin:audit_tools_{name}_changelist")).status_code == 200
    band = ScalingBand.objects.first()
    response = client.post(
        reverse("admin:audit_tools_scalingband_change", args=[band.pk]), {"name": "X"}
    )
    assert response.status_code == 403
