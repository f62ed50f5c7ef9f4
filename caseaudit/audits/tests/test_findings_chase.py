"""Chasing an urgent finding nobody acknowledges, driven as the scheduler drives it:
`run_due_jobs --date` for consecutive days. Not acknowledged after 1 working day, a reminder to
those told; after 2, the service's Children's Service Manager; after 5, the Assistant Director.
Each once, whatever the number of runs; working days from the project's calendar; nothing after
the finding is acknowledged or withdrawn."""

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from caseaudit.audits import findings, services
from caseaudit.audits.models import AuditEvent, EventKind, UrgentFinding
from caseaudit.factories import StaffFactory
from caseaudit.jobs.schedule import JOBS
from caseaudit.notifications.models import EmailStatus, Notification, NotificationKind
from caseaudit.organisation.models import Role

REMINDER = NotificationKind.URGENT_FINDING_REMINDER
ESCALATED = NotificationKind.URGENT_FINDING_ESCALATED
MONDAY = dt.date(2027, 1, 4)  # England: Friday 1 January 2027 is a bank holiday


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def ads(org):
    """The North service's Assistant Director, and South's."""
    north = StaffFactory(role=Role.ASSISTANT_DIRECTOR, team=None, service_area=org.north)
    south = StaffFactory(role=Role.ASSISTANT_DIRECTOR, team=None, service_area=org.south)
    return north, south


def raise_finding(org, *, on: dt.date, auditor=None, case=None) -> UrgentFinding:
    """Performance Assurance audits the worker's case and scales a section 1 (the API's save
    raises at once); the finding is dated `on`, 10:00."""
    auditor = auditor or org.performance
    audit = services.audit_start(
        case=case or org.case, auditor=auditor, tool_code="generic", reason="permissive"
    )
    section = audit.tool_version.sections.filter(scaled=True).order_by("order", "id").first()
    services.audit_save(
        audit=audit,
        by=auditor.user,
        data={"sections": {section.pk: {"scale": 1, "worried_about": "No plan."}}},
        revision=audit.revision,
    )
    finding = UrgentFinding.objects.get(audit=audit)
    UrgentFinding.objects.filter(pk=finding.pk).update(raised_at=at(on))
    finding.refresh_from_db()
    return finding


def run(day: dt.date) -> str:
    out = io.StringIO()
    call_command("run_due_jobs", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def chase_notices(finding) -> dict[tuple[str, int], list[str]]:
    """(kind, recipient id) -> the dates (of creation order) each chase notice was made."""
    got = defaultdict(list)
    for n in Notification.objects.filter(
        idempotency_key__startswith=f"urgent-finding:{finding.pk}:chase-"
    ).order_by("pk"):
        got[(n.kind, n.recipient_id)].append(n.idempotency_key.split(":")[2])
    return dict(got)


def test_a_week_of_run_due_jobs_reminds_then_escalates_once_each(org, ads):
    ad_north, _ad_south = ads
    finding = raise_finding(org, on=MONDAY)
    seen: dict[dt.date, dict] = {}
    for offset in range(9):  # Monday 4 to Tuesday 12 January, each day twice
        day = MONDAY + dt.timedelta(days=offset)
        output = run(day) + run(day)
        seen[day] = chase_notices(finding)
        if day == dt.date(2027, 1, 5):
            assert "Reminded" in output and finding.case.reference in output
    monday, tuesday, wednesday = MONDAY, dt.date(2027, 1, 5), dt.date(2027, 1, 6)
    friday, next_monday = dt.date(2027, 1, 8), dt.date(2027, 1, 11)
    assert seen[monday] == {}  # raised today: nothing yet
    # Tuesday, 1 working day on: a reminder to those told (the TM and the PS), once.
    assert seen[tuesday] == {
        (REMINDER, org.tm.pk): ["chase-1"],
        (REMINDER, org.ps1.pk): ["chase-1"],
    }
    # Wednesday, 2 working days on: the service's CSM, once.
    assert seen[wednesday] == seen[tuesday] | {(ESCALATED, org.csm_north.pk): ["chase-2"]}
    # Thursday, Friday and the weekend: nothing new.
    assert seen[friday] == seen[wednesday]
    assert seen[dt.date(2027, 1, 10)] == seen[wednesday]
    # The next Monday, 5 working days on: North's Assistant Director (not South's), once.
    assert seen[next_monday] == seen[wednesday] | {(ESCALATED, ad_north.pk): ["chase-3"]}
    assert seen[dt.date(2027, 1, 12)] == seen[next_monday]
    # Nobody else was told anything; the auditor never.
    recipients = {who for _kind, who in seen[next_monday]}
    assert org.performance.pk not in recipients
    finding.refresh_from_db()
    assert finding.reminded_at and finding.escalated_to_csm_at and finding.escalated_to_ad_at
    # Each step is in the audit's history, once.
    steps = AuditEvent.objects.filter(
        audit=finding.audit, kind__in=[EventKind.FINDING_REMINDED, EventKind.FINDING_ESCALATED]
    )
    assert sorted(e.detail["step"] for e in steps) == [1, 2, 3]
    assert next(e for e in steps if e.detail["step"] == 3).detail["to"] == [ad_north.name]
    # Urgent kinds: emailed at once, never held for the digest.
    chased = Notification.objects.filter(kind__in=[REMINDER, ESCALATED])
    assert {n.email_status for n in chased} == {EmailStatus.PENDING}
    assert all(finding.case.reference in n.subject for n in chased)
    assert all(n.url == f"/audits/findings/{finding.pk}/acknowledge/" for n in chased)
    assert all("No plan." not in n.body for n in chased)


def test_acknowledged_after_the_reminder_it_goes_no_further(org, ads):
    finding = raise_finding(org, on=MONDAY)
    run(dt.date(2027, 1, 5))
    services.urgent_finding_acknowledge(finding=finding, by=org.ps1.user, action_taken="Called")
    for offset in range(2, 9):
        run(MONDAY + dt.timedelta(days=offset))
    kinds = {kind for kind, _who in chase_notices(finding)}
    assert kinds == {REMINDER}


def test_a_withdrawn_finding_is_not_chased(org, ads):
    finding = raise_finding(org, on=MONDAY)
    services.urgent_finding_withdraw(finding=finding, by=org.performance.user, reason="Error")
    for offset in range(9):
        run(MONDAY + dt.timedelta(days=offset))
    assert chase_notices(finding) == {}


def test_a_run_that_missed_days_catches_up_once(org, ads):
    """The scheduler was down all week: the next run takes every step due, once each."""
    ad_north, _ = ads
    finding = raise_finding(org, on=MONDAY)
    run(dt.date(2027, 1, 12))
    run(dt.date(2027, 1, 13))
    assert chase_notices(finding) == {
        (REMINDER, org.tm.pk): ["chase-1"],
        (REMINDER, org.ps1.pk): ["chase-1"],
        (ESCALATED, org.csm_north.pk): ["chase-2"],
        (ESCALATED, ad_north.pk): ["chase-3"],
    }


def test_working_days_skip_bank_holidays_and_weekends(org):
    """Raised on Thursday 24 December 2026 (England): Christmas Day and the Boxing Day holiday
    (Monday 28) are not working days, nor is New Year's Day."""
    finding = raise_finding(org, on=dt.date(2026, 12, 24))
    due = [findings.chase_due_on(finding=finding, step=step) for step in findings.CHASE_STEPS]
    assert due == [dt.date(2026, 12, 29), dt.date(2026, 12, 30), dt.date(2027, 1, 5)]
    assert "not a working day" in run(dt.date(2026, 12, 28))
    assert chase_notices(finding) == {}


def test_a_service_without_a_csm_escalates_to_its_ad_at_two_days(org, ads):
    ad_north, _ = ads
    org.csm_north.left_on = dt.date(2026, 1, 1)
    org.csm_north.save()
    finding = raise_finding(org, on=MONDAY)
    run(dt.date(2027, 1, 6))
    assert (ESCALATED, ad_north.pk) in chase_notices(finding)


def test_who_is_the_assistant_director(org):
    """The AD of the case's service; else the one who line-manages its CSM; else every AD;
    else the Director."""
    case = org.case
    assert findings.assistant_directors_for(case=case) == [org.director]
    everyone = [StaffFactory(role=Role.ASSISTANT_DIRECTOR, team=None) for _ in range(2)]
    assert findings.assistant_directors_for(case=case) == everyone
    org.csm_north.line_manager = everyone[1]
    org.csm_north.save()
    assert findings.assistant_directors_for(case=case) == [everyone[1]]
    own = StaffFactory(role=Role.ASSISTANT_DIRECTOR, team=None, service_area=org.north)
    assert findings.assistant_directors_for(case=case) == [own]
    assert findings.assistant_directors_for(case=case, exclude_pk=own.pk) == [everyone[1]]


def test_the_scheduled_job_runs_the_chase(org, ads):
    finding = raise_finding(org, on=MONDAY)
    report = JOBS["due_reminders"].body(day=dt.date(2027, 1, 5))
    assert "urgent reminded" in report
    assert set(chase_notices(finding)) == {(REMINDER, org.tm.pk), (REMINDER, org.ps1.pk)}
    assert "urgent finding" in JOBS["due_reminders"].description


def test_chasing_twice_at_once_sends_once(org, ads):
    """Two runs on the same day (a second scheduler, a person running the command): the step
    is a compare-and-set, so the second takes nothing."""
    finding = raise_finding(org, on=MONDAY)
    first = findings.findings_chase(today=dt.date(2027, 1, 5))
    second = findings.findings_chase(today=dt.date(2027, 1, 5))
    assert len(first.lines) == 2 and second.lines == []
    assert Notification.objects.filter(kind=REMINDER).count() == 2
    assert finding.pk


@pytest.mark.django_db(transaction=True)
def test_two_chases_at_the_same_moment_send_once(org):
    """Two runs of the chase at the same moment (PostgreSQL): each step is a compare-and-set
    on the finding, so one run takes it and the other sends nothing."""
    from .concurrency import load_shipped_tools, require_postgresql, run_together

    require_postgresql()
    load_shipped_tools()
    finding = raise_finding(org, on=MONDAY)
    day = dt.date(2027, 1, 6)  # the reminder and the CSM are both due

    def chase():
        return findings.findings_chase(today=day)

    reports = run_together([chase, chase, chase])
    assert all(isinstance(r, findings.ChaseReport) for r in reports), reports
    assert sum(len(r.lines) for r in reports) == 3  # TM, PS, then the CSM: once each
    assert chase_notices(finding) == {
        (REMINDER, org.tm.pk): ["chase-1"],
        (REMINDER, org.ps1.pk): ["chase-1"],
        (ESCALATED, org.csm_north.pk): ["chase-2"],
    }
