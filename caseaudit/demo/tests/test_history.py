"""The demo county's audit history (`caseaudit.demo.history`): what the services would have
written, for every tool, with urgent findings exactly where a scale is 0-2."""

import datetime as dt

import pytest
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from caseaudit.audit_tools.models import Tool
from caseaudit.audits.models import (
    Audit,
    AuditEvent,
    AuditStatus,
    EventKind,
    QuestionAnswer,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.audits.selectors import my_audits, urgent_findings_open_for
from caseaudit.cases.models import Case
from caseaudit.demo.authority import demo_email
from caseaudit.demo.history import audits_demo
from caseaudit.demo.seed import seed_demo
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role, Staff
from caseaudit.programme.models import Allocation, AllocationStatus, ProgrammeMonth
from caseaudit.programme.selectors import my_allocations

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def history(db):
    seed_demo(scale="small", today=TODAY)
    return audits_demo(today=TODAY, scale_name="small", rng_seed=7)


def test_every_tool_has_history_on_the_case_types_it_applies_to(history):
    assert history["audits"] == Audit.objects.count() > 300
    tools = {t.code: set(t.applies_to) for t in Tool.objects.all()}
    used = Audit.objects.filter(status=AuditStatus.COMPLETED).values_list(
        "tool_version__tool__code", "case__case_type"
    )
    assert {code for code, _type in used} == {
        "generic",
        "closure",
        "carers",
        "tac",
        "iro",
        "cp-chair",
    }
    assert all(case_type in tools[code] for code, case_type in used)
    # Closure audits only of closed cases; IRO and CP Chair audits by IROs and CP Chairs.
    assert not Audit.objects.filter(
        tool_version__tool__code="closure", case__closed_on__isnull=True
    ).exists()
    roles = dict(
        Audit.objects.filter(tool_version__tool__code__in=["iro", "cp-chair"])
        .values_list("tool_version__tool__code", "auditor__role")
        .distinct()
    )
    assert roles == {"iro": Role.IRO, "cp-chair": Role.CP_CHAIR}
    # Twelve months of it, nothing in the future, and nobody audits a case they hold.
    first = Audit.objects.order_by("started_at").first().started_at
    assert timezone.localdate(first) >= TODAY - dt.timedelta(days=380)
    now = timezone.now()
    assert not AuditEvent.objects.filter(at__gt=now).exists()
    assert not Audit.objects.filter(auditor_id=F("case__allocated_worker_id")).exists()
    # Every completed audit is whole, as `audit_complete` requires.
    completed = Audit.objects.filter(status=AuditStatus.COMPLETED)
    assert not completed.filter(Q(summary="") | Q(voice_of_child="")).exists()
    assert not completed.filter(overall_scale__isnull=True).exists()
    assert not SectionAnswer.objects.filter(
        audit__status=AuditStatus.COMPLETED, section__scaled=True, scale__isnull=True
    ).exists()
    assert not RestorativeAction.objects.filter(Q(owner__isnull=True) | Q(due_on__isnull=True))
    assert QuestionAnswer.objects.exists()
    # A realistic spread: mostly 5-8, some 9-10, some good practice, a few drafts.
    scales = dict(completed.values_list("overall_scale").annotate(n=Count("id")))
    total = sum(scales.values())
    assert sum(scales.get(s, 0) for s in range(5, 9)) > 0.7 * total
    assert sum(scales.get(s, 0) for s in (9, 10)) > 0.03 * total
    assert 0.15 < completed.exclude(good_practice="").count() / total < 0.45
    assert Audit.objects.filter(status=AuditStatus.DRAFT).exists()


def test_urgent_findings_are_raised_for_scales_of_0_to_2_and_only_those(history):
    urgent = set(
        Audit.objects.filter(
            Q(overall_scale__lte=2) | Q(section_answers__scale__lte=2)
        ).values_list("pk", flat=True)
    )
    raised = set(UrgentFinding.objects.values_list("audit_id", flat=True))
    assert urgent and urgent == raised
    assert len(urgent) < 0.08 * Audit.objects.count()
    for finding in UrgentFinding.objects.select_related("audit"):
        if finding.trigger == "overall":
            assert finding.scale == finding.audit.overall_scale <= 2
        elif finding.trigger == "serious":
            assert finding.audit.serious_safeguarding and finding.audit.serious_safeguarding_detail
        else:
            section_id = int(finding.trigger.removeprefix("section:"))
            answer = SectionAnswer.objects.get(audit=finding.audit, section_id=section_id)
            assert answer.scale == finding.scale <= 2
        assert finding.case_id == finding.audit.case_id
        # Its history, and the managers told (never the auditor).
        raised_event = AuditEvent.objects.get(
            audit=finding.audit, kind=EventKind.FINDING_RAISED, detail__finding=finding.pk
        )
        assert raised_event.at == finding.raised_at
        told = Notification.objects.filter(
            idempotency_key__startswith=f"urgent-finding:{finding.pk}:"
        )
        assert told.exists()
        assert not told.filter(recipient=finding.audit.auditor).exists()
        if finding.acknowledged_at:
            assert finding.action_taken and finding.acknowledged_by_id
            assert AuditEvent.objects.filter(
                audit=finding.audit, kind=EventKind.FINDING_ACKNOWLEDGED, detail__finding=finding.pk
            ).exists()
    # Most are acknowledged; some are still open.
    findings = UrgentFinding.objects.all()
    assert findings.filter(acknowledged_at__isnull=True).exists()
    assert findings.filter(acknowledged_at__isnull=False).count() > findings.count() / 2


def test_each_case_was_last_audited_on_its_latest_completed_audit(history):
    latest = dict(
        Audit.objects.filter(status=AuditStatus.COMPLETED)
        .values_list("case_id")
        .annotate(at=Max("completed_at"))
    )
    assert latest
    for case in Case.objects.filter(pk__in=latest):
        assert case.last_audited_on == timezone.localdate(latest[case.pk]), case.reference
    # The history holds together: revisions count the saves, each audit starts with "started".
    for audit in Audit.objects.prefetch_related("events")[:200]:
        events = list(audit.events.all())
        assert events[0].kind == EventKind.STARTED
        saves = sum(e.detail.get("saves", 0) for e in events if e.kind == EventKind.SAVED)
        others = sum(e.kind in (EventKind.COMPLETED, EventKind.REOPENED) for e in events)
        assert audit.revision == 1 + saves + others


def test_the_history_is_made_once(history):
    before = (Audit.objects.count(), SectionAnswer.objects.count(), Notification.objects.count())
    assert audits_demo(today=TODAY, scale_name="small", rng_seed=7) == {}
    after = (Audit.objects.count(), SectionAnswer.objects.count(), Notification.objects.count())
    assert after == before


def test_the_demo_logins_find_their_work(db):
    """The whole demo (`manage.py seed_demo`): the Team Manager has an urgent finding to
    acknowledge, the Practice Supervisor a draft audit from this month's confirmed programme,
    the practitioner actions to answer."""
    today = timezone.localdate()
    counts = seed_demo(scale="small", today=today, history=True)
    assert counts["audits"] and counts["programme allocations"]
    tm, ps, worker = (
        Staff.objects.select_related("user").get(user__email=demo_email(role))
        for role in (Role.TEAM_MANAGER, Role.PRACTICE_SUPERVISOR, Role.PRACTITIONER)
    )
    assert urgent_findings_open_for(user=tm.user).exists()
    assert urgent_findings_open_for(user=ps.user).exists()
    drafts = [a for a in my_audits(user=ps.user) if a.is_draft]
    assert drafts and any(hasattr(a, "allocation") for a in drafts)
    assert RestorativeAction.objects.filter(owner=worker, status="open").exists()
    # This month's programme is confirmed, some of it done; the past months' too.
    programme = ProgrammeMonth.objects.get(month=today.replace(day=1))
    assert programme.is_confirmed
    assert my_allocations(user=ps.user, month=today).exists()
    statuses = set(programme.allocations.values_list("status", flat=True))
    assert {AllocationStatus.STARTED, AllocationStatus.COMPLETED} <= statuses
    for allocation in Allocation.objects.filter(audit__isnull=False).select_related("audit"):
        assert allocation.audit.case_id == allocation.case_id
        assert allocation.audit.auditor_id == allocation.auditor_id
        assert (allocation.status == AllocationStatus.COMPLETED) == (
            allocation.audit.status == AuditStatus.COMPLETED
        )
    assert ProgrammeMonth.objects.count() == 12
    # Everything is made once.
    before = (Audit.objects.count(), Allocation.objects.count())
    assert seed_demo(scale="small", today=today, history=True) == {}
    assert (Audit.objects.count(), Allocation.objects.count()) == before
