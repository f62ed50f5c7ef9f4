"""Issue 16, item 5: the rules at completion, as data. A tool version's required questions,
the family contact (made or tried, with who and how; or why not appropriate), a restorative
action for each section scaled in a band marked "actions required"; the error summary names
each gap with a link to its field; the API answers 422 keyed by field."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from caseaudit.audit_tools import services as tool_services
from caseaudit.audit_tools.models import (
    Question,
    ScalingBand,
    ToolChange,
    ToolChangeAction,
    ToolVersion,
    VersionStatus,
)
from caseaudit.audits import fields, services
from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.workflows import audits as workflows

from .conftest import FAMILY_CONTACT, complete_data


@pytest.fixture
def draft(org, start):
    return start(auditor=org.csm_north)


def gaps(audit) -> dict[str, str]:
    return dict(services.audit_completion_problems(audit))


def complete(audit, by):
    return workflows.audit_complete(audit=audit, by=by.user)


# --- Required questions ---------------------------------------------------------------------


def test_the_shipped_generic_tool_has_required_questions(generic):
    required = Question.objects.filter(section__version=generic, required=True)
    assert required.filter(key="child_seen_statutory_visits").exists()
    assert required.filter(key="assessment_in_timescale").exists()
    assert not Question.objects.filter(section__version=generic, key="life_story_work")[0].required


def test_each_unanswered_required_question_is_a_gap(org, draft, save):
    data = complete_data(draft)
    seen = Question.objects.get(
        section__version=draft.tool_version, key="child_seen_statutory_visits"
    )
    del data["questions"][seen.pk]
    save(draft, org.csm_north, data)
    assert gaps(draft) == {
        fields.question_field(seen.pk, "answer"): "Answer “Has the child been seen within "
        "statutory or local visiting timescales?” in “Voice and lived experience of the child”"
    }
    with pytest.raises(ValidationError) as caught:
        complete(draft, org.csm_north)
    assert list(caught.value.message_dict) == [f"q{seen.pk}-answer"]
    save(draft, org.csm_north, {"questions": {seen.pk: {"answer": "no", "evidence": "Not seen."}}})
    assert complete(draft, org.csm_north).status == AuditStatus.COMPLETED


def test_questions_not_required_need_no_answer(org, draft, save):
    data = complete_data(draft)
    assert Question.objects.filter(section__version=draft.tool_version, required=False).exists()
    save(draft, org.csm_north, data)
    assert gaps(draft) == {}


def test_required_is_the_tool_versions_data(org, start, save, make_tool):
    version = make_tool("plain", sections=1)
    question = Question.objects.filter(section__version=version, key="yn").get()
    audit = start(auditor=org.csm_north, tool_code="plain")
    save(audit, org.csm_north, complete_data(audit))
    assert gaps(audit) == {}
    Question.objects.filter(pk=question.pk).update(required=True)
    assert list(gaps(audit)) == [f"q{question.pk}-answer"]


# --- Family contact -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ({"contact_made": ""}, {"contact_made"}),
        (
            {"contact_made": "yes", "who_contacted": "", "contact_method": ""},
            {
                "who_contacted",
                "contact_method",
            },
        ),
        (
            {"contact_made": "attempted", "who_contacted": "Mother", "contact_method": ""},
            {"contact_method"},
        ),
        (
            {"contact_made": "not_appropriate", "who_contacted": "", "contact_method": ""},
            {"contact_not_appropriate_reason"},
        ),
        (
            {
                "contact_made": "not_appropriate",
                "who_contacted": "",
                "contact_method": "",
                "contact_not_appropriate_reason": "Care proceedings: legal advice not to.",
            },
            set(),
        ),
        (
            {"contact_made": "attempted", "who_contacted": "Father", "contact_method": "letter"},
            set(),
        ),
    ],
)
def test_family_contact_is_made_or_tried_with_who_and_how_or_not_appropriate_with_a_reason(
    org, draft, save, contact, expected
):
    save(draft, org.csm_north, complete_data(draft) | contact)
    assert set(gaps(draft)) == expected


def test_family_contact_messages(org, draft, save):
    save(
        draft,
        org.csm_north,
        complete_data(draft) | {"contact_made": "attempted", "who_contacted": ""},
    )
    assert gaps(draft)["who_contacted"] == "Enter who you tried to contact"
    save(draft, org.csm_north, {"contact_made": "not_appropriate"})
    assert gaps(draft) == {
        "contact_not_appropriate_reason": "Explain why contact with the child or family was not "
        "appropriate"
    }


# --- Actions required -----------------------------------------------------------------------


def test_a_section_in_an_actions_required_band_needs_an_action_for_it(org, draft, save):
    data = complete_data(draft)
    first, second = list(draft.tool_version.sections.filter(scaled=True))[:2]
    data["sections"][first.pk]["scale"] = 4  # Requires improvement
    data["actions"][0]["section_id"] = second.pk  # an action, but for another section
    save(draft, org.csm_north, data)
    assert gaps(draft) == {
        f"s{first.pk}-actions": f"Add a restorative action for “{first.title}”: it is scaled 4 "
        "(Requires improvement), which needs one"
    }
    with pytest.raises(ValidationError):
        complete(draft, org.csm_north)
    data["actions"].append(
        {
            "description": "Update the chronology.",
            "owner_id": org.worker.pk,
            "due_on": "2027-01-15",
            "section_id": first.pk,
        }
    )
    save(draft, org.csm_north, {"actions": data["actions"]})
    assert gaps(draft) == {}


def test_an_overall_scale_in_an_actions_required_band_needs_an_action(org, draft, save):
    data = complete_data(draft, overall=4) | {"actions": []}
    save(draft, org.csm_north, data)
    assert gaps(draft) == {
        "overall-actions": "Add at least one restorative action: the overall scale 4 "
        "(Requires improvement) needs one"
    }


def test_the_band_flag_is_data(org, draft, save):
    data = complete_data(draft) | {"actions": []}
    section = draft.tool_version.sections.filter(scaled=True).first()
    data["sections"][section.pk]["scale"] = 7
    save(draft, org.csm_north, data)
    assert gaps(draft) == {}
    bands = [
        {
            "code": b.code,
            "name": b.name,
            "min_score": b.min_score,
            "max_score": b.max_score,
            "guidance": b.guidance,
            "urgent": b.urgent,
            "actions_required": b.actions_required or b.code == "good",
        }
        for b in ScalingBand.objects.all()
    ]
    tool_services.scaling_bands_update(bands=bands, by=org.director.user)
    scaled = draft.tool_version.sections.filter(scaled=True)
    assert set(gaps(draft)) == {f"s{s.pk}-actions" for s in scaled} | {"overall-actions"}
    change = ToolChange.objects.filter(action=ToolChangeAction.BANDS_UPDATED).latest("at")
    assert [b["actions_required"] for b in change.detail["after"]] == [True, True, True, False]


def test_the_shipped_bands_needing_actions(db):
    assert dict(ScalingBand.objects.values_list("code", "actions_required")) == {
        "inadequate": True,
        "requires-improvement": True,
        "good": False,
        "outstanding": False,
    }


# --- The form's error summary ---------------------------------------------------------------


def test_the_error_summary_names_each_gap_with_a_link_to_its_field(
    org, login, draft, save, django_assert_max_num_queries
):
    """The check page lists every gap, in page order, each linked to the field on the page
    that fixes it; that page, opened from the link, shows the gap against the field."""
    data = complete_data(draft) | {"contact_made": "yes", "who_contacted": "", "actions": []}
    first = draft.tool_version.sections.filter(scaled=True).first()
    data["sections"][first.pk]["scale"] = 3
    seen = Question.objects.get(
        section__version=draft.tool_version, key="child_seen_statutory_visits"
    )
    del data["questions"][seen.pk]
    save(draft, org.csm_north, data)
    client = login(org.csm_north)
    check = reverse("audit_check", args=[draft.pk])
    response = client.post(check, {"revision": Audit.objects.get(pk=draft.pk).revision})
    assert response.status_code == 302 and response.url == check
    with django_assert_max_num_queries(60):
        page = client.get(response.url)
    html = page.content.decode()
    assert "The audit cannot be completed yet" in html
    seen_page = f"section-{list(draft.tool_version.sections.all()).index(seen.section) + 1}"
    links = {
        "question": f"{_page(draft, seen_page)}?check=1#id_q{seen.pk}-answer",
        "family": f"{_page(draft, 'family-contact')}?check=1#id_who_contacted",
        "actions": f"{_page(draft, 'restorative-actions')}?check=1#id_s{first.pk}-actions",
    }
    for href in links.values():
        assert f'href="{href}"' in html, href
    # In page order: the question (its section), the family contact, then the actions.
    assert (
        html.index(links["question"]) < html.index(links["family"]) < html.index(links["actions"])
    )
    # Each link lands on an element of its page.
    for href in links.values():
        url, anchor = href.split("#")
        assert f'id="{anchor}"' in client.get(url).content.decode(), href
    assert Audit.objects.get(pk=draft.pk).status == AuditStatus.DRAFT


def _page(audit, slug: str) -> str:
    return reverse("audit_task", args=[audit.pk, slug])


def test_an_action_row_names_its_section_on_the_form(org, login, draft, save):
    data = complete_data(draft, scale=4)
    save(draft, org.csm_north, data)
    html = login(org.csm_north).get(_page(draft, "restorative-actions")).content.decode()
    first = draft.tool_version.sections.filter(scaled=True).first()
    assert 'name="actions-0-section"' in html
    assert f'<option value="{first.pk}" selected' in html
    assert complete(draft, org.csm_north).status == AuditStatus.COMPLETED


# --- The API --------------------------------------------------------------------------------


def test_the_api_lists_the_gaps_by_field(org, api, draft, save):
    data = complete_data(draft) | {"contact_made": "not_appropriate", "actions": []}
    first = draft.tool_version.sections.filter(scaled=True).first()
    data["sections"][first.pk]["scale"] = 2
    save(draft, org.csm_north, data)
    response = api(org.csm_north).post(f"/api/v1/audits/{draft.pk}/complete")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "contact_not_appropriate_reason",
        f"s{first.pk}-actions",
    }
    # The API saves what completes it: the reason and an action for the section.
    client = api(org.csm_north)
    detail = client.get(f"/api/v1/audits/{draft.pk}").json()
    saved = client.put(
        f"/api/v1/audits/{draft.pk}",
        {
            "revision": detail["revision"],
            "contact_not_appropriate_reason": "The young person asked us not to.",
            "actions": [
                {
                    "description": "Hold a strategy discussion.",
                    "owner_id": org.worker.pk,
                    "due_on": "2027-01-10",
                    "section_id": first.pk,
                }
            ],
        },
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["actions"][0]["section_id"] == first.pk
    assert saved.json()["family_contact"]["contact_not_appropriate_reason"] == (
        "The young person asked us not to."
    )
    assert client.post(f"/api/v1/audits/{draft.pk}/complete").status_code == 200


def test_an_action_for_a_section_of_another_tool_is_refused(org, draft, save, make_tool):
    other = make_tool("other", sections=1).sections.get()
    with pytest.raises(ValidationError) as caught:
        save(
            draft,
            org.csm_north,
            {
                "actions": [
                    {
                        "description": "x",
                        "owner_id": org.worker.pk,
                        "due_on": "2027-01-10",
                        "section_id": other.pk,
                    }
                ]
            },
        )
    assert caught.value.message_dict == {
        "actions-0-section": ["Choose a section of this audit’s tool"]
    }


# --- The shipped tools' data migration ------------------------------------------------------


def test_the_migration_gives_a_used_published_version_a_new_version_and_keeps_the_old(
    org, generic, start
):
    """A published version that audits use is never changed: the migration publishes a new
    version with the flags, and the audits keep theirs (which requires nothing)."""
    migration = importlib.import_module(
        "caseaudit.audit_tools.migrations.0005_completion_rules_data"
    )
    Question.objects.filter(section__version=generic).update(required=False)
    audit = start(auditor=org.csm_north)  # uses the published version
    draft = tool_services.tool_version_draft_create(tool=generic.tool, by=org.performance.user)
    migration.forwards(apps, None)
    generic.refresh_from_db()
    assert generic.status == VersionStatus.RETIRED
    assert not Question.objects.filter(section__version=generic, required=True).exists()
    new = ToolVersion.objects.get(tool=generic.tool, status=VersionStatus.PUBLISHED)
    assert new.number == 3  # after the draft (2) that was there
    assert Question.objects.filter(section__version=new, required=True).count() == 17
    assert Audit.objects.get(pk=audit.pk).tool_version_id == generic.pk
    draft.refresh_from_db()
    assert draft.number == new.number + 1  # the draft stays the newest version
    assert Question.objects.filter(section__version=draft, required=True).count() == 17
    recorded = ToolChange.objects.filter(version=new, action=ToolChangeAction.COMPLETION_RULES)
    assert recorded.get().detail["required_questions"]
    # Run again: nothing more changes.
    migration.forwards(apps, None)
    assert ToolVersion.objects.filter(tool=generic.tool).count() == 3


def test_family_contact_fixture_is_complete(org, draft, save):
    save(draft, org.csm_north, complete_data(draft))
    assert not set(gaps(draft)) & set(FAMILY_CONTACT)
