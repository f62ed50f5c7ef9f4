"""The findings report counts how urgent findings were chased: reminded after 1
working day, escalated to the CSM after 2 and to the Assistant Director after 5, and those the
auditor withdrew as raised in error apart (not counted as raised or open)."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from caseaudit.audits.models import UrgentFinding
from caseaudit.reports import selectors
from caseaudit.reports.scope import ReportFilters, report_scope

from .conftest import moment

TODAY = dt.date(2026, 6, 15)
Q2 = ReportFilters(start=dt.date(2026, 4, 1), end=TODAY)


def build(org, history):
    """Five findings in May on the worker's case (team North A) and one in team North B:
    acknowledged within an hour; reminded then acknowledged; escalated to the CSM and still
    open; escalated to the AD and still open; withdrawn after its reminder; and team B's,
    escalated to the CSM and acknowledged."""
    audit = history.audit(case=org.case, auditor=org.csm_north, on=dt.date(2026, 5, 4))
    audit_b = history.audit(case=org.case_b, auditor=org.csm_north, on=dt.date(2026, 5, 4))
    raised = moment(dt.date(2026, 5, 4))
    f = [history.finding(audit, raised=raised) for _ in range(5)]
    f.append(history.finding(audit_b, raised=raised))
    later = moment(dt.date(2026, 5, 5))
    UrgentFinding.objects.filter(pk=f[0].pk).update(acknowledged_at=raised + dt.timedelta(hours=1))
    UrgentFinding.objects.filter(pk=f[1].pk).update(
        reminded_at=later, acknowledged_at=later + dt.timedelta(hours=2)
    )
    UrgentFinding.objects.filter(pk__in=[f[2].pk, f[3].pk, f[5].pk]).update(
        reminded_at=later, escalated_to_csm_at=later + dt.timedelta(days=1)
    )
    UrgentFinding.objects.filter(pk=f[3].pk).update(escalated_to_ad_at=later + dt.timedelta(days=6))
    UrgentFinding.objects.filter(pk=f[4].pk).update(
        reminded_at=later, withdrawn_at=later, withdrawn_reason="Raised in error"
    )
    UrgentFinding.objects.filter(pk=f[5].pk).update(acknowledged_at=later + dt.timedelta(days=2))
    return f


def test_the_findings_report_counts_reminders_escalations_and_withdrawals(org, history):
    build(org, history)
    report = selectors.findings_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    f = report.figures
    assert f["urgent_raised"] == 5  # the withdrawn one apart
    assert f["urgent_open"] == 2
    assert f["urgent_withdrawn"] == 1
    assert (f["urgent_reminded"], f["urgent_to_csm"], f["urgent_to_ad"]) == (4, 3, 1)
    table = report.table("urgent")
    keys = [c.key for c in table.columns]
    assert keys[-4:] == ["reminded", "to_csm", "to_ad", "withdrawn"]
    rows = {row[0]: dict(zip(keys, row, strict=True)) for row in table.rows}
    assert (rows["North A"]["raised"], rows["North A"]["reminded"]) == (4, 3)
    assert (rows["North A"]["to_csm"], rows["North A"]["to_ad"], rows["North A"]["withdrawn"]) == (
        2,
        1,
        1,
    )
    assert (rows["North B"]["to_csm"], rows["North B"]["to_ad"]) == (1, 0)


def test_the_quality_report_and_dashboard_leave_withdrawn_findings_out(org, history):
    build(org, history)
    quality = selectors.quality_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    assert (quality.figures["urgent_raised"], quality.figures["urgent_open"]) == (5, 2)
    assert UrgentFinding.objects.open().count() == 2
    assert UrgentFinding.objects.filter(Q(withdrawn_at__isnull=False)).count() == 1


def test_the_findings_page_says_how_many_were_chased(org, history, login):
    build(org, history)
    page = login(org.performance).get(
        reverse("report_findings_tab", args=["urgent"]) + "?start=2026-04-01&end=2026-06-15"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "escalated to the Children's Service Manager after 2" in html
    assert "Escalated to the AD (5 working days)" in html
    assert "withdrawn by the auditor as raised in error" in html
