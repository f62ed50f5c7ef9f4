"""The auditor summary (`models.AuditorSummary`): the compliance report's "other audits" read
from it equal a recount from the audits and allocations themselves, for every scope and
filter, and stay equal as audits are completed, reopened and discarded through the
workflows."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits import services as audit_services
from caseaudit.cases.models import CaseType
from caseaudit.cases.services import cases_regrouped
from caseaudit.factories import CaseFactory
from caseaudit.programme.due import add_months
from caseaudit.programme.models import AllocationStatus
from caseaudit.qa.tests.conftest import audit_data, audit_started
from caseaudit.reports.models import AuditorSummary, SummaryState
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors import compliance_counts, compliance_report
from caseaudit.reports.services import (
    ACTIONS,
    AUDITORS,
    AUTHORITY_SCALE,
    GRADES,
    SCALE,
    summary_all_built,
    summary_catch_up,
    summary_is_built,
    summary_rebuild,
)
from caseaudit.workflows import audits as workflows

pytestmark = pytest.mark.django_db

KEY = ("month", "auditor_id", "case_type", "tool_id")


@pytest.fixture
def made_up(org, history):
    """Audits over five months by several auditors, of three case types and two tools: some
    asked for by an allocation of the confirmed programme, the others not; and a draft."""
    today = timezone.localdate()
    cp_case = CaseFactory(team=org.north_a, allocated_worker=org.worker, case_type=CaseType.CP)
    cases = [org.case, org.colleague_case, org.case_b, org.south_case, cp_case]
    auditors = [org.tm, org.ps1, org.csm_north, org.tm_south, org.director, org.tm_b]
    allocated = set()  # one allocation of a case a month
    for i in range(24):
        case = cases[i % len(cases)]
        auditor = auditors[i % len(auditors)]
        on = min(add_months(today.replace(day=1), -(i % 5)).replace(day=1 + i % 27), today)
        audit = history.audit(
            case=case, auditor=auditor, on=on, tool_code="carers" if i % 7 == 3 else "generic"
        )
        if i % 3 == 0 and (case.pk, on.month) not in allocated:  # asked for by the programme
            allocated.add((case.pk, on.month))
            history.allocation(month=on, auditor=auditor, case=case, audit=audit)
    # An audit completed last year, outside the period; a draft, counted nowhere.
    history.audit(case=org.case, auditor=org.tm, on=add_months(today, -14))
    history.audit(case=org.south_case, auditor=org.director, on=today, status="draft")
    return cases


def period(today: dt.date, **fields) -> ReportFilters:
    return ReportFilters(start=add_months(today.replace(day=1), -11), end=today, **fields)


def summary_rows() -> list[tuple]:
    return sorted(AuditorSummary.objects.filter(other__gt=0).values_list(*KEY, "other"))


def report_figures(staff, filters: ReportFilters, today: dt.date) -> list:
    """Every figure and table row of the compliance report, and its counts by person and
    month."""
    scope = report_scope(staff.user)
    report = compliance_report(scope=scope, filters=filters, today=today, full=True)
    counts = compliance_counts(scope=scope, filters=filters, today=today)
    return [
        sorted(report.figures.items(), key=str),
        [(t.key, t.rows) for t in report.tables],
        sorted((pid, t.other, t.expected, t.done) for pid, t in counts.people.items()),
        sorted((str(m), t.other) for m, t in counts.months.items()),
    ]


def live_figures(staff, filters: ReportFilters, today: dt.date) -> list:
    """The same figures recounted from the live tables: the summary marked not built for
    the while (its rows are kept, as they were)."""
    built_at = SummaryState.objects.get(name=AUDITORS).built_at
    SummaryState.objects.filter(name=AUDITORS).delete()
    try:
        return report_figures(staff, filters, today)
    finally:
        SummaryState.objects.create(name=AUDITORS, built_at=built_at)


SCOPES = [
    ("performance", {}),
    ("performance", {"team": "north_a"}),
    ("performance", {"service": "north"}),
    ("performance", {"case_type": CaseType.CP}),
    ("performance", {"tool": "carers"}),
    ("tm", {}),
    ("ps1", {}),
    ("csm_north", {}),
    ("business_support", {}),
    ("director", {"service": "south", "case_type": CaseType.CIN}),
]


def _filters(org, today, fields: dict) -> ReportFilters:
    values = {}
    for name, value in fields.items():
        if name in ("team", "service"):
            value = getattr(org, value)
        elif name == "tool":
            value = tool_version_published(code=value).tool
        values[name] = value
    return period(today, **values)


def test_the_report_reads_the_same_other_audits_from_the_summary_as_from_the_audits(
    org, history, made_up
):
    today = timezone.localdate()
    before = [
        report_figures(getattr(org, who), _filters(org, today, fields), today)
        for who, fields in SCOPES
    ]
    assert any(row[1] for row in before[0][2])  # someone has other audits

    summary_rebuild()
    assert AuditorSummary.objects.exists()
    for (who, fields), expected in zip(SCOPES, before, strict=True):
        after = report_figures(getattr(org, who), _filters(org, today, fields), today)
        assert after == expected, (who, fields)


def test_periods_the_summary_cannot_answer_are_counted_from_the_audits(org, history, made_up):
    """Not whole months: the live count, whatever the summary holds."""
    today = timezone.localdate()
    summary_rebuild()
    AuditorSummary.objects.update(other=99)  # wrong on purpose: it must not be read
    last_month = add_months(today.replace(day=1), -1)
    for filters in (
        ReportFilters(start=last_month + dt.timedelta(days=1), end=today),
        ReportFilters(start=last_month, end=last_month.replace(day=15)),
    ):
        summary = report_figures(org.performance, filters, today)
        assert summary == live_figures(org.performance, filters, today)
    # A period of whole months reads the summary (here wrong on purpose).
    whole = report_figures(org.performance, period(today), today)
    assert whole != live_figures(org.performance, period(today), today)


def _complete(case, auditor, *, allocation_month=None, history=None):
    audit = audit_started(case=case, auditor=auditor)
    if allocation_month is not None:
        history.allocation(
            month=allocation_month,
            auditor=auditor,
            case=case,
            audit=audit,
            status=AllocationStatus.STARTED,
        )
    audit_services.audit_save(
        audit=audit, by=auditor.user, data=audit_data(audit), revision=audit.revision
    )
    return workflows.audit_complete(audit=audit, by=auditor.user)


def test_completing_reopening_and_discarding_keep_the_summary_equal_to_a_recount(
    org, history, made_up
):
    today = timezone.localdate()
    summary_rebuild()
    month = today.replace(day=1)

    def check():
        kept = summary_rows()
        # Today as each check runs: an audit completed after midnight belongs to the new day's
        # period (a run that crossed midnight once compared it with yesterday's).
        day = timezone.localdate()
        for who, fields in SCOPES:
            staff, filters = getattr(org, who), _filters(org, day, fields)
            assert report_figures(staff, filters, day) == live_figures(staff, filters, day)
        summary_rebuild()
        assert summary_rows() == kept

    # An audit no allocation asked for is another audit of its auditor's, this month.
    other = _complete(org.case, org.tm)
    row = AuditorSummary.objects.get(month=month, auditor=org.tm, case_type=CaseType.CIN)
    check()
    assert row.other >= 1
    # One an allocation asked for is not.
    allocated = _complete(org.colleague_case, org.tm, allocation_month=month, history=history)
    assert not AuditorSummary.objects.filter(
        month=month, auditor=org.tm, case_type=CaseType.CLA, other__gt=0
    ).exists()
    check()

    # Reopened, each is counted out (the allocated one was never in).
    workflows.audit_reopen(audit=other, by=org.csm_north.user, reason="Wrong case.")
    check()
    workflows.audit_reopen(audit=allocated, by=org.csm_north.user, reason="Wrong tool.")
    check()

    # Completed again, counted in again; then drafts discarded (never completed: a reopened
    # audit cannot be), one of them allocated: nothing changes, its allocation is planned again.
    workflows.audit_complete(audit=other, by=org.tm.user)
    check()
    draft = audit_started(case=org.case_b, auditor=org.csm_north)
    allocated_draft = audit_started(case=org.south_case, auditor=org.tm_south)
    allocation = history.allocation(
        month=month,
        auditor=org.tm_south,
        case=org.south_case,
        audit=allocated_draft,
        status=AllocationStatus.STARTED,
    )
    kept = summary_rows()
    workflows.audit_discard(audit=draft, by=org.csm_north.user, reason="Started by mistake.")
    workflows.audit_discard(
        audit=allocated_draft, by=org.tm_south.user, reason="Started by mistake."
    )
    allocation.refresh_from_db()
    assert allocation.audit_id is None
    assert summary_rows() == kept
    check()


def test_the_summary_is_kept_only_while_built_and_goes_stale_with_the_scale_summary(
    org, history, made_up
):
    """Not built: completing leaves it alone (the report counts the audits). Rebuilt by the
    same rebuild as the scale summary; cases regrouped make both stale (the case register's
    grouping version moves on) until the periodic catch-up rebuilds them."""
    _complete(org.case, org.tm)
    assert not AuditorSummary.objects.exists()
    summary_rebuild()
    # (The restorative actions', the grades' and the authority's scale summaries are rebuilt
    # and marked built by the same rebuild.)
    assert set(SummaryState.objects.values_list("name", flat=True)) == {
        SCALE,
        AUTHORITY_SCALE,
        GRADES,
        AUDITORS,
        ACTIONS,
    }
    assert summary_is_built(name=AUDITORS) and summary_all_built()
    kept = summary_rows()
    assert kept
    assert summary_catch_up() == "The report summaries are current."

    cases_regrouped(reason="a test")
    assert not summary_is_built(name=AUDITORS)
    assert not summary_is_built(name=SCALE)
    assert not summary_all_built()
    assert summary_catch_up().startswith("The report summaries were stale and are rebuilt")
    assert summary_all_built()
    assert summary_rows() == kept


def test_the_nightly_command_rebuilds_the_auditor_summary(org, history, made_up, capsys):
    call_command("refresh_report_summary")
    assert SummaryState.objects.filter(name=AUDITORS).exists()
    rows = AuditorSummary.objects.count()
    assert rows > 0
    assert f"Auditor summary rebuilt: {rows} rows." in capsys.readouterr().out
