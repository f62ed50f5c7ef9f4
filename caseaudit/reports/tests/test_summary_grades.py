"""The grades summary (`models.GradeSummary`): the audits' figures read from it (how many, how
many scaled, their average overall scale, how many good and in each band) equal a recount
from the audits for every scope and filter, at a glance too; it stays equal to a rebuild as
audits are completed, reopened and discarded through the workflows; and periods it cannot
answer are counted from the audits."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.audit_tools.selectors import scaling_bands
from caseaudit.programme.due import add_months
from caseaudit.reports.models import GRADE_COLUMNS, GradeSummary, SummaryState
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors.family_voice import family_voice_figures
from caseaudit.reports.selectors.grades import audit_grades
from caseaudit.reports.selectors.headlines import findings_glance, good_floor, quality_glance
from caseaudit.reports.services import GRADES, summary_rebuild
from caseaudit.workflows import audits as workflows

from .test_summary_auditors import SCOPES, _complete, _filters, period
from .test_summary_auditors import made_up as made_up  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

KEY = ("month", "team_id", "case_type", "tool_id")


def summary_rows() -> list[tuple]:
    """The summary's rows that count something."""
    return sorted(
        GradeSummary.objects.filter(audits__gt=0).values_list(*KEY, "audits", *GRADE_COLUMNS)
    )


def figures(staff, filters: ReportFilters, today: dt.date) -> dict:
    """The audits' figures, the two glances' headlines (values now and before) and the
    family's voice by team (its audits counted by team)."""
    scope, bands = report_scope(staff.user), scaling_bands()
    grades = audit_grades(
        scope=scope, filters=filters, today=today, bands=bands, good_from=good_floor(bands=bands)
    )
    # Averages to 9 places: a sum divided in Python and an AVG in SQL may differ in the last bit.
    grades["average"] = None if grades["average"] is None else round(grades["average"], 9)
    glances = {
        name: [
            (h.key, h.value, h.previous)
            for h in glance(scope=scope, filters=filters, today=today).headlines
        ]
        for name, glance in (("quality", quality_glance), ("findings", findings_glance))
    }
    voice = family_voice_figures(scope=scope, filters=filters, today=today)
    voice["tables"] = [(t.key, t.rows) for t in voice["tables"]]  # the family's voice by team
    return {"grades": grades, **glances, "voice": voice}


def live(staff, filters: ReportFilters, today: dt.date) -> dict:
    """The same recounted from the audits: the summary marked not built for the while."""
    state = SummaryState.objects.get(name=GRADES)
    SummaryState.objects.filter(name=GRADES).delete()
    try:
        return figures(staff, filters, today)
    finally:
        state.save()


def test_the_figures_read_from_the_summary_equal_a_recount(org, history, made_up):
    today = timezone.localdate()
    summary_rebuild()
    assert GradeSummary.objects.filter(audits__gt=0).exists()
    for who, fields in SCOPES:
        staff, filters = getattr(org, who), _filters(org, today, fields)
        from_summary = figures(staff, filters, today)
        assert from_summary == live(staff, filters, today), (who, fields)
    everyone = figures(org.performance, period(today), today)
    grades = everyone["grades"]
    assert grades["audits"] > 0 and grades["scaled"] > 0 and grades["good"] > 0
    assert any(rows for _key, rows in everyone["voice"]["tables"])


def test_periods_the_summary_cannot_answer_are_counted_from_the_audits(org, history, made_up):
    today = timezone.localdate()
    summary_rebuild()
    GradeSummary.objects.update(audits=99, o7=99)  # wrong on purpose: it must not be read
    last_month = add_months(today.replace(day=1), -1)
    part = ReportFilters(start=last_month + dt.timedelta(days=1), end=today)
    assert figures(org.performance, part, today) == live(org.performance, part, today)
    whole = period(today)
    assert figures(org.performance, whole, today) != live(org.performance, whole, today)


def test_completing_reopening_and_moderating_keep_the_summary_equal_to_a_rebuild(
    org, history, made_up
):
    summary_rebuild()

    def check():
        kept = summary_rows()
        day = timezone.localdate()
        for who, fields in SCOPES[:3]:
            staff, filters = getattr(org, who), _filters(org, day, fields)
            assert figures(staff, filters, day) == live(staff, filters, day)
        summary_rebuild()
        assert summary_rows() == kept

    audit = _complete(org.case, org.tm)  # graded 7 (the audits tests' complete data)
    month = timezone.localdate().replace(day=1)
    row = GradeSummary.objects.get(
        month=month, team=org.north_a, case_type=org.case.case_type, tool=audit.tool_version.tool
    )
    assert row.audits >= 1 and row.o7 >= 1
    check()
    workflows.audit_reopen(audit=audit, by=org.csm_north.user, reason="Wrong case.")
    check()
    workflows.audit_complete(audit=audit, by=org.tm.user)
    check()
