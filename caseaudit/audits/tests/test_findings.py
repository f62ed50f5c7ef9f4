"""Urgent findings from raising to closing: the form asks before alerting anyone (and
works without JavaScript: plain posts); the finding's page and the audit page show the section,
the scale and the auditor's own words, the email only the case reference and a link; the
auditor withdraws a finding raised in error (everyone told is told; the history keeps both);
a withdrawal and an acknowledgement at once: one wins."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from caseaudit.audits import findings, services
from caseaudit.audits.models import (
    AuditEvent,
    EventKind,
    FindingStatus,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.notifications.models import Notification, NotificationKind

from .concurrency import load_shipped_tools, require_postgresql, run_together
from .test_views import page_url, post_page

WORRY = "No safety plan since the incident in October."
NEEDS = "Strategy discussion with police this week."


@pytest.fixture
def audit(org, start):
    return start(auditor=org.csm_north)


@pytest.fixture
def section(audit):
    return audit.tool_version.sections.filter(scaled=True).order_by("order", "id").first()


def scale_it(client, audit, section, scale, intent="later", **extra):
    """The auditor posts the section's page (as a browser without JavaScript) with `section`
    scaled: "Save and come back later" (to the task list) unless `intent` says otherwise."""
    audit.refresh_from_db()
    return post_page(
        client,
        audit,
        intent=intent,
        **{
            f"s{section.pk}-scale": str(scale),
            f"s{section.pk}-worried_about": WORRY,
            f"s{section.pk}-needs_to_happen": NEEDS,
        },
        **extra,
    )


def confirm(client, audit, intent="save", revision=None):
    audit.refresh_from_db()
    return client.post(
        reverse("audit_confirm_alert", args=[audit.pk]) + f"?intent={intent}",
        {"revision": audit.revision if revision is None else revision, "intent": intent},
    )


@pytest.fixture
def raised(org, login, audit, section, django_capture_on_commit_callbacks):
    """The CSM's audit of the worker's case, a section scaled 2 and the alert confirmed: one
    finding, the TM and the PS told."""
    client = login(org.csm_north)
    scale_it(client, audit, section, 2)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, audit)
    return UrgentFinding.objects.get(audit=audit)


# --- Raising: asked first --------------------------------------------------------------------


def test_save_draft_with_a_scale_of_2_asks_first_and_alerts_nobody(org, login, audit, section):
    client = login(org.csm_north)
    response = scale_it(client, audit, section, 2)
    confirm_url = reverse("audit_confirm_alert", args=[audit.pk])
    assert response.status_code == 302 and response.url.startswith(confirm_url)
    # The draft is saved, nobody is told.
    assert SectionAnswer.objects.get(audit=audit, section=section).scale == 2
    assert not UrgentFinding.objects.exists()
    assert not Notification.objects.exists() and mail.outbox == []
    page = client.get(response.url).content.decode()
    assert "This will alert the Team Manager and Practice Supervisor now" in page
    assert f"“{section.title}” scaled 2 (Inadequate)" in page
    assert WORRY in page and NEEDS in page  # the auditor sees what they are confirming
    assert org.tm.name in page and org.ps1.name in page
    assert 'name="revision"' in page and "Alert them now" in page
    assert "No, go back and change the audit" in page


def test_yes_raises_the_finding_and_tells_the_tm_and_ps(org, login, audit, section, raised):
    assert raised.trigger == f"section:{section.pk}"
    assert raised.status == FindingStatus.OPEN
    notified = Notification.objects.filter(kind=NotificationKind.URGENT_FINDING)
    assert {n.recipient_id for n in notified} == {org.tm.pk, org.ps1.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.tm.email, org.ps1.email])


def test_the_email_names_the_case_and_links_to_the_finding_never_the_words(
    org, audit, section, raised
):
    finding_page = reverse("urgent_finding_acknowledge", args=[raised.pk])
    for notification in Notification.objects.filter(kind=NotificationKind.URGENT_FINDING):
        assert notification.url == finding_page
    for message in mail.outbox:
        assert org.case.reference in message.subject
        assert org.case.reference in message.body
        assert "/notifications/" in message.body  # the link (through the inbox, to the finding)
        assert section.title in message.body  # what raised it: the tool's words
        assert WORRY not in message.body and NEEDS not in message.body
        assert org.case.display_name not in message.body + message.subject


def test_complete_with_a_scale_of_2_asks_then_completes(org, login, audit, section, save):
    """Scaled 1 and saved, and "No, go back": nobody alerted yet. Completing from the check
    page asks again, and the yes raises the finding and completes the audit."""
    from .conftest import complete_data, required_answers

    data = complete_data(audit)
    data["actions"][0]["section_id"] = section.pk  # an Inadequate section needs an action
    save(audit, org.csm_north, data)
    client = login(org.csm_north)
    # The page posts its questions' answers as they are.
    answers = required_answers(audit)
    own = {
        f"q{q.pk}-{name}": value
        for q in section.questions.all()
        for name, value in answers.get(q.pk, {}).items()
    }
    response = scale_it(client, audit, section, 1, **own)
    assert "intent=save" in response.url
    audit.refresh_from_db()
    check = reverse("audit_check", args=[audit.pk])
    asked = client.post(check, {"revision": audit.revision})
    assert "intent=complete" in asked.url and "back=check" in asked.url
    page = client.get(asked.url).content.decode()
    assert "Alert them and complete the audit" in page
    assert f'href="{check}?rows=3" id="change-audit"' in page  # "No" goes back to the check
    audit.refresh_from_db()
    assert audit.is_draft and not UrgentFinding.objects.exists()
    done = client.post(asked.url, {"revision": audit.revision, "intent": "complete"})
    assert UrgentFinding.objects.filter(audit=audit).count() == 1
    assert done.url == reverse("audit_detail", args=[audit.pk])
    audit.refresh_from_db()
    assert audit.is_completed


def test_complete_with_gaps_after_the_alert_shows_the_check_page(org, login, audit, section):
    client = login(org.csm_north)
    scale_it(client, audit, section, 2)
    audit.refresh_from_db()
    asked = client.post(reverse("audit_check", args=[audit.pk]), {"revision": audit.revision})
    audit.refresh_from_db()
    done = client.post(asked.url, {"revision": audit.revision, "intent": "complete"})
    # The finding is raised all the same; the check page shows what is missing.
    assert UrgentFinding.objects.filter(audit=audit).count() == 1
    assert done.url == reverse("audit_check", args=[audit.pk])
    html = client.get(done.url).content.decode()
    assert "An urgent finding was raised" in html and "The audit cannot be completed yet" in html
    audit.refresh_from_db()
    assert audit.is_draft


def test_rescaled_before_confirming_nobody_is_alerted(org, login, audit, section):
    """Scaled 2 by mistake: the auditor goes back, scales 6, saves. The question they left
    open alerts nobody: its revision is stale and nothing is pending."""
    client = login(org.csm_north)
    scale_it(client, audit, section, 2)
    audit.refresh_from_db()
    shown_revision = audit.revision
    response = scale_it(client, audit, section, 6)
    assert response.url == reverse("audit_edit", args=[audit.pk])  # no question
    stale = confirm(client, audit, revision=shown_revision)
    assert stale.status_code == 302 and stale.url == reverse("audit_edit", args=[audit.pk])
    assert not UrgentFinding.objects.exists() and not Notification.objects.exists()


def test_a_stale_confirmation_is_a_conflict_and_raises_nothing(org, audit, section):
    def form_save(data):
        services.audit_save(
            audit=audit,
            by=org.csm_north.user,
            data=data,
            revision=audit.revision,
            raise_findings=False,
        )

    form_save({"sections": {section.pk: {"scale": 2}}})
    shown = audit.revision
    form_save({"summary": "Edited in another window."})
    with pytest.raises(TransitionConflict, match="saved again or completed"):
        findings.findings_raise_confirmed(audit=audit, by=org.csm_north.user, revision=shown)
    assert not UrgentFinding.objects.exists()


def test_only_the_auditor_confirms(org, audit, section, save):
    with pytest.raises(ValidationError) as caught:
        findings.findings_raise_confirmed(audit=audit, by=org.tm.user, revision=audit.revision)
    assert caught.value.code == "not_allowed"


def test_a_double_confirmation_raises_once(org, login, audit, section):
    client = login(org.csm_north)
    scale_it(client, audit, section, 2)
    confirm(client, audit)
    confirm(client, audit)
    assert UrgentFinding.objects.filter(audit=audit).count() == 1
    assert Notification.objects.count() == 2


def test_save_and_add_more_actions_neither_asks_nor_raises(org, login, audit, section, save):
    services.audit_save(  # saved as the form saves: nobody alerted yet
        audit=audit,
        by=org.csm_north.user,
        data={"sections": {section.pk: {"scale": 2}}},
        revision=audit.revision,
        raise_findings=False,
    )
    client = login(org.csm_north)
    audit.refresh_from_db()
    response = post_page(
        client, audit, intent="add_action", **{"actions-0-description": "Plan a visit."}
    )
    assert "#restorative-actions" in response.url
    assert response.url.startswith(page_url(audit, "restorative-actions"))
    # The task list says what is waiting to be alerted.
    page = client.get(reverse("audit_edit", args=[audit.pk])).content.decode()
    assert "Not yet alerted" in page and f"“{section.title}” scaled 2" in page
    assert "not yet alerted: you are asked when you save" in page


def test_the_confirm_page_without_anything_pending_goes_back_to_the_form(org, login, audit):
    response = login(org.csm_north).get(reverse("audit_confirm_alert", args=[audit.pk]))
    assert response.status_code == 302 and response.url == reverse("audit_edit", args=[audit.pk])


@pytest.mark.parametrize("who", ["tm", "ps1", "worker", "colleague", "outsider", "director"])
def test_only_the_auditor_has_the_confirm_page(org, login, audit, section, who, save):
    save(audit, org.csm_north, {"sections": {section.pk: {"scale": 2}}}, revision=None)
    url = reverse("audit_confirm_alert", args=[audit.pk])
    client = login(getattr(org, who))
    assert client.get(url).status_code == 404
    assert client.post(url, {"revision": audit.revision, "intent": "save"}).status_code == 404


def test_confirm_page_queries(org, login, audit, section, django_assert_max_num_queries):
    client = login(org.csm_north)
    response = scale_it(client, audit, section, 2)
    with django_assert_max_num_queries(20):
        page = client.get(response.url)
    assert page.status_code == 200


# --- What the pages show ------------------------------------------------------------------------


def test_the_finding_page_shows_the_section_scale_and_the_auditors_words(
    org, login, raised, section
):
    page = login(org.tm).get(reverse("urgent_finding_acknowledge", args=[raised.pk]))
    html = page.content.decode()
    assert f"Section: {section.title}" in html
    assert 'class="app-band--inadequate">2 – Inadequate' in html
    assert "What the auditor is worried about" in html and WORRY in html
    assert "What needs to happen" in html and NEEDS in html
    assert org.case.reference in html
    assert "Acknowledge finding" in html


def test_the_audit_page_shows_the_words_and_offers_the_auditor_withdrawal(
    org, login, audit, raised
):
    url = reverse("audit_detail", args=[audit.pk])
    withdraw = reverse("urgent_finding_withdraw", args=[raised.pk])
    auditor_page = login(org.csm_north).get(url).content.decode()
    assert WORRY in auditor_page and NEEDS in auditor_page
    assert withdraw in auditor_page
    manager_page = login(org.tm).get(url).content.decode()
    assert WORRY in manager_page and withdraw not in manager_page


@pytest.mark.parametrize("who,status", [("tm", 200), ("ps1", 200), ("worker", 200)])
def test_finding_page_queries(org, login, raised, who, status, django_assert_max_num_queries):
    client = login(getattr(org, who))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("urgent_finding_acknowledge", args=[raised.pk]))
    assert response.status_code == status


# --- Re-scaled after the alert: offered for withdrawal, never silently closed --------------------


def test_rescaling_after_the_alert_leaves_it_open_and_offers_withdrawal(
    org, login, audit, section, raised
):
    client = login(org.csm_north)
    response = scale_it(client, audit, section, 6)
    assert response.url == reverse("audit_edit", args=[audit.pk])
    raised.refresh_from_db()
    assert raised.is_open  # not withdrawn by itself
    form = client.get(response.url).content.decode()
    assert "though the audit no longer holds it" in form
    assert reverse("urgent_finding_withdraw", args=[raised.pk]) in form
    detail = client.get(reverse("audit_detail", args=[audit.pk])).content.decode()
    assert "it is no longer scaled in an urgent band" in detail


# --- Withdrawing -------------------------------------------------------------------------------


def test_the_auditor_withdraws_and_everyone_told_is_told(
    org, login, audit, raised, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client = login(org.csm_north)
    url = reverse("urgent_finding_withdraw", args=[raised.pk])
    page = client.get(url).content.decode()
    assert org.tm.name in page and org.ps1.name in page  # who will be told
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "I meant 7: a slip of the mouse."})
    assert response.status_code == 302
    raised.refresh_from_db()
    assert raised.status == FindingStatus.WITHDRAWN and not raised.is_open
    assert raised.withdrawn_by == org.csm_north.user
    assert raised.withdrawn_reason == "I meant 7: a slip of the mouse."
    told = Notification.objects.filter(kind=NotificationKind.URGENT_FINDING_WITHDRAWN)
    assert {n.recipient_id for n in told} == {org.tm.pk, org.ps1.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.tm.email, org.ps1.email])
    assert all("a slip of the mouse" not in m.body for m in mail.outbox)  # the reason stays in
    kinds = list(AuditEvent.objects.filter(audit=audit).values_list("kind", flat=True))
    assert EventKind.FINDING_RAISED in kinds and EventKind.FINDING_WITHDRAWN in kinds
    history = client.get(reverse("audit_detail", args=[audit.pk])).content.decode()
    assert "Urgent finding raised" in history and "Urgent finding withdrawn" in history
    assert "a slip of the mouse" in history
    # Off the managers' home page.
    assert "Urgent findings to acknowledge" not in login(org.tm).get("/").content.decode()


def test_withdrawal_tells_those_told_by_the_chase_too(org, audit, raised):
    ad = org.director  # anyone who got a chase notice about it
    Notification.objects.create(
        recipient=ad,
        kind=NotificationKind.URGENT_FINDING_ESCALATED,
        subject="x",
        body="x",
        idempotency_key=f"urgent-finding:{raised.pk}:chase-3:{ad.pk}",
        email_status="not_needed",
    )
    services.urgent_finding_withdraw(finding=raised, by=org.csm_north.user, reason="Error")
    told = Notification.objects.filter(kind=NotificationKind.URGENT_FINDING_WITHDRAWN)
    assert {n.recipient_id for n in told} == {org.tm.pk, org.ps1.pk, ad.pk}


def test_withdrawing_needs_a_reason_and_the_auditor(org, raised):
    with pytest.raises(ValidationError) as caught:
        services.urgent_finding_withdraw(finding=raised, by=org.csm_north.user, reason=" ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.urgent_finding_withdraw(finding=raised, by=org.tm.user, reason="Not mine")
    assert caught.value.code == "not_allowed"
    raised.refresh_from_db()
    assert raised.is_open


@pytest.mark.parametrize(
    "who,status",
    [
        ("csm_north", 200),  # the auditor
        ("tm", 403),
        ("ps1", 403),
        ("worker", 403),
        ("director", 403),
        ("colleague", 404),
        ("outsider", 404),
    ],
)
def test_withdraw_page_personas(org, login, raised, who, status):
    client = login(getattr(org, who))
    url = reverse("urgent_finding_withdraw", args=[raised.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"reason": ""}).status_code == status
    raised.refresh_from_db()
    assert raised.is_open


def test_withdraw_page_queries(org, login, raised, django_assert_max_num_queries):
    client = login(org.csm_north)
    with django_assert_max_num_queries(17):
        response = client.get(reverse("urgent_finding_withdraw", args=[raised.pk]))
    assert response.status_code == 200


def test_an_acknowledged_finding_cannot_be_withdrawn_nor_a_withdrawn_one_acknowledged(
    org, audit, section, save
):
    save(audit, org.csm_north, {"sections": {section.pk: {"scale": 2}}, "overall_scale": 1})
    first, second = UrgentFinding.objects.filter(audit=audit).order_by("pk")
    services.urgent_finding_acknowledge(finding=first, by=org.tm.user, action_taken="Visited")
    with pytest.raises(TransitionConflict, match="already been acknowledged by"):
        services.urgent_finding_withdraw(finding=first, by=org.csm_north.user, reason="Error")
    services.urgent_finding_withdraw(finding=second, by=org.csm_north.user, reason="Error")
    with pytest.raises(TransitionConflict, match="was withdrawn by"):
        services.urgent_finding_acknowledge(finding=second, by=org.tm.user, action_taken="x")


def test_a_withdrawn_trigger_still_in_the_audit_is_asked_about_again(
    org, login, audit, section, raised
):
    services.urgent_finding_withdraw(finding=raised, by=org.csm_north.user, reason="Wrong case")
    client = login(org.csm_north)
    response = scale_it(client, audit, section, 2)
    assert response.url.startswith(reverse("audit_confirm_alert", args=[audit.pk]))
    confirm(client, audit)
    rows = list(UrgentFinding.objects.filter(audit=audit).order_by("pk"))
    assert [f.status for f in rows] == [FindingStatus.WITHDRAWN, FindingStatus.OPEN]


def test_the_api_shows_the_withdrawn_state(org, api, audit, raised):
    services.urgent_finding_withdraw(finding=raised, by=org.csm_north.user, reason="Error")
    body = api(org.csm_north).get(f"/api/v1/audits/{audit.pk}").json()
    (finding,) = body["findings"]
    assert finding["status"] == "withdrawn"
    assert finding["withdrawn_reason"] == "Error" and finding["withdrawn_at"]
    listed = api(org.csm_north).get(f"/api/v1/audits?case={org.case.pk}").json()
    assert listed["items"][0]["open_findings"] == 0


# --- A withdrawal and an acknowledgement at once (PostgreSQL) ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_withdraw_and_acknowledge_at_once_one_wins(org):
    require_postgresql()
    load_shipped_tools()
    audit = services.audit_start(
        case=org.case, auditor=org.csm_north, tool_code="generic", reason="permissive"
    )
    section = audit.tool_version.sections.filter(scaled=True).first()
    services.audit_save(
        audit=audit,
        by=org.csm_north.user,
        data={"sections": {section.pk: {"scale": 1}}},
        revision=audit.revision,
    )
    pk = UrgentFinding.objects.get(audit=audit).pk

    def withdraw():
        finding = UrgentFinding.objects.select_related("audit", "case").get(pk=pk)
        return services.urgent_finding_withdraw(
            finding=finding, by=org.csm_north.user, reason="Raised in error"
        )

    def acknowledge():
        finding = UrgentFinding.objects.select_related("audit", "case").get(pk=pk)
        return services.urgent_finding_acknowledge(
            finding=finding, by=org.tm.user, action_taken="Visited today"
        )

    for _ in range(3):  # the race, a few times over
        UrgentFinding.objects.filter(pk=pk).update(
            acknowledged_at=None, acknowledged_by=None, withdrawn_at=None, withdrawn_by=None
        )
        results = run_together([withdraw, acknowledge])
        wins = [r for r in results if isinstance(r, UrgentFinding)]
        losses = [r for r in results if isinstance(r, TransitionConflict)]
        assert len(wins) == 1 and len(losses) == 1, results
        finding = UrgentFinding.objects.get(pk=pk)
        assert (finding.acknowledged_at is None) != (finding.withdrawn_at is None)


def test_the_pdf_says_a_finding_was_withdrawn_and_why(org, audit, raised):
    from caseaudit.audits.pdf import audit_pdf_html

    services.urgent_finding_withdraw(finding=raised, by=org.csm_north.user, reason="Wrong case")
    html = audit_pdf_html(audit)
    assert "Withdrawn: " in html and "as raised in error: Wrong case" in html


def test_the_question_names_the_roles_that_will_be_told(org):
    words = findings.recipients_in_words
    assert words([org.tm, org.ps1]) == "the Team Manager and Practice Supervisor"
    assert words([org.csm_north, org.ps1]) == (
        "the Children's Service Manager and Practice Supervisor"
    )
    assert words([org.ps1]) == "the Practice Supervisor"
    # The auditor is the case's Team Manager: only the Practice Supervisor is told.
    assert findings.finding_recipients(org.case, exclude=org.tm) == [org.ps1]
