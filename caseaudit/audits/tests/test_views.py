import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from caseaudit.accounts.models import AccessEvent
from caseaudit.audits import selectors, services, tasklist
from caseaudit.audits.models import Audit, AuditStatus, RestorativeAction, UrgentFinding
from caseaudit.workflows import audits as workflows

from .conftest import complete_data, required_answers

# The auditor is the CSM of the case's service (a permissive audit); the personas around the
# case are its worker, a colleague in the team (who cannot see the case), the TM and an outsider.
SEES_THE_AUDIT = {"auditor": 200, "worker": 200, "colleague": 404, "tm": 200, "outsider": 404}
EDITS_THE_AUDIT = {"auditor": 200, "worker": 404, "colleague": 404, "tm": 404, "outsider": 404}


def persona(org, who):
    return org.csm_north if who == "auditor" else getattr(org, who)


@pytest.fixture
def audit(org, start):
    return start(auditor=org.csm_north)


def page_for(audit, *keys) -> str:
    """The slug of the audit's page that holds the fields `keys` (all on one page)."""
    pages = tasklist.audit_pages(selectors.audit_document(audit=audit))
    slugs = {tasklist.page_for_key(pages, key).slug for key in keys}
    assert len(slugs) == 1, f"{keys} are on pages {slugs}"
    return slugs.pop()


def page_url(audit, page: str) -> str:
    return reverse("audit_task", args=[audit.pk, page])


def form_post(audit, page=None, **overrides) -> dict:
    """A page of the audit as a browser posts it, with nothing filled in: `page` (its slug),
    by default the page of the fields given (the overall page when none is)."""
    keys = [k for k in overrides if k not in ("revision", "intent")]
    if page is None:
        page = page_for(audit, *keys) if keys else tasklist.OVERALL
    data = {"revision": audit.revision, "page": page, "intent": "continue"}
    if page == tasklist.ACTIONS:
        data.update(
            {
                "actions-TOTAL_FORMS": "3",
                "actions-INITIAL_FORMS": "0",
                "actions-MIN_NUM_FORMS": "0",
                "actions-MAX_NUM_FORMS": "1000",
            }
        )
        for i in range(3):
            data[f"actions-{i}-owner"] = str(audit.case.allocated_worker_id)
    data.update(overrides)
    return data


def post_page(client, audit, page=None, **overrides):
    """POST a page of the audit (`form_post`) to its own address."""
    data = form_post(audit, page, **overrides)
    return client.post(page_url(audit, data["page"]), data)


# --- Personas ---------------------------------------------------------------------------


@pytest.mark.parametrize("who,status", SEES_THE_AUDIT.items())
def test_audit_page_personas(org, login, audit, who, status):
    response = login(persona(org, who)).get(reverse("audit_detail", args=[audit.pk]))
    assert response.status_code == status


@pytest.mark.parametrize("who,status", EDITS_THE_AUDIT.items())
def test_audit_form_personas(org, login, audit, who, status):
    response = login(persona(org, who)).get(reverse("audit_edit", args=[audit.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(
    "name", ["audit_detail", "audit_edit", "audit_reopen", "urgent_finding_acknowledge"]
)
def test_anonymous_is_sent_to_sign_in(client, audit, name):
    response = client.get(reverse(name, args=[audit.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_every_view_of_an_audit_is_logged(org, login, audit):
    client = login(org.tm)
    client.get(reverse("audit_detail", args=[audit.pk]))
    event = AccessEvent.objects.get(object_type="audit")
    assert (event.object_id, event.case_id, event.user) == (str(audit.pk), org.case.pk, org.tm.user)
    login(org.csm_north).get(reverse("audit_edit", args=[audit.pk]))
    assert AccessEvent.objects.filter(object_type="audit").count() == 2


def test_the_auditor_is_sent_to_the_audit_page_once_it_is_completed(org, login, audit, save):
    save(audit, org.csm_north, complete_data(audit))
    workflows.audit_complete(audit=audit, by=org.csm_north.user)
    response = login(org.csm_north).get(reverse("audit_edit", args=[audit.pk]))
    assert response.status_code == 302
    assert response.url == reverse("audit_detail", args=[audit.pk])


# --- Start ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    {
        "csm_north": 200,
        "tm": 200,
        "performance": 200,
        "worker": 403,
        "colleague": 404,
        "outsider": 404,
    }.items(),
)
def test_start_page_personas(org, login, who, status):
    response = login(getattr(org, who)).get(reverse("audit_start", args=[org.case.pk]))
    assert response.status_code == status


def test_the_worker_is_told_why_they_cannot_audit_their_case(org, login):
    response = login(org.worker).get(reverse("audit_start", args=[org.case.pk]))
    assert "You cannot audit a case allocated to you." in response.content.decode()


def test_start_offers_only_the_tools_for_the_case_type(org, login):
    response = login(org.csm_north).get(reverse("audit_start", args=[org.case.pk]))
    html = response.content.decode()
    tools = set(re.findall(r'name="tool" type="radio" value="([^"]+)"', html))
    assert tools == {"generic", "closure"}


def test_starting_an_audit_opens_its_form(org, login):
    response = login(org.csm_north).post(
        reverse("audit_start", args=[org.case.pk]), {"tool": "generic", "reason": "permissive"}
    )
    audit = Audit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("audit_edit", args=[audit.pk])
    assert (audit.auditor, audit.reason) == (org.csm_north, "permissive")


def test_starting_twice_continues_the_draft(org, login, audit):
    response = login(org.csm_north).post(
        reverse("audit_start", args=[org.case.pk]), {"tool": "generic", "reason": "permissive"}
    )
    assert response.url == reverse("audit_edit", args=[audit.pk])
    assert Audit.objects.count() == 1


def test_start_without_a_tool_shows_the_error(org, login):
    response = login(org.csm_north).post(
        reverse("audit_start", args=[org.case.pk]), {"reason": "permissive"}
    )
    assert response.status_code == 200
    assert "Choose an audit tool" in response.content.decode()
    assert not Audit.objects.exists()


def test_the_case_page_lists_audits_and_offers_the_start_form(org, login, audit):
    html = login(org.tm).get(reverse("case_detail", args=[org.case.pk])).content.decode()
    assert reverse("audit_detail", args=[audit.pk]) in html
    assert reverse("audit_start", args=[org.case.pk]) in html
    html = login(org.worker).get(reverse("case_detail", args=[org.case.pk])).content.decode()
    assert reverse("audit_detail", args=[audit.pk]) in html
    assert reverse("audit_start", args=[org.case.pk]) not in html


def test_business_support_see_that_audits_exist_but_not_their_text(org, login, audit):
    """Business Support in the case's team see the case's audits listed (tool, auditor,
    status) without a link; the audit page and its PDF are 404 for them."""
    client = login(org.business_support)
    html = client.get(reverse("case_detail", args=[org.case.pk])).content.decode()
    assert audit.tool_version.tool.name in html
    assert reverse("audit_detail", args=[audit.pk]) not in html
    assert client.get(reverse("audit_detail", args=[audit.pk])).status_code == 404
    assert client.get(reverse("audit_pdf", args=[audit.pk])).status_code == 404


# --- The form: the task list, a page per task, check answers ---------------------------


def test_the_task_list_lists_each_section_and_the_other_tasks_with_their_status(org, login, audit):
    html = login(org.csm_north).get(reverse("audit_edit", args=[audit.pk])).content.decode()
    sections = list(audit.tool_version.sections.all())
    assert html.count('class="govuk-task-list__item govuk-task-list__item--with-link"') == (
        len(sections) + 4
    )
    for number, section in enumerate(sections, start=1):
        assert f'href="{page_url(audit, f"section-{number}")}"' in html
        assert escape(section.title) in html
    for slug in (tasklist.VOICE, tasklist.FAMILY, tasklist.ACTIONS, tasklist.OVERALL):
        assert f'href="{page_url(audit, slug)}"' in html
    assert html.count(">Not started</strong>") == len(sections) + 4
    assert f"You have completed 0 of {len(sections) + 4} tasks." in html
    assert reverse("audit_check", args=[audit.pk]) in html
    assert 'name="s' not in html  # no form fields on the task list


def test_a_section_page_shows_its_columns_scale_questions_and_the_guidance_once(org, login, audit):
    sections = list(audit.tool_version.sections.all())
    section = sections[0]
    html = login(org.csm_north).get(page_url(audit, "section-1")).content.decode()
    for name in ("working_well", "worried_about", "needs_to_happen", "scale"):
        assert f'name="s{section.pk}-{name}"' in html
    assert f'name="s{sections[1].pk}-working_well"' not in html  # one section per page
    assert "What is working well" in html and "What are we worried about" in html
    assert html.count("app-scale-choice") == 1
    assert html.count("How to choose the scale") == 1
    assert html.count("Requires improvement") == 1
    for question in section.questions.all():
        assert f'name="q{question.pk}-answer"' in html
    assert f'name="revision" value="{audit.revision}"' in html
    assert 'name="page" value="section-1"' in html
    assert "Save and continue" in html and "Save and come back later" in html
    assert 'name="actions-' not in html and 'name="summary"' not in html


def test_an_unknown_page_is_404(org, login, audit):
    client = login(org.csm_north)
    assert client.get(page_url(audit, "section-99")).status_code == 404
    assert client.get(page_url(audit, "nothing")).status_code == 404


@pytest.mark.parametrize("who,status", {**EDITS_THE_AUDIT, "auditor": 200}.items())
def test_section_and_check_pages_personas(org, login, audit, who, status):
    client = login(persona(org, who))
    assert client.get(page_url(audit, "section-1")).status_code == status
    assert client.get(reverse("audit_check", args=[audit.pk])).status_code == status


def test_save_and_continue_saves_the_page_and_opens_the_next(org, login, audit):
    section = audit.tool_version.sections.first()
    client = login(org.csm_north)
    response = post_page(
        client,
        audit,
        **{f"s{section.pk}-working_well": "Visits weekly", f"s{section.pk}-scale": "6"},
    )
    assert response.status_code == 302
    assert response.url == page_url(audit, "section-2")
    assert "Draft saved at" in client.get(response.url).content.decode()
    html = client.get(page_url(audit, "section-1")).content.decode()
    assert "Visits weekly" in html
    assert re.search(rf'id="id_s{section.pk}-scale-6"[^>]*value="6" checked', html)


def test_save_and_come_back_later_goes_to_the_task_list(org, login, audit):
    client = login(org.csm_north)
    response = post_page(client, audit, voice_of_child="Heard.", intent="later")
    assert response.url == reverse("audit_edit", args=[audit.pk])
    html = client.get(response.url).content.decode()
    assert "Draft saved at" in html
    audit.refresh_from_db()
    assert audit.voice_of_child == "Heard."


def test_the_last_page_continues_to_the_check_page(org, login, audit):
    response = post_page(login(org.csm_north), audit, summary="So far.")
    assert response.url == reverse("audit_check", args=[audit.pk])


def test_a_page_leaves_the_rest_of_the_audit_as_it_is(org, login, audit, save):
    """Each page sends only its own fields: the other sections, the audit's own fields and
    the actions are untouched by its save."""
    data = complete_data(audit)
    data["good_practice"] = "Lovely direct work."
    save(audit, org.csm_north, data)
    audit.refresh_from_db()
    before = services.audit_completion_problems(audit)
    first, second = list(audit.tool_version.sections.all())[:2]
    # The page as posted: its own questions' answers as saved, a column and the scale changed.
    answered = required_answers(audit)
    own = {
        f"q{q.pk}-{name}": value
        for q in second.questions.all()
        for name, value in answered.get(q.pk, {}).items()
    }
    client = login(org.csm_north)
    response = post_page(
        client,
        audit,
        **{f"s{second.pk}-working_well": "Changed.", f"s{second.pk}-scale": "8", **own},
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    document = selectors.audit_document(audit=audit)
    answers = {item.section.pk: item.answer for item in document.sections}
    assert answers[first.pk].working_well == f"Good work in {first.title}."
    assert answers[second.pk].working_well == "Changed."
    assert answers[second.pk].needs_to_happen == ""  # posted blank on its own page
    assert audit.summary == "A well-managed case." and audit.good_practice == "Lovely direct work."
    assert audit.contact_made == "yes" and audit.voice_of_child
    assert [a.description for a in document.actions] == [a["description"] for a in data["actions"]]
    assert services.audit_completion_problems(audit) == before == []


def test_a_stale_page_shows_the_conflict_and_keeps_the_text(org, login, audit, save):
    section = audit.tool_version.sections.first()
    save(audit, org.csm_north, {"summary": "Saved elsewhere"})
    response = post_page(
        login(org.csm_north),
        audit,
        revision=1,
        **{f"s{section.pk}-worried_about": "My unsaved words"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "in another window at" in html and "your changes here were not saved" in html
    assert "My unsaved words" in html
    assert 'name="revision" value="1"' in html  # still stale: saving again cannot overwrite
    audit.refresh_from_db()
    assert audit.summary == "Saved elsewhere"


def test_an_invalid_date_is_shown_against_its_field(org, login, audit):
    response = post_page(login(org.csm_north), audit, contacted_on="31-02-2026")
    html = response.content.decode()
    assert '<a href="#id_contacted_on">Date of contact must be a real date</a>' in html
    assert "govuk-input--error" in html


def test_the_check_page_lists_every_gap_linked_to_the_page_that_fixes_it(org, login, audit):
    client = login(org.csm_north)
    post_page(client, audit, voice_of_child="Heard")
    html = client.get(reverse("audit_check", args=[audit.pk])).content.decode()
    audit.refresh_from_db()
    assert "The audit cannot be completed yet" in html
    section = audit.tool_version.sections.first()
    assert (
        f'<a class="govuk-link" href="{page_url(audit, "section-1")}?check=1'
        f'#id_s{section.pk}-scale">Choose a scale for'
    ) in html
    assert (
        f'<a class="govuk-link" href="{page_url(audit, tasklist.OVERALL)}?check=1'
        '#id_overall_scale">Choose an overall scale'
    ) in html
    assert "#id_voice_of_child" not in html
    assert html.count('<li><a class="govuk-link" href="') == len(
        services.audit_completion_problems(audit)
    )
    assert 'id="complete-audit"' not in html  # no Complete button while there are gaps
    # The link opens the page with its own gaps shown against the fields.
    page = client.get(page_url(audit, "section-1") + "?check=1").content.decode()
    assert "The audit cannot be completed yet" in page
    assert f'<a href="#id_s{section.pk}-scale">Choose a scale for' in page


def test_complete_with_gaps_goes_back_to_the_check_page(org, login, audit):
    client = login(org.csm_north)
    response = client.post(reverse("audit_check", args=[audit.pk]), {"revision": audit.revision})
    assert response.status_code == 302 and response.url == reverse("audit_check", args=[audit.pk])
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_an_incomplete_action_is_linked_to_its_row(org, login, audit, save):
    data = complete_data(audit)
    data["actions"] = [{"description": "Chronology", "owner_id": org.worker.pk, "due_on": None}]
    save(audit, org.csm_north, data)
    client = login(org.csm_north)
    html = client.get(reverse("audit_check", args=[audit.pk])).content.decode()
    link = f"{page_url(audit, tasklist.ACTIONS)}?check=1#id_actions-0-due_on"
    assert f'<a class="govuk-link" href="{link}">Enter a due date for action 1' in html
    page = client.get(page_url(audit, tasklist.ACTIONS) + "?check=1").content.decode()
    assert '<a href="#id_actions-0-due_on">Enter a due date for action 1</a>' in page


def test_complete_from_the_check_page(org, login, audit, save):
    save(audit, org.csm_north, complete_data(audit))
    audit.refresh_from_db()
    client = login(org.csm_north)
    check = client.get(reverse("audit_check", args=[audit.pk]))
    html = check.content.decode()
    assert "The audit cannot be completed yet" not in html and 'id="complete-audit"' in html
    response = client.post(reverse("audit_check", args=[audit.pk]), {"revision": audit.revision})
    assert response.status_code == 302
    assert response.url == reverse("audit_detail", args=[audit.pk])
    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert RestorativeAction.objects.filter(audit=audit).count() == 1  # not duplicated


def test_complete_after_a_save_elsewhere_asks_to_check_again(org, login, audit, save):
    save(audit, org.csm_north, complete_data(audit))
    audit.refresh_from_db()
    checked = audit.revision
    save(audit, org.csm_north, {"summary": "Changed in another window."})
    client = login(org.csm_north)
    response = client.post(reverse("audit_check", args=[audit.pk]), {"revision": checked})
    assert response.url == reverse("audit_check", args=[audit.pk])
    assert "check it again" in client.get(response.url).content.decode()
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_the_actions_page_round_trip(org, login, audit):
    """Save the actions page as a browser posts it: the formset from the page, as shown."""
    client = login(org.csm_north)
    post_page(
        client,
        audit,
        **{"actions-0-description": "Update the plan", "actions-0-due_on": "2027-02-01"},
    )
    response = client.get(page_url(audit, tasklist.ACTIONS))
    formset = response.context["formset"]
    audit.refresh_from_db()
    data = {
        "revision": audit.revision,
        "page": tasklist.ACTIONS,
        "intent": "continue",
        "actions-TOTAL_FORMS": str(len(formset.forms)),
        "actions-INITIAL_FORMS": str(formset.initial_form_count()),
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(formset.forms):
        for name in ("id", "description", "owner", "due_on"):
            value = row.initial.get(name, row.fields[name].initial)
            if value is not None:
                data[f"actions-{i}-{name}"] = value
    again = client.post(page_url(audit, tasklist.ACTIONS), data)
    assert again.status_code == 302 and again.url == page_url(audit, tasklist.OVERALL)
    assert list(RestorativeAction.objects.values_list("description", flat=True)) == [
        "Update the plan"
    ]


def test_add_more_actions_saves_and_shows_more_blank_rows(org, login, audit):
    client = login(org.csm_north)
    response = post_page(
        client,
        audit,
        intent="add_action",
        **{"actions-0-description": "Update the plan", "actions-0-due_on": "2027-02-01"},
    )
    assert response.status_code == 302
    assert "rows=6" in response.url and response.url.startswith(page_url(audit, tasklist.ACTIONS))
    page = client.get(response.url)
    assert RestorativeAction.objects.get(audit=audit).description == "Update the plan"
    formset = page.context["formset"]
    assert len(formset.forms) == 1 + 6
    html = page.content.decode()
    assert f'<option value="{org.worker.pk}" selected>' in html  # blank rows: the worker


def test_removing_an_action(org, login, audit, save):
    save(audit, org.csm_north, {"actions": [{"description": "Old", "owner_id": org.worker.pk}]})
    action = RestorativeAction.objects.get()
    audit.refresh_from_db()
    response = post_page(
        login(org.csm_north),
        audit,
        **{
            "actions-TOTAL_FORMS": "4",
            "actions-INITIAL_FORMS": "1",
            "actions-3-id": str(action.pk),
            "actions-3-description": "Old",
            "actions-3-remove": "on",
        },
    )
    assert response.status_code == 302
    assert not RestorativeAction.objects.exists()


def test_scaling_2_on_a_page_asks_the_auditor_before_alerting(org, login, audit):
    section = audit.tool_version.sections.first()
    client = login(org.csm_north)
    response = post_page(client, audit, **{f"s{section.pk}-scale": "2"})
    html = client.get(response.url).content.decode()
    assert "This will alert the Team Manager and Practice Supervisor now" in html
    # "No, go back" returns to the page that was saved.
    assert f'href="{page_url(audit, "section-1")}?rows=3" id="change-audit"' in html
    assert not UrgentFinding.objects.filter(audit=audit).exists()  # asked, not yet raised
    audit.refresh_from_db()
    done = client.post(response.url, {"revision": audit.revision, "intent": "save"})
    assert done.url == page_url(audit, "section-2")  # then on, as "Save and continue" goes
    assert "An urgent finding was raised" in client.get(done.url).content.decode()
    assert UrgentFinding.objects.filter(audit=audit).count() == 1
    tasks = client.get(reverse("audit_edit", args=[audit.pk])).content.decode()
    assert ">Urgent</strong>" in tasks and "urgent finding raised, open" in tasks


# --- The audit page, reopen and acknowledge ---------------------------------------------


@pytest.fixture
def completed(org, audit, save):
    data = complete_data(audit, scale=8)
    section = audit.tool_version.sections.first()
    data["sections"][section.pk]["scale"] = 2
    data["actions"][0]["section_id"] = section.pk  # an Inadequate section needs an action
    data["good_practice"] = "Lovely direct work."
    save(audit, org.csm_north, data)
    return workflows.audit_complete(audit=audit, by=org.csm_north.user)


def test_the_audit_page_reads_as_a_document(org, login, completed):
    html = login(org.worker).get(reverse("audit_detail", args=[completed.pk])).content.decode()
    assert 'class="app-band--good">8 – Good' in html
    assert 'class="app-band--inadequate">2 – Inadequate' in html
    assert "Lovely direct work." in html and "Update the chronology." in html
    assert escape(org.csm_north.name) in html
    assert "Started" in html and "Completed" in html and 'id="audit-history"' in html
    # The worker may read it, but neither reopen it nor acknowledge the finding.
    assert reverse("audit_reopen", args=[completed.pk]) not in html
    assert "Acknowledge finding" not in html


def test_a_manager_sees_reopen_and_acknowledge(org, login, completed):
    html = login(org.tm).get(reverse("audit_detail", args=[completed.pk])).content.decode()
    assert reverse("audit_reopen", args=[completed.pk]) in html
    assert "Acknowledge finding" in html


@pytest.mark.parametrize(
    "who,status", {"tm": 302, "worker": 403, "ps1": 403, "outsider": 404}.items()
)
def test_reopen_personas(org, login, completed, who, status):
    response = login(getattr(org, who)).post(
        reverse("audit_reopen", args=[completed.pk]), {"reason": "Evidence was missed"}
    )
    assert response.status_code == status


def test_reopen_without_a_reason_shows_the_error(org, login, completed):
    response = login(org.tm).post(reverse("audit_reopen", args=[completed.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "Enter why you are reopening the audit" in response.content.decode()
    completed.refresh_from_db()
    assert completed.status == AuditStatus.COMPLETED


def test_reopened_audit_is_a_draft_with_its_reason_shown(org, login, completed):
    login(org.tm).post(reverse("audit_reopen", args=[completed.pk]), {"reason": "Missed notes"})
    html = login(org.csm_north).get(reverse("audit_edit", args=[completed.pk])).content.decode()
    assert "Missed notes" in html


@pytest.mark.parametrize(
    "who,status", {"tm": 200, "ps1": 200, "worker": 200, "colleague": 404, "outsider": 404}.items()
)
def test_acknowledge_page_personas(org, login, completed, who, status):
    finding = UrgentFinding.objects.get()
    response = login(getattr(org, who)).get(
        reverse("urgent_finding_acknowledge", args=[finding.pk])
    )
    assert response.status_code == status
    if status == 200:
        has_form = 'name="action_taken"' in response.content.decode()
        assert has_form == (who in ("tm", "ps1"))


@pytest.mark.parametrize("who,status", {"ps1": 302, "worker": 403, "outsider": 404}.items())
def test_acknowledge_post_personas(org, login, completed, who, status):
    finding = UrgentFinding.objects.get()
    response = login(getattr(org, who)).post(
        reverse("urgent_finding_acknowledge", args=[finding.pk]), {"action_taken": "Visited"}
    )
    assert response.status_code == status
    finding.refresh_from_db()
    assert finding.is_open == (status != 302)


def test_acknowledge_without_the_action_shows_the_error(org, login, completed):
    finding = UrgentFinding.objects.get()
    response = login(org.tm).post(
        reverse("urgent_finding_acknowledge", args=[finding.pk]), {"action_taken": ""}
    )
    assert response.status_code == 200
    assert "Enter the action taken" in response.content.decode()


# --- Home -------------------------------------------------------------------------------


def test_home_shows_findings_to_the_tm_and_drafts_to_the_auditor(org, login, completed, start):
    html = login(org.tm).get(reverse("home")).content.decode()
    assert "Urgent findings to acknowledge" in html and "app-urgent" in html
    assert org.case.reference in html
    draft = start(auditor=org.csm_north, case=org.case_b)
    html = login(org.csm_north).get(reverse("home")).content.decode()
    assert "My audits" in html and reverse("audit_edit", args=[draft.pk]) in html
    html = login(org.worker).get(reverse("home")).content.decode()
    assert "Urgent findings to acknowledge" not in html


# --- Query counts -----------------------------------------------------------------------


def filled_audit(org, make_tool, save, sections, actions):
    version = make_tool(f"size-{sections}", sections=sections)
    audit = services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code=version.tool.code, reason="permissive"
    )
    data = complete_data(audit, scale=7)
    data["questions"] = {
        q.pk: {
            "answer": {"yes_no_na": "yes", "date": "2026-10-01", "choice": "Well"}.get(
                q.kind, "Text"
            ),
            "evidence": "In the record",
        }
        for s in version.sections.all()
        for q in s.questions.all()
    }
    data["actions"] = [
        {"description": f"Action {i}", "owner_id": org.worker.pk, "due_on": "2027-01-01"}
        for i in range(actions)
    ]
    save(audit, org.csm_north, data)
    save(audit, org.csm_north, {"overall_scale": 1, "serious_safeguarding": True})
    return audit


# The user and their staff record are one query (caseaudit/accounts/authentication.py).
TASK_LIST_QUERIES = 19
SECTION_PAGE_QUERIES = 13
ACTIONS_PAGE_QUERIES = 14
CHECK_PAGE_QUERIES = 19
PAGE_QUERIES = 18  # + the family's feedback and the practitioner's reflection
# (and whether the scales are hidden from its moderator: `selectors.scales_hidden_for`)


@pytest.mark.parametrize("sections,actions", [(3, 1), (9, 6)])
def test_form_pages_query_count_does_not_grow(
    org, login, make_tool, save, django_assert_num_queries, sections, actions
):
    audit = filled_audit(org, make_tool, save, sections, actions)
    client = login(org.csm_north)
    for url, queries in (
        (reverse("audit_edit", args=[audit.pk]), TASK_LIST_QUERIES),
        (page_url(audit, "section-2"), SECTION_PAGE_QUERIES),
        (page_url(audit, tasklist.ACTIONS), ACTIONS_PAGE_QUERIES),
        (reverse("audit_check", args=[audit.pk]), CHECK_PAGE_QUERIES),
    ):
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("sections,actions", [(3, 1), (9, 6)])
def test_audit_page_query_count_does_not_grow(
    org, login, make_tool, save, django_assert_num_queries, sections, actions
):
    audit = filled_audit(org, make_tool, save, sections, actions)
    client = login(org.tm)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(reverse("audit_detail", args=[audit.pk]))
    assert response.status_code == 200
