"""The demo county's audit history (`caseaudit.demo.history`): what the services would have
written, for every tool, with urgent findings exactly where a scale is 0-2."""

import datetime as dt

import pytest
from django.db import transaction
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
from caseaudit.cases.models import Case
from caseaudit.demo.history import audits_demo
from caseaudit.demo.seed import seed_demo
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def module_history(django_db_setup, django_db_blocker):
    """The small demo and its history, built once for the module (inside a transaction rolled
    back at its end); each test runs in its own savepoint. The tests here only read it."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(scale="small", today=TODAY)
        yield audits_demo(today=TODAY, scale_name="small", rng_seed=7)
        transaction.set_rollback(True)


@pytest.fixture
def history(module_history, db):
    return module_history


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


def test_every_demo_audit_keeps_the_start_and_completion_rules(history):
    """Issue 16: the demo history is what the services would accept now: each tool with its
    reason (and the IRO and CP Chair tools by those roles), a peer audit never of the
    auditor's own team (a CSM's: service), and every completed audit whole by the completion
    rules (required questions, family contact, an action for each section that needs one)."""
    from caseaudit.audits import start_rules
    from caseaudit.audits.completion_rules import completion_problems

    audits = Audit.objects.select_related(
        "tool_version__tool", "auditor", "case__team", "case__allocated_worker"
    )
    for audit in audits:
        tool = audit.tool_version.tool
        problems = start_rules.start_refusal(
            staff=audit.auditor, case=audit.case, tool=tool, reason=audit.reason
        )
        assert not problems, (audit.pk, tool.code, audit.reason, audit.auditor.role, problems)
    reasons = set(audits.values_list("reason", flat=True))
    assert {"peer", "carers", "closure", "iro", "cp_chair", "tac"} <= reasons
    completed = audits.filter(status=AuditStatus.COMPLETED)
    assert completed.count() > 300
    for audit in completed:
        assert completion_problems(audit) == [], audit.pk
    # The three kinds of family contact, each as the rules ask.
    assert set(completed.values_list("contact_made", flat=True)) == {
        "yes",
        "attempted",
        "not_appropriate",
    }
    assert RestorativeAction.objects.filter(section__isnull=False).exists()
