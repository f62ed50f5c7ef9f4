"""The scale summary: the reports read the same figures from it as from the audits, and it
stays equal to a fresh recount as audits are completed, reopened, moved and erased."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from caseaudit.audits import services as audit_services
from caseaudit.audits.tests.concurrency import load_shipped_tools, require_postgresql, run_together
from caseaudit.cases.models import CaseType
from caseaudit.dataprotection.services import case_erase
from caseaudit.factories import CaseFactory
from caseaudit.imports.services import case_file_import
from caseaudit.imports.tests.helpers import CASE_HEADER, case_row, csv_bytes
from caseaudit.programme.due import add_months
from caseaudit.qa.tests.conftest import audit_data, audit_started
from caseaudit.reports.models import AuthorityScaleSummary, ScaleSummary, SummaryState
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors import (
    EVERY_ANSWER,
    _excerpt_candidates,
    _midnight,
    _ranked_texts,
    findings_report,
    quality_report,
    scale_facts,
    section_answers,
)
from caseaudit.reports.selectors.summary import _scale_source
from caseaudit.reports.services import (
    AUTHORITY_SCALE,
    summary_catch_up,
    summary_is_built,
    summary_rebuild,
)
from caseaudit.workflows import audits as workflows

pytestmark = pytest.mark.django_db

SCALES = [2, 9, 5, 7, 0, 10, 4]
KEY = ("month", "team_id", "case_type", "section_id")


@pytest.fixture
def varied(org, history):
    """Audits over five months in three teams and two services, of several case types, with
    every point of the scale used and words in some columns."""
    today = timezone.localdate()
    cases = [
        org.case,
        org.colleague_case,
        org.case_b,
        org.south_case,
        CaseFactory(team=org.north_a, allocated_worker=org.worker, case_type=CaseType.CP),
    ]
    for i in range(12):
        case = cases[i % len(cases)]
        on = add_months(today.replace(day=1), -(i % 5)).replace(day=1 + i % 20)
        on = min(on, today)
        history.audit(
            case=case,
            auditor=org.csm_north if case.team.service_area_id != org.north.pk else org.director,
            on=on,
            scale=SCALES[i % len(SCALES)],
            scales={"voice_of_child": (i * 3) % 11, "timeliness": (i * 7) % 11},
            texts={
                "voice_of_child": {
                    "working_well": f"Strength {i}.",
                    "worried_about": f"Worry {i}.",
                },
                "timeliness": {"needs_to_happen": f"Needs {i}."} if i % 2 else {},
            },
        )
    return cases


def filters_for(org, history, today, **fields):
    start = add_months(today.replace(day=1), -11)
    return ReportFilters(start=start, end=today, **fields)


def figures(report) -> list:
    return [(t.key, t.rows) for t in report.tables] + [sorted(report.figures.items())]


def summary_rows() -> list[tuple]:
    return sorted(ScaleSummary.objects.values_list(*KEY, "n", "total", "s0", "s10", "working_well"))


COUNTED = ("n", "total", "s0", "s3", "s10", "working_well", "ww3", "nh10")


def authority_rows() -> list[tuple]:
    """The authority's rows, and those that hold nothing (counted back to nought) left out."""
    rows = AuthorityScaleSummary.objects.values_list("month", "case_type", "section_id", *COUNTED)
    return sorted(r for r in rows if any(r[3:]))


def teams_added_up() -> list[tuple]:
    """The teams' rows added up by month, case type and section, as the authority's are."""
    sums: dict[tuple, list[int]] = {}
    for month, _team, case_type, section, *counts in ScaleSummary.objects.values_list(
        *KEY, *COUNTED
    ):
        row = sums.setdefault((month, case_type, section), [0] * len(COUNTED))
        for i, value in enumerate(counts):
            row[i] += value
    return sorted((*key, *counts) for key, counts in sums.items() if any(counts))


def test_reports_read_the_same_figures_from_the_summary_as_from_the_audits(org, history, varied):
    today = timezone.localdate()
    voice = history.section("voice_of_child").theme
    cases = [
        (org.performance, {}),
        (org.performance, {"team": org.north_a}),
        (org.performance, {"service": org.north, "case_type": CaseType.CP}),
        (org.performance, {"theme": voice}),
        (org.tm, {}),
        (org.csm_north, {}),
        (org.director, {"tool": history.generic.tool}),
    ]
    before = []
    for staff, fields in cases:
        scope, filters = report_scope(staff.user), filters_for(org, history, today, **fields)
        assert scale_facts(scope=scope, filters=filters, today=today).source == "audits"
        before.append(
            (
                figures(quality_report(scope=scope, filters=filters, today=today)),
                figures(findings_report(scope=scope, filters=filters, today=today)),
            )
        )
    assert any(rows for _key, rows in before[0][0][:-1])  # the reports are not empty

    summary_rebuild()
    for (staff, fields), expected in zip(cases, before, strict=True):
        scope, filters = report_scope(staff.user), filters_for(org, history, today, **fields)
        assert scale_facts(scope=scope, filters=filters, today=today).source == "summary"
        after = (
            figures(quality_report(scope=scope, filters=filters, today=today)),
            figures(findings_report(scope=scope, filters=filters, today=today)),
        )
        assert after == expected, (staff, fields)


def test_the_whole_authority_reads_the_authority_s_rows_and_a_team_or_service_the_teams(
    org, history, varied
):
    today = timezone.localdate()
    summary_rebuild()
    assert AuthorityScaleSummary.objects.exists()
    assert authority_rows() == teams_added_up()
    voice = history.section("voice_of_child").theme
    for staff, fields, source in [
        (org.performance, {}, "authority"),
        (org.performance, {"theme": voice}, "authority"),
        (org.performance, {"case_type": CaseType.CP}, "authority"),
        (org.director, {"tool": history.generic.tool}, "authority"),
        (org.performance, {"team": org.north_a}, "teams"),
        (org.performance, {"service": org.north}, "teams"),
        (org.tm, {}, "teams"),
        (org.csm_north, {}, "teams"),
    ]:
        scope, filters = report_scope(staff.user), filters_for(org, history, today, **fields)
        assert _scale_source(scope, filters, today) == source, (staff, fields)
    # A database migrated to the authority's table reads the teams' rows until it is built.
    SummaryState.objects.filter(name=AUTHORITY_SCALE).delete()
    scope, filters = report_scope(org.performance.user), filters_for(org, history, today)
    assert _scale_source(scope, filters, today) == "teams"


def test_the_authority_s_rows_are_what_the_whole_authority_s_figures_come_from(
    org, history, varied
):
    """Rows of the authority's table changed by hand change the whole authority's figures and
    no team's: the figures are read from them, not from the teams'."""
    today = timezone.localdate()
    summary_rebuild()
    scope, filters = report_scope(org.performance.user), filters_for(org, history, today)
    team_scope = report_scope(org.tm.user)
    before = scale_facts(scope=scope, filters=filters, today=today).by_month_section
    team_before = scale_facts(scope=team_scope, filters=filters, today=today).by_month_section
    AuthorityScaleSummary.objects.update(n=1000)
    after = scale_facts(scope=scope, filters=filters, today=today).by_month_section
    # Each month and section adds up its case types' rows: a thousand each now.
    assert all(0 < r["n"] < 1000 for r in before)
    assert after and all(r["n"] > 0 and r["n"] % 1000 == 0 for r in after)
    assert scale_facts(scope=team_scope, filters=filters, today=today).by_month_section == (
        team_before
    )


def test_a_team_manager_reads_only_their_team_from_the_summary(org, history, varied):
    today = timezone.localdate()
    summary_rebuild()
    scope, filters = report_scope(org.tm.user), filters_for(org, history, today)
    facts = scale_facts(scope=scope, filters=filters, today=today)
    assert facts.source == "summary"
    assert {r["team_name"] for r in facts.by_team} == {org.north_a.name}


def test_the_audits_answer_where_the_summary_cannot(org, history, varied):
    today = timezone.localdate()
    summary_rebuild()
    # A Practice Supervisor's scope is their supervisees' cases, not whole teams.
    scope = report_scope(org.ps1.user)
    assert (
        scale_facts(scope=scope, filters=filters_for(org, history, today), today=today).source
        == "audits"
    )
    # A period that does not start on the first of a month.
    scope = report_scope(org.performance.user)
    last_month = add_months(today.replace(day=1), -1)
    odd = ReportFilters(start=last_month + dt.timedelta(days=1), end=today)
    assert scale_facts(scope=scope, filters=odd, today=today).source == "audits"
    # A period ending before today, mid-month.
    mid = ReportFilters(start=last_month, end=last_month.replace(day=15))
    assert scale_facts(scope=scope, filters=mid, today=today).source == "audits"
    # A summary that is not built (or was marked stale).
    SummaryState.objects.all().delete()
    assert (
        scale_facts(scope=scope, filters=filters_for(org, history, today), today=today).source
        == "audits"
    )


def test_completing_and_reopening_keep_the_summary_equal_to_a_recount(org, history, varied):
    summary_rebuild()
    audit = audit_started(case=org.case, auditor=org.tm)
    audit_services.audit_save(
        audit=audit, by=org.tm.user, data=audit_data(audit, scale=3), revision=audit.revision
    )
    month = timezone.localdate().replace(day=1)
    threes = AuthorityScaleSummary.objects.filter(month=month, case_type=org.case.case_type)
    threes_before = sum(threes.values_list("s3", flat=True))
    workflows.audit_complete(audit=audit, by=org.tm.user)
    kept, kept_authority = summary_rows(), authority_rows()
    assert kept_authority == teams_added_up()
    summary_rebuild()
    assert summary_rows() == kept
    assert authority_rows() == kept_authority
    assert ScaleSummary.objects.filter(month=month, team=org.north_a, s3__gt=0).exists()
    assert sum(threes.values_list("s3", flat=True)) > threes_before

    workflows.audit_reopen(audit=audit, by=org.csm_north.user, reason="Wrong tool.")
    kept, kept_authority = summary_rows(), authority_rows()
    assert kept_authority == teams_added_up()
    summary_rebuild()
    assert summary_rows() == kept
    assert authority_rows() == kept_authority
    assert not ScaleSummary.objects.filter(month=month, team=org.north_a, s3__gt=0).exists()
    assert sum(threes.values_list("s3", flat=True)) == threes_before


def test_a_case_moved_by_an_import_makes_the_summary_stale_and_it_is_caught_up(
    org, history, varied
):
    summary_rebuild()
    row = case_row(
        case_id=org.case.reference,
        team="north-b",
        allocated_worker_id=org.worker_b.staff_id,
        name=org.case.display_name,
        date_of_birth=org.case.date_of_birth.isoformat(),
        opened_on=org.case.opened_on.isoformat(),
        case_type=org.case.case_type,
    )
    case_file_import(file=csv_bytes(CASE_HEADER, [row]), file_name="cases.csv", by=None)
    assert not summary_is_built()  # the reports read the audits themselves meanwhile
    assert not ScaleSummary.objects.filter(team=org.north_b, case_type=org.case.case_type).exists()
    summary_catch_up()  # the periodic job
    assert summary_is_built()
    moved = ScaleSummary.objects.filter(team=org.north_b, case_type=org.case.case_type)
    assert moved.exists()


def test_an_import_that_moves_nothing_keeps_the_summary(org, history, varied):
    summary_rebuild()
    row = case_row(case_id="NEW1", team="north-a", allocated_worker_id=org.worker.staff_id)
    case_file_import(file=csv_bytes(CASE_HEADER, [row]), file_name="cases.csv", by=None)
    assert summary_is_built()


def test_erasing_a_case_makes_the_summary_stale_until_caught_up(org, history, varied):
    summary_rebuild()
    case_erase(case=org.south_case, by=None, reason="Retention period ended.")
    assert not summary_is_built()
    summary_catch_up()
    assert summary_is_built()
    assert not ScaleSummary.objects.filter(team=org.south_a).exists()


def test_refresh_command_reports_rows(org, history, varied, capsys):
    call_command("refresh_report_summary")
    out = capsys.readouterr().out
    assert f"Scale summary rebuilt: {ScaleSummary.objects.count()} rows" in out
    assert ScaleSummary.objects.count() > 0


@pytest.mark.parametrize("built", [False, True])
def test_excerpts_from_the_candidates_are_those_of_every_answer(org, history, varied, built):
    """The findings report ranks only the answers that can be among each theme's excerpts;
    ranking every answer of the period gives the same excerpts."""
    if built:
        summary_rebuild()
    today = timezone.localdate()
    scope, filters = report_scope(org.performance.user), filters_for(org, history, today)
    answers = section_answers(scope=scope, filters=filters)
    facts = scale_facts(scope=scope, filters=filters, today=today)
    pruned = _ranked_texts(answers, _excerpt_candidates(facts))
    everything = _ranked_texts(answers, EVERY_ANSWER)
    assert pruned == everything
    assert all(everything[name] for name in ("working_well", "worried_about", "needs_to_happen"))
    # the candidates really are fewer than the answers with words
    assert answers.filter(_excerpt_candidates(facts).q).count() < answers.count()
    # A tab ranks only the columns it shows: the same excerpts of those, none of the others.
    for columns in (["working_well", "worried_about"], ["needs_to_happen"]):
        some = _ranked_texts(answers, _excerpt_candidates(facts, columns), columns)
        assert {name: some[name] for name in columns} == {
            name: everything[name] for name in columns
        }
        assert not any(some[name] for name in everything if name not in columns)
        assert (
            answers.filter(_excerpt_candidates(facts, columns).q).count()
            < answers.filter(_excerpt_candidates(facts).q).count()
        )


@pytest.mark.parametrize("built", [False, True])
def test_excerpts_at_one_scale_come_from_the_latest_months_only(org, history, built):
    """Six audits in six months, every section scaled 7 with words: the excerpts are the three
    most recent, and only the answers of the months holding them are ranked."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    for back in range(6):
        history.audit(
            case=org.case,
            auditor=org.director,
            on=min(add_months(this_month, -back).replace(day=2), today),
            scale=7,
            texts={"voice_of_child": {"working_well": f"Strength {back} months ago."}},
        )
    if built:
        summary_rebuild()
    scope, filters = report_scope(org.performance.user), filters_for(org, history, today)
    answers = section_answers(scope=scope, filters=filters)
    facts = scale_facts(scope=scope, filters=filters, today=today)
    candidates = _excerpt_candidates(facts)
    pruned = _ranked_texts(answers, candidates)
    assert pruned == _ranked_texts(answers, EVERY_ANSWER)
    voice = history.section("voice_of_child").theme_id
    assert [text for _link, text, _scale in pruned["working_well"][voice]] == [
        f"Strength {back} months ago." for back in range(3)
    ]
    since = _midnight(add_months(this_month, -2))
    assert set(answers.filter(candidates.q).values_list("audit__completed_at", flat=True)) == set(
        answers.filter(audit__completed_at__gte=since).values_list("audit__completed_at", flat=True)
    )


@pytest.mark.parametrize("built", [False, True])
def test_a_sparse_theme_is_ranked_in_a_part_of_its_own(org, history, built):
    """One theme finds its excerpts this month; another's best answer is four months old, so
    it goes back that far: the two are ranked apart (the recent part reads only this month's
    audits) and the excerpts are still those of ranking every answer."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    history.audit(
        case=org.case,
        auditor=org.director,
        on=add_months(this_month, -4).replace(day=3),
        scale=7,
        scales={"timeliness": 10},
        texts={
            "voice_of_child": {"working_well": "Strength then."},
            "timeliness": {"working_well": "Best then."},
        },
    )
    for i in range(4):
        history.audit(
            case=org.case,
            auditor=org.director,
            on=min(this_month.replace(day=1 + i), today),
            scale=7,
            scales={"timeliness": 5},
            texts={
                "voice_of_child": {"working_well": f"Strength now {i}."},
                "timeliness": {"working_well": f"Now {i}."},
            },
        )
    if built:
        summary_rebuild()
    scope, filters = report_scope(org.performance.user), filters_for(org, history, today)
    answers = section_answers(scope=scope, filters=filters)
    candidates = _excerpt_candidates(scale_facts(scope=scope, filters=filters, today=today))
    assert len(candidates.parts) == 2
    voice = history.section("voice_of_child").theme_id
    timeliness = history.section("timeliness").theme_id
    recent, sparse = (pairs for pairs, _condition in candidates.parts)
    assert (voice, "working_well") in recent and (timeliness, "working_well") in sparse
    pruned = _ranked_texts(answers, candidates)
    assert pruned == _ranked_texts(answers, EVERY_ANSWER)
    assert pruned["working_well"][timeliness][0][1] == "Best then."
    assert [text for _link, text, _scale in pruned["working_well"][voice]] == [
        f"Strength now {i}." for i in (3, 2, 1)
    ]


@pytest.mark.django_db(transaction=True)
def test_completions_in_three_teams_at_once_all_count_in_the_authority_s_shared_rows(org):
    """Every team's completions add to the same authority rows (same month, case type and
    sections): three at once wait for one another in section order, none fails or
    deadlocks, and both tables still equal a recount."""
    require_postgresql()
    load_shipped_tools()
    cases = [org.case, org.case_b, org.south_case]  # north-a, north-b, south-a; all CIN or CP
    auditors = [org.csm_north, org.csm_north, org.director]
    audits = []
    for case, auditor in zip(cases, auditors, strict=True):
        audit = audit_started(case=case, auditor=auditor)
        audit_services.audit_save(
            audit=audit, by=auditor.user, data=audit_data(audit, scale=4), revision=audit.revision
        )
        audits.append((audit, auditor))
    summary_rebuild()  # built (and empty of these): completing counts them in

    def complete(audit, auditor):
        return lambda: workflows.audit_complete(audit=audit, by=auditor.user)

    results = run_together([complete(a, s) for a, s in audits])
    assert not [r for r in results if isinstance(r, BaseException)], results
    kept, kept_authority = summary_rows(), authority_rows()
    assert kept_authority == teams_added_up()
    assert sum(AuthorityScaleSummary.objects.values_list("s4", flat=True)) == sum(
        a.tool_version.sections.filter(scaled=True).count() for a, _s in audits
    )
    summary_rebuild()
    assert summary_rows() == kept
    assert authority_rows() == kept_authority
