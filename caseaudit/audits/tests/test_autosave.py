"""The audit form's autosave (POST /audits/<pk>/autosave/, from one page of the audit: its
"page" field): the same save and revision check as "Save and continue", answered in JSON."""

import pytest
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits import services
from caseaudit.audits.models import Audit, RestorativeAction

from .test_views import EDITS_THE_AUDIT, form_post, page_url, persona, post_page


@pytest.fixture
def audit(org, start):
    return start(auditor=org.csm_north)


def autosave(client, audit, **fields):
    return client.post(reverse("audit_autosave", args=[audit.pk]), form_post(audit, **fields))


@pytest.mark.parametrize("who,status", EDITS_THE_AUDIT.items())
def test_personas(org, login, audit, who, status):
    response = autosave(login(persona(org, who)), audit, summary="Typed.")
    assert response.status_code == status
    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.summary == "Typed.") is (status == 200)


def test_anonymous_is_sent_to_sign_in(client, audit):
    response = autosave(client, audit, summary="Typed.")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Audit.objects.get(pk=audit.pk).summary == ""


def test_get_is_refused(org, login, audit):
    response = login(org.csm_north).get(reverse("audit_autosave", args=[audit.pk]))
    assert response.status_code == 405


def test_saves_the_draft_and_returns_the_new_revision(
    org, login, audit, django_assert_max_num_queries
):
    client = login(org.csm_north)
    with django_assert_max_num_queries(40):
        response = autosave(client, audit, summary="Typed so far.", good_practice="Direct work.")
    assert response.status_code == 200
    body = response.json()
    saved = Audit.objects.get(pk=audit.pk)
    assert saved.summary == "Typed so far."
    assert saved.good_practice == "Direct work."
    assert body["revision"] == saved.revision == audit.revision + 1
    assert body["saved_at"] == timezone.localtime(saved.updated_at).strftime("%H:%M")
    assert org.csm_north.name in body["last_saved"]
    assert body["urgent"] == ""


def test_stale_revision_is_a_conflict_with_the_save_draft_message(org, login, audit):
    client = login(org.csm_north)
    # Saved in another window first.
    services.audit_save(
        audit=Audit.objects.get(pk=audit.pk),
        by=org.csm_north.user,
        data={"summary": "Other window."},
        revision=audit.revision,
    )
    response = autosave(client, audit, summary="This window.")  # still revision 1
    assert response.status_code == 409
    message = response.json()["conflict"]
    assert message.startswith("You saved this audit in another window at ")
    assert message.endswith("reload to see that version.")
    assert Audit.objects.get(pk=audit.pk).summary == "Other window."


def test_completed_audit_stops_autosave(org, login, audit):
    Audit.objects.filter(pk=audit.pk).update(status="completed", completed_at=timezone.now())
    response = autosave(login(org.csm_north), audit, summary="Late.")
    assert response.status_code == 409
    assert "completed" in response.json()["conflict"]


def test_invalid_answer_saves_nothing(org, login, audit):
    response = autosave(login(org.csm_north), audit, who_contacted="x", contacted_on="31/02/2026")
    assert response.status_code == 400
    assert "contacted_on" in response.json()["errors"]
    assert Audit.objects.get(pk=audit.pk).revision == audit.revision


def test_new_action_rows_get_their_ids_so_the_next_save_does_not_add_them_again(org, login, audit):
    client = login(org.csm_north)
    first = autosave(
        client, audit, **{"actions-1-description": "Update the plan.", "actions-1-due_on": ""}
    )
    assert first.status_code == 200
    action = RestorativeAction.objects.get(audit=audit)
    assert first.json()["actions"] == {
        "actions-0-id": "",
        "actions-1-id": str(action.pk),
        "actions-2-id": "",
    }
    # The page puts the id into the row and saves again with the new revision.
    audit.revision = first.json()["revision"]
    second = autosave(
        client,
        audit,
        **{"actions-1-id": str(action.pk), "actions-1-description": "Update the plan today."},
    )
    assert second.status_code == 200
    assert list(
        RestorativeAction.objects.filter(audit=audit).values_list("description", flat=True)
    ) == ["Update the plan today."]


def test_each_page_offers_autosave(org, login, audit):
    page = login(org.csm_north).get(page_url(audit, "section-1")).content.decode()
    assert f'data-autosave-url="{reverse("audit_autosave", args=[audit.pk])}"' in page
    assert 'name="page" value="section-1"' in page
    assert 'data-autosave-revision="revision"' in page
    assert 'id="autosave-status" role="status" aria-live="polite"' in page
    assert "core/js/autosave.js" in page


def test_an_autosave_raises_no_urgent_finding_until_the_auditor_saves(org, login, audit):
    """Choosing a scale with the arrow keys passes 0, 1 and 2 on the way to 7, and each move
    leaves a radio button (an autosave): those passing values must not alert the managers."""
    from caseaudit.audits.models import UrgentFinding

    client = login(org.csm_north)
    section = audit.tool_version.sections.filter(scaled=True).order_by("order", "id").first()
    field = f"s{section.pk}-scale"
    response = autosave(client, audit, **{field: "1"})
    assert response.status_code == 200
    assert response.json()["urgent"] == ""
    assert not UrgentFinding.objects.filter(audit=audit).exists()
    # "Save and continue" with the scale still at 1 asks before alerting anyone; the
    # auditor's yes raises it.
    saved = Audit.objects.get(pk=audit.pk)
    asked = post_page(client, saved, **{field: "1"})
    confirm = reverse("audit_confirm_alert", args=[audit.pk])
    assert asked.status_code == 302 and asked["Location"].startswith(confirm)
    assert not UrgentFinding.objects.filter(audit=audit).exists()
    saved.refresh_from_db()
    client.post(asked["Location"], {"revision": saved.revision, "intent": "save"})
    assert UrgentFinding.objects.filter(audit=audit).count() == 1


@pytest.mark.parametrize("second_save", ["autosave", "save_draft"])
def test_an_action_an_autosave_created_survives_a_save_of_the_same_values(
    org, login, audit, second_save
):
    """The page was rendered with no actions (INITIAL_FORMS=0): after an autosave created one,
    the next save posts the row unchanged, with its id. It must be kept, not read as a blank
    row and removed (the keyboard-only completion lost its action this way)."""
    client = login(org.csm_north)
    row = {"actions-0-description": "Update the plan.", "actions-0-due_on": "2027-01-15"}
    first = autosave(client, audit, **row)
    action = RestorativeAction.objects.get(audit=audit)
    audit.revision = first.json()["revision"]
    row["actions-0-id"] = str(action.pk)
    if second_save == "autosave":
        response = autosave(client, audit, **row)
    else:
        response = post_page(client, audit, **row)
    assert response.status_code in (200, 302)
    assert list(RestorativeAction.objects.filter(audit=audit).values_list("pk", flat=True)) == [
        action.pk
    ]


def test_without_its_page_nothing_is_saved(org, login, audit):
    data = form_post(audit, summary="Typed.")
    del data["page"]
    response = login(org.csm_north).post(reverse("audit_autosave", args=[audit.pk]), data)
    assert response.status_code == 400
    assert Audit.objects.get(pk=audit.pk).revision == audit.revision


def test_a_page_autosave_leaves_the_rest_of_the_audit_as_it_is(org, login, audit, save):
    """A section page's autosave sends that section only: the other sections, the audit's own
    fields and its actions stay as they were."""
    first, second = list(audit.tool_version.sections.all())[:2]
    save(
        audit,
        org.csm_north,
        {
            "summary": "Kept.",
            "sections": {first.pk: {"working_well": "Kept too.", "scale": 7}},
            "actions": [{"description": "Kept action.", "owner_id": org.worker.pk}],
        },
    )
    audit.refresh_from_db()
    response = autosave(login(org.csm_north), audit, **{f"s{second.pk}-worried_about": "New."})
    assert response.status_code == 200
    assert response.json()["actions"] == {}
    saved = Audit.objects.get(pk=audit.pk)
    assert saved.summary == "Kept."
    answers = {a.section_id: a for a in saved.section_answers.all()}
    assert (answers[first.pk].working_well, answers[first.pk].scale) == ("Kept too.", 7)
    assert answers[second.pk].worried_about == "New."
    assert list(RestorativeAction.objects.values_list("description", flat=True)) == ["Kept action."]
