import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand, Tool, ToolVersion
from caseaudit.audits import policy, services
from caseaudit.audits.models import (
    AuditEvent,
    AuditStatus,
    EventKind,
    QuestionAnswer,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role
from caseaudit.workflows import audits as workflows

from .conftest import complete_data


def refusal(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- Start ------------------------------------------------------------------------------


def test_start_takes_the_published_version_and_records_who(org, generic, start):
    audit = start(auditor=org.csm_north)
    assert audit.status == AuditStatus.DRAFT
    assert audit.tool_version == generic
    assert audit.auditor == org.csm_north
    assert audit.revision == 1
    event = AuditEvent.objects.get(audit=audit)
    assert (event.kind, event.by) == (EventKind.STARTED, org.csm_north.user)
    assert event.detail["tool"] == "generic"


def test_the_cases_own_worker_cannot_audit_it(org, start):
    with pytest.raises(ValidationError) as excinfo:
        start(auditor=org.worker)
    assert "allocated to you" in refusal(excinfo)


def test_a_supervisor_cannot_audit_a_case_they_hold(org, start):
    own = CaseFactory(team=org.north_a, allocated_worker=org.ps1)
    with pytest.raises(ValidationError, match="allocated to you"):
        start(auditor=org.ps1, case=own)


def test_a_tool_that_does_not_apply_to_the_case_type_is_refused(org, start):
    with pytest.raises(ValidationError) as excinfo:
        start(tool_code="carers")
    assert "not used for Child in need cases" in refusal(excinfo)


def test_an_auditor_who_cannot_see_the_case_is_refused(org, start):
    with pytest.raises(ValidationError) as excinfo:
        start(auditor=org.tm_south)
    assert "cannot see this case" in refusal(excinfo)


def test_a_practitioner_cannot_audit_a_colleagues_case(org, start):
    colleague_case = CaseFactory(team=org.north_a, allocated_worker=org.worker)
    with pytest.raises(ValidationError, match="does not audit"):
        start(auditor=org.colleague, case=colleague_case)


def test_iro_audits_with_the_iro_tool_only(org, start):
    audit = start(auditor=org.iro, case=org.colleague_case, tool_code="iro", reason="iro")
    assert audit.tool_version.tool.code == "iro"
    with pytest.raises(ValidationError, match="IRO"):
        start(auditor=org.iro, case=org.colleague_case, tool_code="generic")


def test_cp_chair_audits_cp_cases_with_their_tool(org, start):
    assert start(auditor=org.cp_chair, case=org.case_b, tool_code="cp-chair", reason="cp_chair")
    with pytest.raises(ValidationError):
        start(auditor=org.cp_chair, case=org.case_b, tool_code="generic")


def test_a_tool_without_a_published_version_is_refused(org, start):
    tool = Tool.objects.create(code="new", name="New tool", applies_to=["cin"])
    ToolVersion.objects.create(tool=tool, number=1)  # a draft
    with pytest.raises(ValidationError, match="no published version"):
        start(tool_code="new")


def test_a_second_draft_of_the_same_tool_is_refused_with_the_first(org, start):
    first = start()
    with pytest.raises(ValidationError) as excinfo:
        start()
    assert excinfo.value.code == "draft_exists"
    assert excinfo.value.params["audit_id"] == first.pk


def test_can_audit_roles(org):
    assert policy.can_audit(org.performance, org.south_case)
    assert policy.can_audit(org.director, org.case)
    assert policy.can_audit(org.tm, org.case)  # within their own sphere, permissively
    assert policy.can_audit(org.ps2, org.case) is False  # cannot see a case PS1 supervises
    assert policy.can_audit(org.business_support, org.case) is False
    assert policy.can_audit(org.worker, org.case) is False
    assert policy.can_audit(org.iro, org.colleague_case, tool_code="iro")
    assert policy.can_audit(org.iro, org.colleague_case, tool_code="generic") is False


# --- Save -------------------------------------------------------------------------------


def test_save_writes_the_form_and_increments_the_revision(org, start, save):
    audit = start()
    section = audit.tool_version.sections.first()
    question = section.questions.first()
    save(
        audit,
        org.csm_north,
        {
            "sections": {section.pk: {"working_well": " Visits on time. ", "scale": 6}},
            "questions": {question.pk: {"answer": question_answer(question), "evidence": "Note"}},
            "voice_of_child": "Heard.",
            "contacted_on": "2026-11-02",
            "satisfaction": 4,
        },
    )
    audit.refresh_from_db()
    assert audit.revision == 2
    assert audit.voice_of_child == "Heard."
    assert audit.contacted_on == dt.date(2026, 11, 2)
    assert audit.satisfaction == 4
    answer = SectionAnswer.objects.get(audit=audit, section=section)
    assert (answer.working_well, answer.scale) == ("Visits on time.", 6)
    assert QuestionAnswer.objects.get(audit=audit, question=question).evidence == "Note"
    assert AuditEvent.objects.filter(audit=audit, kind=EventKind.SAVED).count() == 1


def question_answer(question):
    return {"yes_no_na": "yes", "date": "2026-10-01", "text": "Some text"}.get(
        question.kind, (question.choices or ["x"])[0]
    )


def test_save_with_a_stale_revision_is_a_conflict_and_loses_nothing(org, start, save):
    audit = start()
    section = audit.tool_version.sections.first()
    save(audit, org.csm_north, {"sections": {section.pk: {"working_well": "First window."}}})
    stale = {"sections": {section.pk: {"working_well": "Second window."}}, "summary": "Mine"}
    with pytest.raises(services.ConflictError) as excinfo:
        save(audit, org.csm_north, stale, revision=1)
    error = excinfo.value
    saved_at = timezone.localtime(audit.updated_at).strftime("%H:%M")
    assert error.message.startswith(f"You saved this audit in another window at {saved_at}")
    assert error.data is stale  # the page shows the user's text again
    answer = SectionAnswer.objects.get(audit=audit, section=section)
    assert answer.working_well == "First window."
    audit.refresh_from_db()
    assert (audit.revision, audit.summary) == (2, "")


def test_a_conflict_after_someone_else_wrote_names_them_as_someone_else(org, start, save):
    audit = start()
    form_revision = audit.revision
    # Someone else writes the audit after this form was loaded (its revision moves on).
    type(audit).objects.filter(pk=audit.pk).update(revision=5, updated_by=org.tm.user)
    with pytest.raises(services.ConflictError) as excinfo:
        save(audit, org.csm_north, {"summary": "Mine"}, revision=form_revision)
    assert excinfo.value.message.startswith("Someone else saved this audit at ")
    assert excinfo.value.message.endswith(
        "your changes were not saved: reload to see their version"
    )


def test_only_the_auditor_saves(org, start, save):
    audit = start()
    with pytest.raises(ValidationError, match="Only the auditor"):
        save(audit, org.tm, {"summary": "Not mine"})


def test_invalid_values_are_refused_by_field(org, start, save):
    audit = start()
    section = audit.tool_version.sections.first()
    yes_no = section.questions.filter(kind="yes_no_na").first()
    with pytest.raises(ValidationError) as excinfo:
        save(
            audit,
            org.csm_north,
            {
                "sections": {section.pk: {"scale": 11}},
                "questions": {yes_no.pk: {"answer": "perhaps"}},
                "contact_method": "pigeon",
            },
        )
    errors = excinfo.value.message_dict
    assert f"s{section.pk}-scale" in errors
    assert f"q{yes_no.pk}-answer" in errors
    assert "contact_method" in errors
    audit.refresh_from_db()
    assert audit.revision == 1  # nothing saved


def test_actions_default_to_the_allocated_worker_and_the_list_is_the_whole_set(org, start, save):
    audit = start()
    save(
        audit,
        org.csm_north,
        {
            "actions": [
                {"description": "Update the plan", "due_on": "2027-01-10"},
                {"description": "", "owner_id": org.worker.pk, "due_on": None},  # blank row
                {"description": "Supervision", "owner_id": org.ps1.pk, "due_on": None},
            ]
        },
    )
    actions = list(RestorativeAction.objects.filter(audit=audit))
    assert [(a.description, a.owner) for a in actions] == [
        ("Update the plan", org.worker),
        ("Supervision", org.ps1),
    ]
    keep = actions[1]
    save(
        audit,
        org.csm_north,
        {"actions": [{"id": keep.pk, "description": "Supervision", "owner_id": org.ps1.pk}]},
    )
    assert list(RestorativeAction.objects.filter(audit=audit)) == [keep]


# --- Urgent findings --------------------------------------------------------------------


def test_a_section_scaled_2_raises_one_finding_and_tells_the_tm_and_ps(org, start, save):
    audit = start(auditor=org.csm_north)
    section = audit.tool_version.sections.first()
    result = save(audit, org.csm_north, {"sections": {section.pk: {"scale": 2}}})
    finding = UrgentFinding.objects.get(audit=audit)
    assert result.findings_raised == [finding]
    assert finding.trigger == f"section:{section.pk}"
    assert finding.case == org.case
    assert "scaled 2 (Inadequate)" in finding.reason
    assert finding.is_open
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == {org.tm.pk, org.ps1.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.tm.email, org.ps1.email])
    for message in mail.outbox:
        assert org.case.reference in message.subject
        assert org.case.display_name not in message.subject
        assert org.case.display_name not in message.body
    assert AuditEvent.objects.filter(audit=audit, kind=EventKind.FINDING_RAISED).count() == 1


def test_resaving_does_not_raise_the_same_finding_twice(org, start, save):
    audit = start()
    section = audit.tool_version.sections.first()
    save(audit, org.csm_north, {"sections": {section.pk: {"scale": 2}}})
    save(audit, org.csm_north, {"sections": {section.pk: {"scale": 1}}})
    save(audit, org.csm_north, {"sections": {section.pk: {"scale": 2}}, "summary": "x"})
    assert UrgentFinding.objects.filter(audit=audit).count() == 1
    assert len(mail.outbox) == 2


def test_serious_safeguarding_and_overall_scale_raise_their_own_findings(org, start, save):
    audit = start()
    save(
        audit,
        org.csm_north,
        {
            "serious_safeguarding": True,
            "serious_safeguarding_detail": "Unassessed injury.",
            "overall_scale": 0,
        },
    )
    findings = {f.trigger: f for f in UrgentFinding.objects.filter(audit=audit)}
    assert set(findings) == {"serious", "overall"}
    assert "Unassessed injury" in findings["serious"].reason
    # The auditor's narrative stays in the app: the emails do not carry it.
    assert all("Unassessed injury" not in m.body for m in mail.outbox)
    assert len(mail.outbox) == 4  # two findings, two people


def test_scales_outside_the_urgent_band_raise_nothing(org, start, save):
    audit = start()
    section = audit.tool_version.sections.first()
    save(audit, org.csm_north, {"sections": {section.pk: {"scale": 3}}, "overall_scale": 5})
    assert not UrgentFinding.objects.exists()
    assert mail.outbox == []


def test_the_urgent_band_is_configuration(org, start, save):
    ScalingBand.objects.filter(code="requires-improvement").update(min_score=4)
    ScalingBand.objects.filter(code="inadequate").update(max_score=3)
    audit = start()
    section = audit.tool_version.sections.first()
    save(audit, org.csm_north, {"sections": {section.pk: {"scale": 3}}})
    assert UrgentFinding.objects.filter(audit=audit).count() == 1


def test_findings_go_to_the_csm_when_the_team_has_no_tm(org, start, save):
    org.tm.left_on = dt.date(2026, 1, 1)
    org.tm.save()
    audit = start(auditor=org.performance)
    save(audit, org.performance, {"overall_scale": 1})
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == {org.csm_north.pk, org.ps1.pk}


def test_the_auditor_is_not_told_of_their_own_finding(org, start, save):
    audit = start(auditor=org.tm)
    save(audit, org.tm, {"overall_scale": 1})
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == {org.ps1.pk}


# --- Complete ---------------------------------------------------------------------------


def test_complete_lists_every_gap_by_field(org, start, save):
    audit = start()
    save(audit, org.csm_north, {"actions": [{"description": "Do it", "owner_id": None}]})
    action = RestorativeAction.objects.get(audit=audit)
    with pytest.raises(ValidationError) as excinfo:
        workflows.audit_complete(audit=audit, by=org.csm_north.user)
    errors = excinfo.value.message_dict
    for section in audit.tool_version.sections.filter(scaled=True):
        assert f"s{section.pk}-scale" in errors
        assert f"s{section.pk}-working_well" in errors
    for key in ("voice_of_child", "overall_scale", "summary"):
        assert key in errors
    assert f"action-{action.pk}-owner" in errors
    assert f"action-{action.pk}-due_on" in errors
    assert f"action-{action.pk}-description" not in errors
    assert errors["overall_scale"] == ["Choose an overall scale"]
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_complete_marks_it_completed_updates_the_case_and_asks_for_the_response(org, start, save):
    from caseaudit.responses.models import QAResponse

    audit = start()
    save(audit, org.csm_north, complete_data(audit))
    workflows.audit_complete(audit=audit, by=org.csm_north.user)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert audit.completed_by == org.csm_north.user
    assert audit.completed_at is not None
    org.case.refresh_from_db()
    assert org.case.last_audited_on == timezone.localdate()
    # The responses app's step, called by `audit_complete` itself (no signal).
    response = QAResponse.objects.get(audit=audit)
    assert response.worker == org.worker


def test_a_completed_audit_is_read_only(org, start, save):
    audit = start()
    save(audit, org.csm_north, complete_data(audit))
    workflows.audit_complete(audit=audit, by=org.csm_north.user)
    with pytest.raises(ValidationError) as excinfo:
        save(audit, org.csm_north, {"summary": "Changed afterwards"})
    assert excinfo.value.code == "completed"
    with pytest.raises(TransitionConflict, match="already completed"):
        workflows.audit_complete(audit=audit, by=org.csm_north.user)
    audit.refresh_from_db()
    assert audit.summary == "A well-managed case."


def test_a_serious_issue_needs_its_description_to_complete(org, start, save):
    audit = start()
    save(audit, org.csm_north, {**complete_data(audit), "serious_safeguarding": True})
    with pytest.raises(ValidationError) as excinfo:
        workflows.audit_complete(audit=audit, by=org.csm_north.user)
    assert list(excinfo.value.message_dict) == ["serious_safeguarding_detail"]


# --- Reopen -----------------------------------------------------------------------------


@pytest.fixture
def completed(org, start, save):
    audit = start(auditor=org.csm_north)
    save(audit, org.csm_north, complete_data(audit))
    return workflows.audit_complete(audit=audit, by=org.csm_north.user)


@pytest.mark.parametrize("who", ["tm", "csm_north", "performance", "director"])
def test_a_manager_of_the_case_reopens_with_a_reason(org, completed, who):
    manager = getattr(org, who)
    audit = workflows.audit_reopen(audit=completed, by=manager.user, reason="Wrong case notes")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT
    assert audit.completed_at is None
    assert (audit.reopened_reason, audit.reopened_by) == ("Wrong case notes", manager.user)
    event = AuditEvent.objects.filter(audit=audit).latest("at", "id")
    assert (event.kind, event.detail["reason"]) == (EventKind.REOPENED, "Wrong case notes")


@pytest.mark.parametrize("who", ["ps1", "worker", "tm_b", "tm_south", "iro"])
def test_others_cannot_reopen(org, completed, who):
    with pytest.raises(ValidationError, match="Only a manager"):
        workflows.audit_reopen(audit=completed, by=getattr(org, who).user, reason="Because")


def test_reopen_needs_a_reason_and_a_completed_audit(org, completed, start):
    with pytest.raises(ValidationError) as excinfo:
        workflows.audit_reopen(audit=completed, by=org.tm.user, reason="  ")
    assert "reason" in excinfo.value.message_dict
    draft = start(auditor=org.performance, case=org.case_b)
    with pytest.raises(ValidationError, match="Only a completed audit"):
        workflows.audit_reopen(audit=draft, by=org.performance.user, reason="x")


def test_the_auditor_is_told_of_a_reopen_and_can_complete_again(
    org, completed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflows.audit_reopen(audit=completed, by=org.tm.user, reason="Add the actions")
    assert [m.to[0] for m in mail.outbox] == [org.csm_north.email]
    assert org.case.reference in mail.outbox[0].subject
    from caseaudit.responses.models import QAResponse

    first = QAResponse.objects.get(audit=completed)
    workflows.audit_complete(audit=completed, by=org.csm_north.user)
    # Completed again: it keeps the QA response it already has.
    assert list(QAResponse.objects.filter(audit=completed)) == [first]


# --- Acknowledge ------------------------------------------------------------------------


@pytest.fixture
def finding(org, start, save):
    audit = start(auditor=org.csm_north)
    save(audit, org.csm_north, {"overall_scale": 2})
    return UrgentFinding.objects.get(audit=audit)


@pytest.mark.parametrize("who", ["tm", "ps1", "csm_north", "director"])
def test_the_cases_managers_acknowledge_a_finding(org, finding, who):
    by = getattr(org, who).user
    services.urgent_finding_acknowledge(finding=finding, by=by, action_taken="Strategy meeting")
    finding.refresh_from_db()
    assert not finding.is_open
    assert (finding.acknowledged_by, finding.action_taken) == (by, "Strategy meeting")
    assert AuditEvent.objects.filter(kind=EventKind.FINDING_ACKNOWLEDGED).count() == 1


@pytest.mark.parametrize("who", ["worker", "colleague", "ps2", "tm_b", "performance", "outsider"])
def test_others_cannot_acknowledge(org, finding, who):
    with pytest.raises(ValidationError, match="Only the case's Team Manager"):
        services.urgent_finding_acknowledge(
            finding=finding, by=getattr(org, who).user, action_taken="Nothing"
        )


def test_acknowledging_needs_the_action_taken_and_happens_once(org, finding):
    with pytest.raises(ValidationError) as excinfo:
        services.urgent_finding_acknowledge(finding=finding, by=org.tm.user, action_taken=" ")
    assert "action_taken" in excinfo.value.message_dict
    services.urgent_finding_acknowledge(finding=finding, by=org.tm.user, action_taken="Visit")
    with pytest.raises(ValidationError, match="already been acknowledged"):
        services.urgent_finding_acknowledge(finding=finding, by=org.ps1.user, action_taken="x")


def test_a_new_team_manager_of_the_case_can_acknowledge(org, finding):
    new_tm = StaffFactory(role=Role.TEAM_MANAGER, team=org.north_a)
    assert policy.can_acknowledge(new_tm.user, finding)


def test_action_errors_name_the_forms_row(org, start, save):
    audit = start()
    with pytest.raises(ValidationError) as excinfo:
        save(
            audit,
            org.csm_north,
            {"actions": [{"key": "actions-4", "description": "Do it", "owner_id": 999999}]},
        )
    assert list(excinfo.value.message_dict) == ["actions-4-owner"]


def test_a_closed_case_cannot_be_audited(org):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from caseaudit.audits import services

    org.case.closed_on = dt.date(2026, 11, 1)
    org.case.save()
    with pytest.raises(ValidationError, match="closed"):
        services.audit_start(
            case=org.case, auditor=org.csm_north, tool_code="generic", reason="permissive"
        )


def test_an_action_without_an_owner_goes_to_the_allocated_worker(org, start, save):
    audit = start()
    save(audit, org.csm_north, {"actions": [{"description": "Update the plan.", "due_on": None}]})
    assert audit.actions.get().owner == org.worker
