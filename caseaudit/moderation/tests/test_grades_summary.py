"""A completed moderation that changes the audit's final grade moves it between the points of
the reports' grades summary (`workflows.moderation`), through the page and the API alike:
the summary stays equal to a rebuild from the audits."""

import datetime as dt

import pytest
from django.urls import reverse

from caseaudit.reports.models import GRADE_COLUMNS, GradeSummary, SummaryState
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors.grades import grades_changed_count
from caseaudit.reports.services import GRADES, summary_rebuild
from caseaudit.workflows import audits as workflows

from .test_flow import MONTH
from .test_flow import sampled as sampled  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def grades() -> list[tuple]:
    return sorted(
        GradeSummary.objects.filter(audits__gt=0).values_list(
            "month", "team_id", "case_type", "tool_id", "audits", *GRADE_COLUMNS, "regraded"
        )
    )


def changed(org) -> tuple[int, int]:
    """Grades changed by moderation in October and November, from the summary and recounted
    from the moderations (the summary marked not built for the while)."""
    scope = report_scope(org.performance.user)
    filters = ReportFilters(start=MONTH, end=dt.date(2026, 11, 30))
    today = dt.date(2026, 12, 4)
    from_summary = grades_changed_count(scope=scope, filters=filters, today=today)
    state = SummaryState.objects.get(name=GRADES)
    state.delete()
    try:
        return from_summary, grades_changed_count(scope=scope, filters=filters, today=today)
    finally:
        state.save()


def _compare_and_complete(client, url, moderation, scaled, *, overall: str, scale: str):
    data = {"revision": moderation.revision, "overall_scale": overall, "action": "compare"}
    data |= {f"scale-{s.pk}": scale for s in scaled}
    assert client.post(url, data).status_code == 302
    moderation.refresh_from_db()
    done = {
        "revision": moderation.revision,
        "overall_rationale": "Less sure.",
        "action": "complete",
    }
    assert client.post(url, done).status_code == 302
    moderation.refresh_from_db()
    assert moderation.is_completed


def test_a_moderated_grade_moves_the_audit_in_the_summary(org, audits, sampled, login):
    audit, moderation = sampled  # graded 8 by the Director in October
    summary_rebuild()
    row = GradeSummary.objects.get(month=MONTH, team=org.north_a, case_type=org.case.case_type)
    assert (row.audits, row.o8, row.o6) == (1, 1, 0)

    url = reverse("moderation_detail", args=[moderation.pk])
    _compare_and_complete(
        login(org.performance), url, moderation, audits.scaled, overall="6", scale="8"
    )
    audit.refresh_from_db()
    assert audit.overall_scale == 6
    row.refresh_from_db()
    assert (row.audits, row.o8, row.o6, row.regraded) == (1, 0, 1, 1)
    assert changed(org) == (1, 1)
    kept = grades()
    summary_rebuild()
    assert grades() == kept

    # Reopened, the audit and its changed grade are counted out.
    workflows.audit_reopen(audit=audit, by=org.csm_north.user, reason="Wrong case.")
    assert changed(org) == (0, 0)
    kept = grades()
    assert not kept
    summary_rebuild()
    assert grades() == kept


def test_the_same_grade_leaves_the_summary_alone(org, audits, sampled, login):
    _audit, moderation = sampled
    summary_rebuild()
    kept = grades()
    url = reverse("moderation_detail", args=[moderation.pk])
    _compare_and_complete(
        login(org.performance), url, moderation, audits.scaled, overall="8", scale="8"
    )
    assert grades() == kept
