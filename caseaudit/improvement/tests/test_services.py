"""Findings reports' lifecycle, improvement actions, good practice and the daily chasing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caseaudit.core.exceptions import TransitionConflict
from caseaudit.improvement import services
from caseaudit.improvement.due import improvement_due_jobs
from caseaudit.improvement.models import (
    ActionStatus,
    GoodPracticeStatus,
    ImprovementAction,
    ReportStatus,
    ScopeKind,
)
from caseaudit.notifications.models import Notification, NotificationKind
from caseaudit.programme.followups import followup_schedule_for_audit
from caseaudit.programme.models import FollowUp

from .conftest import completed_audit, draft_report, published_report, written_report

pytestmark = pytest.mark.django_db


def _kinds(staff) -> list[str]:
    return list(Notification.objects.filter(recipient=staff).values_list("kind", flat=True))


def test_who_may_start_a_report_of_which_scope(org):
    assert draft_report(org).scope_kind == ScopeKind.AUTHORITY
    csm = draft_report(org, author=org.csm_north, kind=ScopeKind.TEAM, team=org.north_b)
    assert csm.service_id == org.north.pk
    with pytest.raises(ValidationError) as refused:
        draft_report(org, author=org.csm_north, kind=ScopeKind.SERVICE, service=org.south)
    assert refused.value.code == "not_allowed"
    with pytest.raises(ValidationError):
        draft_report(org, author=org.csm_north)  # the authority's: not a CSM's
    with pytest.raises(ValidationError):
        draft_report(org, author=org.tm, kind=ScopeKind.TEAM, team=org.north_a)


def test_saving_numbers_the_recommendations_and_checks_the_revision(org):
    report = written_report(org)
    assert [a.number for a in report.actions.order_by("number")] == [1, 2]
    with pytest.raises(TransitionConflict):
        services.report_save(
            report=report,
            by=org.performance.user,
            revision=report.revision - 1,
            title="x",
            overview="y",
            recommendations=[],
        )
    with pytest.raises(ValidationError) as refused:
        services.report_save(
            report=report,
            by=org.tm.user,
            revision=report.revision,
            title="x",
            overview="y",
            recommendations=[],
        )
    assert refused.value.code == "not_allowed"


def test_review_return_and_approval(org):
    report = written_report(org)
    with pytest.raises(ValidationError):  # a TM is not a reviewer of the authority's report
        services.report_send_for_review(report=report, by=org.performance.user, reviewer=org.tm)
    report = services.report_send_for_review(
        report=report, by=org.performance.user, reviewer=org.director
    )
    assert report.status == ReportStatus.IN_REVIEW
    assert NotificationKind.FINDINGS_REPORT_REVIEW in _kinds(org.director)
    with pytest.raises(ValidationError) as refused:
        services.report_review(report=report, by=org.csm_north.user, approve=True, comment="")
    assert refused.value.code == "not_allowed"
    with pytest.raises(ValidationError):  # returning needs a comment
        services.report_review(report=report, by=org.director.user, approve=False, comment="")
    report = services.report_review(
        report=report, by=org.director.user, approve=False, comment="Say more about CP."
    )
    assert report.status == ReportStatus.DRAFT and report.review_comment == "Say more about CP."
    report = services.report_send_for_review(
        report=report, by=org.performance.user, reviewer=org.director
    )
    stale = type(report).objects.get(pk=report.pk)
    report = services.report_review(report=report, by=org.director.user, approve=True, comment="")
    assert report.status == ReportStatus.APPROVED
    with pytest.raises(TransitionConflict):  # a second click of a page opened before
        services.report_review(report=stale, by=org.director.user, approve=True, comment="")


def test_publishing_freezes_the_figures_and_makes_tracked_actions(org):
    completed_audit(
        case=org.case, auditor=org.director, scale=4, good_practice="Lovely work with Zed."
    )
    report = published_report(org)
    assert report.status == ReportStatus.PUBLISHED
    assert report.figures["figures"]["audits"] == 1
    assert report.figures["published_on"] == timezone.localdate().isoformat()
    assert {t["key"] for t in report.figures["tables"]} >= {"overall-bands", "themes"}
    # the figures stay as published whatever happens later
    completed_audit(case=org.colleague_case, auditor=org.director, scale=8)
    report.refresh_from_db()
    assert report.figures["figures"]["audits"] == 1
    assert NotificationKind.IMPROVEMENT_ACTION_ASSIGNED in _kinds(org.tm)
    assert NotificationKind.FINDINGS_REPORT_PUBLISHED in _kinds(org.tm_b)
    with pytest.raises(ValidationError):
        services.report_publish(report=report, by=org.performance.user)


def test_the_next_report_of_the_scope_shows_the_last_ones_actions(org):
    first = published_report(org)
    action = first.actions.get(number=1)
    services.action_update(
        action=action, by=org.tm.user, status=ActionStatus.IN_PROGRESS, note="Started."
    )
    second = published_report(org)
    assert second.previous_id == first.pk
    rows = second.figures["previous"]["actions"]
    assert rows[0]["status"] == ActionStatus.IN_PROGRESS
    # a report of another scope does not follow on from it
    team = published_report(org, kind=ScopeKind.TEAM, team=org.north_a)
    assert team.previous_id is None


def test_action_progress_needs_evidence_to_complete(org):
    report = published_report(org)
    action = report.actions.get(number=1)  # owned by the TM
    with pytest.raises(ValidationError) as refused:
        services.action_update(
            action=action, by=org.worker.user, status=ActionStatus.IN_PROGRESS, note="x"
        )
    assert refused.value.code == "not_allowed"
    with pytest.raises(ValidationError):
        services.action_update(
            action=action, by=org.tm.user, status=ActionStatus.COMPLETED, note="Done."
        )
    services.action_update(
        action=action,
        by=org.tm.user,
        status=ActionStatus.COMPLETED,
        note="Done.",
        evidence="Chronology audit, December.",
        evidence_url="https://intranet.example/chronologies",
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED and action.completed_at
    assert action.updates.get().evidence_url.startswith("https://")
    with pytest.raises(TransitionConflict):
        services.action_update(
            action=action, by=org.tm.user, status=ActionStatus.IN_PROGRESS, note="Again."
        )


def test_overdue_actions_reach_the_owner_then_their_manager(org):
    report = published_report(org)
    ImprovementAction.objects.filter(report=report, number=1).update(
        due_on=timezone.localdate() - dt.timedelta(days=30)
    )
    monday = timezone.localdate()
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    first = improvement_due_jobs(today=monday)
    assert any("Reminded" in line for line in first.lines)
    assert any("Escalated" in line for line in first.lines)
    assert NotificationKind.IMPROVEMENT_ACTION_OVERDUE in _kinds(org.tm)
    assert NotificationKind.IMPROVEMENT_ACTION_ESCALATED in _kinds(org.csm_north)
    again = improvement_due_jobs(today=monday)
    assert again.lines == []
    saturday = monday + dt.timedelta(days=5)
    assert improvement_due_jobs(today=saturday).lines == []


def test_follow_ups_due_reach_the_case_managers_once(org):
    audit = completed_audit(case=org.case, auditor=org.director, scale=1)
    followup = followup_schedule_for_audit(audit=audit, now=timezone.now())
    FollowUp.objects.filter(pk=followup.pk).update(due_on=timezone.localdate())
    monday = timezone.localdate()
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    improvement_due_jobs(today=monday)
    improvement_due_jobs(today=monday)
    assert _kinds(org.tm).count(NotificationKind.FOLLOWUP_DUE) == 1


def test_good_practice_put_forward_then_shared(org):
    from caseaudit.audit_tools.models import Theme

    theme = Theme.objects.order_by("order").first()
    audit = completed_audit(
        case=org.case, auditor=org.director, scale=8, good_practice="Direct work with Sam."
    )
    with pytest.raises(ValidationError) as refused:
        services.good_practice_put_forward(
            audit=audit, by=org.tm.user, theme=theme, title="t", text="x"
        )
    assert refused.value.code == "not_allowed"
    item = services.good_practice_put_forward(
        audit=audit, by=org.director.user, theme=theme, title="Direct work", text="With Sam."
    )
    assert NotificationKind.GOOD_PRACTICE_PUT_FORWARD in _kinds(org.tm)
    with pytest.raises(TransitionConflict):
        services.good_practice_put_forward(
            audit=audit, by=org.director.user, theme=theme, title="again", text="x"
        )
    with pytest.raises(ValidationError):  # another team's manager
        services.good_practice_decide(item=item, by=org.tm_b.user, share=True)
    with pytest.raises(ValidationError):  # a reason is needed to decline
        services.good_practice_decide(item=item, by=org.tm.user, share=False)
    stale = type(item).objects.get(pk=item.pk)
    item = services.good_practice_decide(item=item, by=org.tm.user, share=True)
    assert item.status == GoodPracticeStatus.SHARED
    assert NotificationKind.GOOD_PRACTICE_SHARED in _kinds(org.worker)
    with pytest.raises(TransitionConflict):
        services.good_practice_decide(item=stale, by=org.csm_north.user, share=True)


def test_good_practice_without_text_cannot_be_put_forward(org):
    from caseaudit.audit_tools.models import Theme

    audit = completed_audit(case=org.case, auditor=org.director, scale=8)
    with pytest.raises(ValidationError):
        services.good_practice_put_forward(
            audit=audit,
            by=org.director.user,
            theme=Theme.objects.first(),
            title="t",
            text="x",
        )


def test_evidence_links_are_web_addresses(org):
    action = published_report(org).actions.get(number=1)
    with pytest.raises(ValidationError):
        services.action_update(
            action=action,
            by=org.tm.user,
            status=ActionStatus.IN_PROGRESS,
            note="x",
            evidence_url="javascript:alert(1)",
        )


def test_the_daily_due_reminders_job_chases_improvement_actions(org):
    from caseaudit.jobs.schedule import JOBS

    report = published_report(org)
    ImprovementAction.objects.filter(report=report, number=1).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    monday = timezone.localdate()
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    out = JOBS["due_reminders"].body(day=monday)
    assert "Improvement actions and follow-ups" in out
    assert NotificationKind.IMPROVEMENT_ACTION_OVERDUE in _kinds(org.tm)
