"""The home page's figures and counts in one query (`selectors.dashboard_with_counts`)."""

import datetime as dt

import pytest

from caseaudit.cases.models import Case, CaseType
from caseaudit.cases.selectors import case_list
from caseaudit.factories import CaseFactory, UserFactory
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.reports import selectors

from .conftest import moment
from .test_selectors import coverage_cases, programme, responses  # noqa: F401  (fixtures)

TODAY = dt.date(2026, 6, 15)


@pytest.mark.usefixtures("responses", "programme", "coverage_cases")
def test_figures_and_extra_counts_in_one_query(org, history, django_assert_num_queries):
    history.finding(history.audit(case=org.case, auditor=org.tm_b, on=TODAY), raised=moment(TODAY))
    CaseFactory(team=org.north_a, allocated_worker=org.worker, closed_on=TODAY)
    for staff in (org.performance, org.tm):
        user = staff.user
        extra = {
            "visible_open": case_list(user=user),
            "cp": Case.objects.filter(case_type=CaseType.CP),
            "nothing": Case.objects.none(),
        }
        expected = {name: qs.count() for name, qs in extra.items()}
        figures = selectors.dashboard_figures(user=user, today=TODAY)
        user = type(user).objects.get(pk=user.pk)  # as a new request: nothing cached
        staff_for_user(user)  # the request's staff record, loaded before the page's queries
        with django_assert_num_queries(1):
            together, counts = selectors.dashboard_with_counts(
                user=user, today=TODAY, also_count=extra
            )
        assert counts == expected
        assert [(f.key, f.value, f.detail) for f in together] == [
            (f.key, f.value, f.detail) for f in figures
        ]
    assert counts["visible_open"] > 0 and counts["nothing"] == 0


@pytest.mark.usefixtures("responses")
def test_a_practitioners_counts_with_and_without_their_responses(org):
    user = org.worker.user
    figures, counts = selectors.dashboard_with_counts(
        user=user, today=TODAY, also_count={"visible_open": case_list(user=user)}
    )
    assert counts == {"visible_open": case_list(user=user).count()}
    assert figures == selectors.dashboard_figures(user=user, today=TODAY)
    assert [f.key for f in figures] == ["responses-due", "responses-overdue"]


def test_no_staff_record_no_query(db, django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):  # only the user's staff record, which there is not
        figures, counts = selectors.dashboard_with_counts(
            user=user, also_count={"visible_open": case_list(user=user)}
        )
    assert figures == [] and counts == {"visible_open": 0}
