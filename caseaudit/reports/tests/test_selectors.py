"""The reports' figures on a small hand-built history, worked out by hand."""

import datetime as dt

import pytest

from caseaudit.audit_tools.models import ScalingBand
from caseaudit.audits.models import ActionStatus, AuditStatus
from caseaudit.cases.models import CaseType, SubjectType
from caseaudit.factories import CaseFactory
from caseaudit.reports import selectors
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.tables import Link
from caseaudit.responses.models import ResponseStatus

from .conftest import moment

TODAY = dt.date(2026, 6, 15)
Q2 = ReportFilters(start=dt.date(2026, 4, 1), end=TODAY)


def rows_by_first(table) -> dict:
    return {
        str(row[0]): dict(zip([c.key for c in table.columns], row, strict=True))
        for row in table.rows
    }


# --- Programme compliance ---------------------------------------------------------------


@pytest.fixture
def programme(org, history):
    """Confirmed allocations for April to June 2026 (June is the current month):
    tm: 3 expected, Apr and May done, June not yet; and a permissive audit in May.
    tm_b: 3 expected, April not done (behind), May and June done.
    tm_south: 1 expected (April), done.
    Ignored: a draft month's allocation, a cancelled one, an unfilled slot, an audit outside
    the period, and a draft audit."""
    h = history
    apr, may, jun = dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)
    for month, day in ((apr, 10), (may, 12)):
        audit = h.audit(case=org.case_b, auditor=org.tm, on=month.replace(day=day))
        h.allocation(month=month, auditor=org.tm, case=org.case_b, audit=audit)
    h.allocation(month=jun, auditor=org.tm, case=org.case_b)
    h.allocation(month=apr, auditor=org.tm_b, case=org.case)
    for month in (may, jun):
        audit = h.audit(case=org.case, auditor=org.tm_b, on=month.replace(day=3))
        h.allocation(month=month, auditor=org.tm_b, case=org.colleague_case, audit=audit)
    audit = h.audit(case=org.case, auditor=org.tm_south, on=dt.date(2026, 4, 20))
    h.allocation(month=apr, auditor=org.tm_south, case=org.south_case, audit=audit)
    # Other audits: one in May counts; February's is outside the period; a draft never counts.
    h.audit(case=org.case_b, auditor=org.tm, on=dt.date(2026, 5, 20))
    h.audit(case=org.case_b, auditor=org.tm, on=dt.date(2026, 2, 20))
    h.audit(case=org.case_b, auditor=org.tm, on=dt.date(2026, 5, 21), status=AuditStatus.DRAFT)
    # Ignored allocations.
    h.allocation(month=dt.date(2026, 3, 1), auditor=org.tm, case=org.case_b, confirmed=False)
    h.allocation(month=may, auditor=org.tm, case=org.case, status="cancelled")
    h.allocation(month=may, auditor=org.tm_b, case=None)


def test_compliance_per_person_team_service_and_month(org, programme):
    scope = report_scope(org.performance.user)
    report = selectors.compliance_report(scope=scope, filters=Q2, today=TODAY)

    people = rows_by_first(report.table("people"))
    assert set(people) == {org.tm.name, org.tm_b.name, org.tm_south.name}
    tm = people[org.tm.name]
    assert (tm["expected"], tm["done"], tm["outstanding"], tm["overdue"], tm["other"]) == (
        3,
        2,
        1,
        0,
        1,
    )
    assert tm["completion"] == 66.7
    assert tm["status"] == "In progress"
    tm_b = people[org.tm_b.name]
    assert (tm_b["expected"], tm_b["done"], tm_b["overdue"], tm_b["status"]) == (3, 2, 1, "Behind")

    teams = report.table("teams")
    assert [row[0] for row in teams.rows][0] == "North B"  # behind: first
    teams = rows_by_first(teams)
    assert teams["North B"]["status"] == "Behind"
    assert teams["South A"]["status"] == "On track"
    assert (teams["North A"]["expected"], teams["North A"]["done"]) == (3, 2)

    services = rows_by_first(report.table("services"))
    assert (services["North"]["expected"], services["North"]["done"]) == (6, 4)
    assert services["North"]["other"] == 1
    assert services["South"]["people"] == 1

    months = report.table("months")
    assert [(r[0], r[1], r[2], r[5]) for r in months.rows] == [
        (dt.date(2026, 4, 1), 3, 2, 0),
        (dt.date(2026, 5, 1), 2, 2, 1),
        (dt.date(2026, 6, 1), 2, 1, 0),
    ]
    assert report.figures["expected"] == 7
    assert report.figures["done"] == 5
    assert report.figures["teams_behind"] == 1


def test_compliance_counts_an_allocation_done_only_while_its_audit_is_completed(org, programme):
    """Done is the allocation's status, which the programme keeps in step with its audit:
    reopening April's audit makes April's allocation outstanding (and overdue) again."""
    from caseaudit.programme.models import Allocation
    from caseaudit.workflows.audits import audit_reopen

    april = Allocation.objects.get(auditor=org.tm, programme__month=dt.date(2026, 4, 1))
    audit_reopen(audit=april.audit, by=org.performance.user, reason="Evidence missing")
    report = selectors.compliance_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    tm = rows_by_first(report.table("people"))[org.tm.name]
    assert (tm["expected"], tm["done"], tm["overdue"], tm["status"]) == (3, 1, 1, "Behind")
    assert report.figures["done"] == 4


def test_compliance_is_scoped_to_the_team_manager_s_own_team(org, programme):
    report = selectors.compliance_report(scope=report_scope(org.tm.user), filters=Q2, today=TODAY)
    assert set(rows_by_first(report.table("people"))) == {org.tm.name}
    assert set(rows_by_first(report.table("teams"))) == {"North A"}


def test_compliance_filters_by_the_auditor_s_team_and_the_case_type(org, programme):
    scope = report_scope(org.performance.user)
    by_team = selectors.compliance_report(
        scope=scope, filters=ReportFilters(start=Q2.start, end=TODAY, team=org.north_b), today=TODAY
    )
    assert set(rows_by_first(by_team.table("people"))) == {org.tm_b.name}
    cp_only = selectors.compliance_report(
        scope=scope,
        filters=ReportFilters(start=Q2.start, end=TODAY, case_type=CaseType.CP),
        today=TODAY,
    )
    # Only tm's allocations and other audit are of case_b, the CP case.
    assert set(rows_by_first(cp_only.table("people"))) == {org.tm.name}


@pytest.fixture
def coverage_cases(org):
    """As at 15 June 2026 (12 months back: 15 June 2025)."""
    org.case.last_audited_on = None  # opened 6 January 2025: over 12 months
    org.case.save()
    org.colleague_case.last_audited_on = dt.date(2026, 1, 1)  # audited recently
    org.colleague_case.save()
    org.case_b.opened_on, org.case_b.last_audited_on = dt.date(2026, 3, 1), None  # new
    org.case_b.save()
    org.south_case.last_audited_on = dt.date(2025, 3, 1)
    org.south_case.save()
    CaseFactory(team=org.north_a, allocated_worker=org.worker, closed_on=dt.date(2026, 1, 1))
    return CaseFactory(
        team=org.north_a,
        allocated_worker=org.worker,
        subject_type=SubjectType.FOSTER_CARER,
        case_type=CaseType.FOSTERING,
        first_panel_on=dt.date(2024, 1, 10),
        last_audited_on=dt.date(2025, 2, 1),
    )


def test_open_cases_audited_in_the_last_12_months_and_the_list_of_those_not(org, coverage_cases):
    report = selectors.compliance_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    f = report.figures
    assert (f["open"], f["audited"], f["not_audited"], f["over_a_year"]) == (5, 1, 4, 3)
    assert f["coverage"] == 20.0
    assert f["carers_overdue"] == 1
    listed = report.table("not-audited").rows
    assert [row[0].text for row in listed] == [
        org.case.reference,
        coverage_cases.reference,
        org.south_case.reference,
        org.case_b.reference,
    ]
    assert isinstance(listed[0][0], Link) and listed[0][0].url == f"/cases/{org.case.pk}/"
    assert [row[-1] for row in listed] == ["Over 12 months"] * 3 + [""]
    carers = report.table("carers-overdue").rows
    assert [(r[0].text, r[-1]) for r in carers] == [(coverage_cases.reference, dt.date(2026, 2, 1))]

    tm = selectors.compliance_report(scope=report_scope(org.tm.user), filters=Q2, today=TODAY)
    assert (tm.figures["open"], tm.figures["audited"], tm.figures["over_a_year"]) == (3, 1, 2)
    assert org.south_case.reference not in {r[0].text for r in tm.table("not-audited").rows}


# --- Responses ----------------------------------------------------------------------------


@pytest.fixture
def responses(org, history):
    h = history
    a1 = h.audit(case=org.case, auditor=org.tm_b, on=dt.date(2026, 4, 10))
    h.response(
        a1,
        status=ResponseStatus.AUTHORISED,
        due_on=dt.date(2026, 4, 17),
        submitted_on=dt.date(2026, 4, 16),
    )
    a2 = h.audit(case=org.colleague_case, auditor=org.tm_b, on=dt.date(2026, 5, 1))
    h.response(
        a2,
        status=ResponseStatus.SUBMITTED,
        due_on=dt.date(2026, 5, 8),
        submitted_on=dt.date(2026, 5, 12),
    )
    a3 = h.audit(case=org.case, auditor=org.tm_b, on=dt.date(2026, 5, 29))
    h.response(a3, status=ResponseStatus.AWAITING_WORKER, due_on=dt.date(2026, 6, 5))
    a4 = h.audit(case=org.colleague_case, auditor=org.tm_b, on=dt.date(2026, 6, 12))
    h.response(
        a4,
        status=ResponseStatus.RETURNED,
        due_on=dt.date(2026, 6, 19),
        submitted_on=dt.date(2026, 6, 12),
        returned=True,
    )
    old = h.audit(case=org.case, auditor=org.tm_b, on=dt.date(2026, 2, 2))
    h.response(old, status=ResponseStatus.AWAITING_WORKER, due_on=dt.date(2026, 2, 9))
    south = h.audit(case=org.south_case, auditor=org.tm, on=dt.date(2026, 4, 2))
    h.response(
        south,
        status=ResponseStatus.AUTHORISED,
        due_on=dt.date(2026, 4, 9),
        submitted_on=dt.date(2026, 4, 9),
    )
    h.action(a1, due_on=dt.date(2026, 6, 1))  # open, overdue
    h.action(a1, due_on=dt.date(2026, 6, 1), status=ActionStatus.RESOLVED)  # awaits agreement
    h.action(a3, due_on=dt.date(2026, 7, 1))  # open, not yet due
    h.action(a3, due_on=dt.date(2026, 5, 1), status=ActionStatus.RESOLVED, agreed=True)  # closed
    h.action(old, due_on=dt.date(2026, 3, 1))  # outside the period


def test_responses_on_time_late_outstanding_returned_and_actions(org, responses):
    report = selectors.responses_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    f = report.figures
    assert (f["requested"], f["on_time"], f["late"], f["outstanding"]) == (5, 3, 1, 3)
    assert (f["overdue"], f["to_authorise"], f["returned"], f["authorised"]) == (1, 1, 1, 2)
    assert f["on_time_pct"] == 75.0
    assert f["actions"] == {"actions": 4, "open": 2, "overdue": 1, "to_agree": 1, "closed": 1}
    by_team = rows_by_first(report.table("responses-by-team"))
    assert (by_team["North A"]["requested"], by_team["North A"]["on_time_pct"]) == (4, 66.7)
    assert by_team["South A"]["on_time"] == 1
    months = {r[0]: r[1] for r in report.table("responses-by-month").rows}
    assert months == {dt.date(2026, 4, 1): 2, dt.date(2026, 5, 1): 2, dt.date(2026, 6, 1): 1}


def test_responses_for_a_team_manager_leave_out_other_teams(org, responses):
    report = selectors.responses_report(scope=report_scope(org.tm.user), filters=Q2, today=TODAY)
    assert report.figures["requested"] == 4
    assert set(rows_by_first(report.table("responses-by-team"))) == {"North A"}


# --- Practice quality ----------------------------------------------------------------------


@pytest.fixture
def quality(org, history):
    h = history
    org.case.display_name = "Jane Doe"
    org.case.save()
    a1 = h.audit(
        case=org.case,
        auditor=org.tm_b,
        on=dt.date(2026, 4, 10),
        scales={"voice_of_child": 2},
        overall=5,
        good_practice=f'=HYPERLINK("http://x") {org.case.display_name} was brilliant',
        child_views="Wants to see grandad.",
        texts={
            "voice_of_child": {
                "working_well": f"{org.case.display_name}'s wishes are recorded.",
                "worried_about": "Worry one.",
                "needs_to_happen": "Seek the child's views.",
            }
        },
    )
    a2 = h.audit(
        case=org.colleague_case,
        auditor=org.tm_b,
        on=dt.date(2026, 5, 10),
        scale=9,
        scales={"voice_of_child": 4},
        overall=9,
        good_practice="Lovely direct work.",
        texts={
            "voice_of_child": {
                "working_well": "Excellent direct work.",
                "worried_about": "Worry two.",
            }
        },
    )
    a3 = h.audit(
        case=org.south_case,
        auditor=org.tm,
        on=dt.date(2026, 5, 20),
        scale=3,
        overall=3,
        good_practice="SOUTH ONLY",
        texts={"voice_of_child": {"worried_about": "Worry three."}},
    )
    h.finding(
        a1, raised=moment(dt.date(2026, 4, 10)), acknowledged=moment(dt.date(2026, 4, 10), 12)
    )
    h.finding(a1, raised=moment(dt.date(2026, 4, 10)))
    h.finding(
        a2, raised=moment(dt.date(2026, 5, 10)), acknowledged=moment(dt.date(2026, 5, 11), 16)
    )
    h.finding(
        a3, raised=moment(dt.date(2026, 5, 20)), acknowledged=moment(dt.date(2026, 5, 20), 16)
    )
    return a1, a2, a3


def test_scaling_by_theme_counts_each_configured_band(org, quality):
    report = selectors.quality_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    themes = rows_by_first(report.table("by-theme"))
    voice = themes["Voice of the child"]
    bands = {b.code: b.pk for b in ScalingBand.objects.all()}
    assert (voice["n"], voice["avg"]) == (3, 3.0)
    assert voice[f"band_{bands['inadequate']}"] == 1
    assert voice[f"band_{bands['requires-improvement']}"] == 2
    recording = themes["Recording and basic data"]  # two sections in the Generic Audit
    assert (recording["n"], recording["avg"]) == (6, 6.3)

    trend = rows_by_first(report.table("trend"))
    assert trend["Voice of the child"]["2026-04-01"] == 2.0
    assert trend["Voice of the child"]["2026-05-01"] == 3.5
    assert trend["Voice of the child"]["2026-06-01"] is None

    teams = rows_by_first(report.table("by-team"))
    assert set(teams) == {"North A", "South A"}
    overall = report.table("overall").rows[0]
    assert overall[1:3] == [3, 5.7]


def test_bands_come_from_configuration_not_the_code(org, quality):
    ScalingBand.objects.all().delete()
    low = ScalingBand.objects.create(code="low", name="Low", min_score=0, max_score=4, guidance="-")
    high = ScalingBand.objects.create(
        code="high", name="High", min_score=5, max_score=10, guidance="-"
    )
    report = selectors.quality_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    table = report.table("by-theme")
    assert [c.label for c in table.columns][-2:] == ["Low (0–4)", "High (5–10)"]
    voice = rows_by_first(table)["Voice of the child"]
    assert (voice[f"band_{low.pk}"], voice[f"band_{high.pk}"]) == (3, 0)


def test_voice_of_the_child_trend_for_one_theme(org, quality, history):
    from caseaudit.audit_tools.models import Theme

    voice = Theme.objects.get(code="voice_of_child")
    filters = ReportFilters(start=Q2.start, end=TODAY, theme=voice)
    report = selectors.quality_report(scope=report_scope(org.tm.user), filters=filters, today=TODAY)
    trend = report.table("trend")
    assert [row[0] for row in trend.rows] == ["Voice of the child"]
    assert trend.rows[0][1:] == [2.0, 4.0, None]
    assert 'role="img"' in trend.chart and "Voice of the child" in trend.chart


def test_urgent_findings_and_median_hours_to_acknowledge(org, quality):
    perf = selectors.quality_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    f = perf.figures
    assert (f["urgent_raised"], f["urgent_open"]) == (4, 1)
    assert f["urgent_median_hours"] == 6.0  # of 2, 6 and 30 hours
    assert f["urgent_within_day"] == 66.7
    tm = selectors.quality_report(scope=report_scope(org.tm.user), filters=Q2, today=TODAY)
    assert tm.figures["urgent_median_hours"] == 16.0  # of 2 and 30 hours
    assert tm.figures["urgent_raised"] == 3


def test_good_practice_and_views_name_the_case_by_reference_only(org, quality):
    a1, _a2, _a3 = quality
    report = selectors.quality_report(scope=report_scope(org.tm.user), filters=Q2, today=TODAY)
    good = report.table("good-practice").rows
    texts = [row[-1] for row in good]
    assert texts == ["Lovely direct work.", '=HYPERLINK("http://x") [name] was brilliant']
    assert good[1][0].text == org.case.reference
    assert good[1][0].url == f"/audits/{a1.pk}/"
    assert "SOUTH ONLY" not in texts
    assert "Jane" not in " ".join(texts)
    views = report.table("views").rows
    assert [row[3] for row in views] == ["Wants to see grandad."]


# --- Findings ----------------------------------------------------------------------------


def test_findings_quote_the_best_and_worst_scaled_sections_and_recommend(org, quality):
    report = selectors.findings_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    assert report.figures["audits"] == 3
    assert report.figures["average"] == 5.7
    voice = next(t for t in report.themes if t.theme == "Voice of the child")
    assert [text for _link, text, _scale in voice.working_well] == [
        "Excellent direct work.",
        "[name]'s wishes are recorded.",
    ]
    assert [(text, scale) for _link, text, scale in voice.worries] == [
        ("Worry one.", 2),
        ("Worry three.", 3),
        ("Worry two.", 4),
    ]
    first = report.recommendations[0]
    assert first.theme == "Voice of the child"
    assert "below the average across all themes" in first.reason
    assert "1 section scaled in an urgent band" in first.reason
    assert [text for _l, text, _s in first.needs] == ["Seek the child's views."]
    assert all(r.theme != "Recording and basic data" for r in report.recommendations)
    assert report.table("good-practice").rows[0][-1] == "Lovely direct work."  # best first


# --- Home figures ---------------------------------------------------------------------------


def test_dashboard_figures_for_managers_and_practitioners(
    org, history, responses, programme, coverage_cases
):
    history.finding(history.audit(case=org.case, auditor=org.tm_b, on=TODAY), raised=moment(TODAY))
    history.finding(
        history.audit(case=org.south_case, auditor=org.tm, on=TODAY), raised=moment(TODAY)
    )
    perf = {f.key: f for f in selectors.dashboard_figures(user=org.performance.user, today=TODAY)}
    assert perf["programme"].value == "50%"  # June: tm not done, tm_b done
    assert perf["over-a-year"].value == "3"
    assert perf["overdue-responses"].value == "2"  # a3 and February's, both with the worker
    assert perf["open-findings"].value == "2"
    tm = {f.key: f for f in selectors.dashboard_figures(user=org.tm.user, today=TODAY)}
    assert tm["programme"].value == "0%"
    assert tm["over-a-year"].value == "2"
    assert tm["open-findings"].value == "1"
    worker = selectors.dashboard_figures(user=org.worker.user, today=TODAY)
    assert [(f.key, f.value) for f in worker] == [
        ("responses-due", "2"),
        ("responses-overdue", "2"),
    ]
    assert selectors.dashboard_figures(user=org.outsider.user, today=TODAY)[0].value == "0"


def test_closure_audits_pending_in_scope(org, history, monkeypatch):
    draft = history.audit(
        case=org.case,
        auditor=org.ps2,
        on=dt.date(2026, 6, 1),
        tool_code="closure",
        status=AuditStatus.DRAFT,
    )
    done = history.audit(
        case=org.colleague_case, auditor=org.ps1, on=dt.date(2026, 6, 2), tool_code="closure"
    )
    history.action(done, due_on=dt.date(2026, 7, 1))  # unresolved: the case cannot close
    history.audit(
        case=org.south_case,
        auditor=org.tm,
        on=dt.date(2026, 6, 3),
        tool_code="closure",
        status=AuditStatus.DRAFT,
    )
    tm = selectors.compliance_report(scope=report_scope(org.tm.user), filters=Q2, today=TODAY)
    rows = tm.table("closure-pending").rows
    assert tm.figures["closures_pending"] == 2
    assert [(r[0].text, r[4], r[6]) for r in rows] == [
        (org.case.reference, "Draft", 0),
        (org.colleague_case.reference, "Completed", 1),
    ]
    assert draft.case_id == org.case.pk
    perf = selectors.compliance_report(
        scope=report_scope(org.performance.user), filters=Q2, today=TODAY
    )
    assert perf.figures["closures_pending"] == 3
    # A full page counts the rest (the COUNT is skipped only when the page is not full).
    for shown, table_rows in ((3, 3), (2, 2), (1, 1)):
        monkeypatch.setattr(selectors.compliance, "CLOSURES_SHOWN", shown)
        again = selectors.compliance_report(
            scope=report_scope(org.performance.user), filters=Q2, today=TODAY
        )
        assert again.figures["closures_pending"] == 3
        assert len(again.table("closure-pending").rows) == table_rows


def test_the_page_shows_the_most_overdue_people_and_the_files_everyone(org, programme, monkeypatch):
    monkeypatch.setattr(selectors.compliance, "PEOPLE_SHOWN", 2)
    monkeypatch.setattr(selectors.compliance, "CHART_TEAMS", 1)
    scope = report_scope(org.performance.user)
    page = selectors.compliance_report(scope=scope, filters=Q2, today=TODAY)
    full = selectors.compliance_report(scope=scope, filters=Q2, today=TODAY, full=True)
    everyone = full.table("people").rows
    assert len(everyone) == 3 and full.table("people").note == ""
    assert page.table("people").rows == everyone[:2]  # those behind, then the most overdue
    assert page.table("people").note == (
        "The first 2 (those behind, then the most overdue) of 3 people: the spreadsheet and "
        "the CSV file list everyone."
    )
    assert "for the 1 teams furthest behind of" in str(page.table("teams").chart)
