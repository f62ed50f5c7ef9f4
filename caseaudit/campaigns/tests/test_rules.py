"""The campaign's rules: who sets one up and within what scope, the preview and the confirming
compare-and-set, assignments and invitations, closing early, and what a Lead Member sees and
may do (only the cases allocated to them, only while the campaign runs)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caseaudit.audits import policy as audit_policy
from caseaudit.audits import services as audit_services
from caseaudit.audits.models import AuditReason, AuditStatus
from caseaudit.campaigns import policy, selectors, services
from caseaudit.campaigns.models import CampaignCase, CampaignEvent, CampaignStatus
from caseaudit.cases.models import CaseAssignment, CaseType
from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role

from .helpers import campaign_data, make_campaign


def visible(staff):
    return set(case_visible_qs(staff.user).values_list("pk", flat=True))


# --- Who sets one up, and of which cases ----------------------------------------------------


def test_the_creators_scope_by_role(org):
    assert policy.creator_scope(org.tm).team == org.north_a
    assert policy.creator_scope(org.csm_north).service == org.north
    for staff in (org.director, org.performance):
        scope = policy.creator_scope(staff)
        assert scope.team is None and scope.service is None
    for staff in (org.worker, org.ps1, org.business_support, org.iro, org.cp_chair):
        assert policy.creator_scope(staff) is None


def test_a_practitioner_cannot_set_one_up(org):
    with pytest.raises(ValidationError) as error:
        make_campaign(by=org.worker, auditors=[org.ps1])
    assert error.value.code == "not_allowed"


def test_a_team_managers_sample_is_of_their_team_only(org):
    campaign = make_campaign(by=org.tm, auditors=[org.director], sample_size=50)
    assert (campaign.scope_team, campaign.scope_service) == (org.north_a, None)
    drawn = set(selectors.campaign_sample(campaign=campaign).case_ids)
    assert drawn == {org.case.pk, org.colleague_case.pk}


def test_a_csms_sample_is_of_their_service_only(org):
    campaign = make_campaign(by=org.csm_north, auditors=[org.director], sample_size=50)
    drawn = set(selectors.campaign_sample(campaign=campaign).case_ids)
    assert drawn == {org.case.pk, org.colleague_case.pk, org.case_b.pk}


def test_the_directors_sample_is_of_every_open_case_the_tool_applies_to(org):
    CaseFactory(team=org.south_a, case_type=CaseType.FOSTERING)  # not the Generic tool's
    closed = CaseFactory(team=org.south_a, closed_on=dt.date(2026, 1, 5))
    campaign = make_campaign(by=org.director, auditors=[org.performance], sample_size=50)
    drawn = set(selectors.campaign_sample(campaign=campaign).case_ids)
    assert drawn == {org.case.pk, org.colleague_case.pk, org.case_b.pk, org.south_case.pk}
    assert closed.pk not in drawn


def test_a_team_outside_the_creators_scope_is_refused(org):
    with pytest.raises(ValidationError) as error:
        make_campaign(by=org.csm_north, auditors=[org.director], team_ids=[org.south_a.pk])
    assert "team_ids" in error.value.error_dict


def test_the_criteria_narrow_the_sample(org):
    campaign = make_campaign(
        by=org.csm_north, auditors=[org.director], sample_size=50, case_types=[CaseType.CP]
    )
    assert selectors.campaign_sample(campaign=campaign).case_ids == [org.case_b.pk]
    campaign = make_campaign(
        by=org.csm_north, auditors=[org.director], sample_size=50, worker=org.colleague
    )
    assert selectors.campaign_sample(campaign=campaign).case_ids == [org.colleague_case.pk]


def test_criterion_last_overall_scale_reads_the_last_completed_audit(org):
    from caseaudit.audits.tests.conftest import complete_data

    audit = audit_services.audit_start(
        case=org.case_b, auditor=org.director, tool_code="generic", reason=AuditReason.PERMISSIVE
    )
    audit_services.audit_save(
        audit=audit, by=org.director.user, revision=audit.revision, data=complete_data(audit)
    )
    from caseaudit.workflows.audits import audit_complete

    audit_complete(audit=audit, by=org.director.user)
    good = make_campaign(
        by=org.csm_north, auditors=[org.performance], sample_size=50, last_scale_bands=["good"]
    )
    assert selectors.campaign_sample(campaign=good).case_ids == [org.case_b.pk]
    never = make_campaign(
        by=org.csm_north, auditors=[org.performance], sample_size=50, last_scale_bands=["never"]
    )
    assert set(selectors.campaign_sample(campaign=never).case_ids) == {
        org.case.pk,
        org.colleague_case.pk,
    }


def test_only_auditing_roles_and_lead_members_are_invited(org, lead_member):
    with pytest.raises(ValidationError) as error:
        make_campaign(by=org.csm_north, auditors=[org.worker])
    assert "auditors" in error.value.error_dict
    with pytest.raises(ValidationError):
        make_campaign(by=org.csm_north, auditors=[org.iro])  # kept to the IRO tool
    assert make_campaign(by=org.csm_north, auditors=[lead_member, org.ps_b]).pk


def test_a_tool_kept_for_one_reason_is_refused(org):
    from caseaudit.audit_tools.models import Tool

    with pytest.raises(ValidationError) as error:
        make_campaign(
            by=org.csm_north, auditors=[org.director], tool=Tool.objects.get(code="closure")
        )
    assert "tool" in error.value.error_dict


def test_the_end_must_not_be_before_the_start(org):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        make_campaign(
            by=org.csm_north,
            auditors=[org.director],
            starts_on=today + dt.timedelta(days=3),
            ends_on=today + dt.timedelta(days=2),
        )
    assert "ends_on" in error.value.error_dict


# --- Preview, then confirm --------------------------------------------------------------


def test_confirming_fixes_the_previewed_sample_assigns_it_and_tells_the_auditors(org, lead_member):
    campaign = make_campaign(by=org.csm_north, auditors=[lead_member, org.ps_b], sample_size=3)
    preview = selectors.campaign_sample(campaign=campaign)
    campaign = services.campaign_confirm(
        campaign=campaign,
        by=org.csm_north.user,
        revision=campaign.revision,
        fingerprint=preview.fingerprint,
    )
    assert campaign.status == CampaignStatus.CONFIRMED
    items = list(CampaignCase.objects.filter(campaign=campaign).order_by("position"))
    assert [i.case_id for i in items] == preview.case_ids
    assert [i.reason for i in items] == [p.reason for p in preview.picks]
    for item in items:
        a = item.assignment
        assert (a.case_id, a.staff_id, a.source, a.source_id, a.tool_code) == (
            item.case_id,
            item.auditor_id,
            "campaign",
            campaign.pk,
            "generic",
        )
    told = Notification.objects.filter(kind="campaign_invited")
    assert set(told.values_list("recipient_id", flat=True)) == {i.auditor_id for i in items}
    for notice in told:  # a case is never named by its child
        assert all(i.case.display_name not in notice.subject + notice.body for i in items)
        assert notice.url == f"/campaigns/{campaign.pk}/"
    # Confirming is idempotent for the invitations: one each, whatever happens next.
    assert told.count() == len({i.auditor_id for i in items})
    assert "Drawn from 3 open cases in the North service" in campaign.sample_explanation
    assert CampaignEvent.objects.filter(campaign=campaign, kind="confirmed").count() == 1


def test_confirming_a_changed_draft_is_a_conflict(org):
    campaign = make_campaign(by=org.csm_north, auditors=[org.director])
    fingerprint = selectors.campaign_sample(campaign=campaign).fingerprint
    services.campaign_update(
        campaign=campaign,
        by=org.csm_north.user,
        revision=campaign.revision,
        data=campaign_data(name="Renamed"),
        auditors=[org.director],
    )
    with pytest.raises(TransitionConflict):
        services.campaign_confirm(
            campaign=campaign, by=org.csm_north.user, revision=1, fingerprint=fingerprint
        )


def test_confirming_when_the_matching_cases_changed_is_a_conflict(org):
    campaign = make_campaign(by=org.csm_north, auditors=[org.director], sample_size=50)
    fingerprint = selectors.campaign_sample(campaign=campaign).fingerprint
    CaseFactory(team=org.north_b)  # a new case matches since the preview
    with pytest.raises(TransitionConflict, match="changed since your preview"):
        services.campaign_confirm(
            campaign=campaign,
            by=org.csm_north.user,
            revision=campaign.revision,
            fingerprint=fingerprint,
        )
    assert not CaseAssignment.objects.exists()


def test_confirming_twice_is_a_conflict(org):
    campaign = make_campaign(by=org.csm_north, auditors=[org.director], confirm=True)
    with pytest.raises(TransitionConflict):
        services.campaign_confirm(
            campaign=campaign, by=org.csm_north.user, revision=1, fingerprint="x"
        )
    assert CampaignCase.objects.filter(campaign=campaign).count() == 2


def test_a_stale_edit_is_a_conflict(org):
    campaign = make_campaign(by=org.csm_north, auditors=[org.director])
    services.campaign_update(
        campaign=campaign,
        by=org.csm_north.user,
        revision=1,
        data=campaign_data(),
        auditors=[org.director],
    )
    with pytest.raises(TransitionConflict):
        services.campaign_update(
            campaign=campaign,
            by=org.csm_north.user,
            revision=1,
            data=campaign_data(name="Late"),
            auditors=[org.director],
        )


def test_only_its_managers_change_confirm_or_close_it(org):
    campaign = make_campaign(by=org.csm_north, auditors=[org.director])
    for outsider in (org.tm, org.tm_b, org.worker, org.tm_south):
        with pytest.raises(ValidationError) as error:
            services.campaign_update(
                campaign=campaign,
                by=outsider.user,
                revision=1,
                data=campaign_data(),
                auditors=[org.director],
            )
        assert error.value.code == "not_allowed"
    assert policy.can_manage(org.director, campaign)
    assert policy.can_manage(org.performance, campaign)
    team_campaign = make_campaign(by=org.tm, auditors=[org.director])
    assert policy.can_manage(org.csm_north, team_campaign)
    assert not policy.can_manage(org.tm_b, team_campaign)


# --- The Lead Member --------------------------------------------------------------------


@pytest.fixture
def assurance_day(org, lead_member):
    """The CSM's Safeguarding Assurance Day: the Lead Member audits North B's CP case."""
    return make_campaign(
        by=org.csm_north,
        auditors=[lead_member],
        team_ids=[org.north_b.pk],
        sample_size=1,
        purpose="assurance_day",
        confirm=True,
    )


def test_a_lead_member_sees_only_the_case_allocated_to_them(org, lead_member, assurance_day):
    assert visible(lead_member) == {org.case_b.pk}
    assert org.case.pk not in visible(lead_member)


def test_a_lead_member_sees_nothing_without_a_campaign(org, lead_member):
    assert visible(lead_member) == set()
    assert not policy.can_open_campaigns(
        StaffFactory(role=Role.PRACTITIONER, team=org.north_a).user
    )
    assert policy.can_open_campaigns(lead_member.user)


def test_nothing_before_the_campaign_starts(org, lead_member):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    make_campaign(
        by=org.csm_north,
        auditors=[lead_member],
        team_ids=[org.north_b.pk],
        sample_size=1,
        starts_on=tomorrow,
        ends_on=tomorrow,
        confirm=True,
    )
    assert visible(lead_member) == set()
    assert list(selectors.campaign_list(user=lead_member.user)) == []


def test_nothing_after_the_campaign_ends_not_even_the_audit_they_did(
    org, lead_member, assurance_day
):
    item = CampaignCase.objects.get(campaign=assurance_day)
    audit = services.campaign_audit_start(item=item, by=lead_member.user)
    assert audit.reason == AuditReason.THEMATIC
    # The campaign's last day passes.
    past = timezone.now() - dt.timedelta(minutes=1)
    CaseAssignment.objects.filter(pk=item.assignment_id).update(
        starts_at=past - dt.timedelta(days=1), ends_at=past
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    type(assurance_day).objects.filter(pk=assurance_day.pk).update(
        starts_on=yesterday - dt.timedelta(days=1), ends_on=yesterday
    )
    assert visible(lead_member) == set()
    assert list(selectors.campaign_list(user=lead_member.user)) == []


def test_closing_early_ends_the_lead_members_view_at_once(org, lead_member, assurance_day):
    services.campaign_close(campaign=assurance_day, by=org.csm_north.user, reason="Rescheduled.")
    assert visible(lead_member) == set()
    with pytest.raises(TransitionConflict):
        services.campaign_close(campaign=assurance_day, by=org.csm_north.user, reason="Again.")


def test_a_lead_member_audits_only_their_case_with_the_campaigns_tool_and_reason(
    org, lead_member, assurance_day
):
    assert audit_policy.audit_refusal(lead_member, org.case_b) is None
    assert audit_policy.audit_refusal(lead_member, org.case_b, tool_code="generic") is None
    assert "campaign" in audit_policy.audit_refusal(lead_member, org.case_b, tool_code="cp-chair")
    assert "allocated to you" in audit_policy.audit_refusal(lead_member, org.case)
    with pytest.raises(ValidationError) as error:
        audit_services.audit_start(
            case=org.case_b, auditor=lead_member, tool_code="generic", reason=AuditReason.PERMISSIVE
        )
    assert "reason" in error.value.error_dict
    audit = audit_services.audit_start(
        case=org.case_b, auditor=lead_member, tool_code="generic", reason=AuditReason.THEMATIC
    )
    assert audit.status == AuditStatus.DRAFT


def test_an_invited_supervisor_sees_the_case_while_the_campaign_runs(org):
    assert org.case_b.pk not in visible(org.ps1)
    campaign = make_campaign(
        by=org.csm_north, auditors=[org.ps1], team_ids=[org.north_b.pk], sample_size=1, confirm=True
    )
    assert org.case_b.pk in visible(org.ps1)
    services.campaign_close(campaign=campaign, by=org.csm_north.user, reason="Done.")
    assert org.case_b.pk not in visible(org.ps1)


def test_only_the_auditor_given_the_case_starts_it(org, lead_member, assurance_day):
    item = CampaignCase.objects.get(campaign=assurance_day)
    with pytest.raises(ValidationError) as error:
        services.campaign_audit_start(item=item, by=org.csm_north.user)
    assert error.value.code == "not_allowed"


# --- Progress and report ------------------------------------------------------------------


def test_progress_and_report_count_only_the_campaigns_audits(org, lead_member, assurance_day):
    from caseaudit.audits.tests.conftest import complete_data
    from caseaudit.workflows.audits import audit_complete

    # An audit of the same case by someone else is not the campaign's.
    other = audit_services.audit_start(
        case=org.case_b, auditor=org.director, tool_code="generic", reason=AuditReason.PERMISSIVE
    )
    audit_services.audit_save(
        audit=other,
        by=org.director.user,
        revision=other.revision,
        data=complete_data(other, overall=1),
    )
    audit_complete(audit=other, by=org.director.user)
    progress = selectors.campaign_progress(campaign=assurance_day)
    assert (progress.cases, progress.started, progress.completed) == (1, 0, 0)

    item = CampaignCase.objects.get(campaign=assurance_day)
    audit = services.campaign_audit_start(item=item, by=lead_member.user)
    progress = selectors.campaign_progress(campaign=assurance_day)
    assert (progress.started, progress.completed) == (1, 0)
    audit_services.audit_save(
        audit=audit,
        by=lead_member.user,
        revision=audit.revision,
        data=complete_data(audit, overall=7),
    )
    audit_complete(audit=audit, by=lead_member.user)
    progress = selectors.campaign_progress(campaign=assurance_day)
    assert (progress.started, progress.completed) == (1, 1)
    assert progress.auditors[0]["completed"] == 1

    report = selectors.campaign_report(campaign=assurance_day)
    assert report.figures["audits"] == 1
    assert report.figures["average"] == 7.0
    assert report.figures["band"].code == "good"
    assert report.figures["urgent_raised"] == 0  # the Director's urgent finding is not counted
    assert {b.code: n for b, n in report.bands}["good"] == 1
    assert report.themes and all(t.average == 7.0 for t in report.themes)
