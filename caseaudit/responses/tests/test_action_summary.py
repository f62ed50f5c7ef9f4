"""The restorative actions' summary (`responses.action_summary`, `models.ActionSummary`):
equal to a fresh recount after every change the services make (audits completed and
reopened, responses submitted, returned and authorised, actions resolved, agreed and
reopened), and the responses report gives the same actions table from it as from the
actions themselves."""

import datetime as dt
from unittest import mock

import pytest

from caseaudit.audits.models import ActionStatus, RestorativeAction
from caseaudit.audits.tests.concurrency import load_shipped_tools, require_postgresql, run_together
from caseaudit.cases.models import CaseType
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.programme.due import add_months
from caseaudit.reports.models import SummaryState
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors import responses as responses_report_module
from caseaudit.reports.selectors.responses import _action_table, responses_report
from caseaudit.reports.services import ACTIONS, summary_rebuild
from caseaudit.responses import services
from caseaudit.responses.action_summary import KEY_COLUMNS, action_summary_rows
from caseaudit.responses.models import NEVER_DUE, ActionSummary, QAResponse
from caseaudit.workflows import audits as workflows

from .conftest import answers_for, at, clock

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 20)  # the report's day: some actions due before it, some after


def summary_now() -> list[tuple]:
    """The summary's rows that count something."""
    return sorted(r for r in ActionSummary.objects.values_list(*KEY_COLUMNS, "n") if r[-1] != 0)


def recount() -> list[tuple]:
    """The summary counted afresh from the actions, as the rebuild writes it."""
    names = [f"summary_{c.removesuffix('_id')}" for c in KEY_COLUMNS]
    return sorted(
        (*(r[n] for n in names[:5]), bool(r[names[5]]), r[names[6]], r["n"])
        for r in action_summary_rows()
    )


def action_figures(scope, filters, today) -> tuple:
    report = responses_report(scope=scope, filters=filters, today=today)
    table = next(t for t in report.tables if t.key == "actions-by-team")
    return table.rows, report.figures["actions"]


def report_cases(org, history_tool):
    start = add_months(TODAY.replace(day=1), -11)
    return [
        (org.performance, {}),
        (org.performance, {"team": org.north_a}),
        (org.performance, {"service": org.north, "case_type": CaseType.CIN}),
        (org.director, {"tool": history_tool}),
        (org.tm, {}),
        (org.csm_north, {}),
    ], start


def check(org, tool) -> dict:
    """The summary equals a recount, and every report below reads it (the state "actions"
    is built and current) and gives the same actions table as the live count. Returns the
    whole authority's totals on TODAY."""
    assert summary_now() == recount()
    cases, start = report_cases(org, tool)
    for today in (TODAY, TODAY.replace(day=1), dt.date(2027, 2, 3)):
        for staff, fields in cases:
            scope = report_scope(staff.user)
            filters = ReportFilters(start=start, end=today, **fields)
            assert responses_report_module._action_summary_answers_for(scope, filters, today)
            from_summary = action_figures(scope, filters, today)
            with mock.patch.object(
                responses_report_module, "_action_summary_answers_for", return_value=False
            ):
                live = action_figures(scope, filters, today)
            assert from_summary == live, (staff, fields, today)
    scope = report_scope(org.performance.user)
    return action_figures(scope, ReportFilters(start=start, end=TODAY), TODAY)[1]


@pytest.fixture
def three_audits(org, complete_audit):
    """The summary built while empty, then three audits completed through the services: the
    worker's case (four actions, one the Practice Supervisor owns), team B's case (two) and
    the south's case (one)."""
    summary_rebuild()
    a1 = complete_audit(
        at=at(2026, 11, 20),
        actions=[
            ("Overdue since December.", org.worker, dt.date(2026, 12, 10)),
            ("Overdue since 15 January.", org.worker, dt.date(2027, 1, 15)),
            ("Due later in January.", org.ps1, dt.date(2027, 1, 25)),
            ("Due in February.", org.worker, dt.date(2027, 2, 10)),
        ],
    )
    a2 = complete_audit(
        at=at(2026, 12, 2),
        case=org.case_b,
        actions=[
            ("Team B's first.", org.worker_b, dt.date(2026, 12, 20)),
            ("Team B's second.", org.worker_b, dt.date(2026, 12, 20)),
        ],
    )
    a3 = complete_audit(
        at=at(2026, 10, 5),
        case=org.south_case,
        auditor=org.director,
        actions=[("The south's.", org.outsider, dt.date(2026, 11, 1))],
    )
    return a1, a2, a3


def test_the_summary_follows_every_change_of_the_actions(org, three_audits, run, complete_audit):
    a1, a2, _a3 = three_audits
    tool = a1.tool_version.tool
    assert SummaryState.objects.filter(name=ACTIONS).exists()
    totals = check(org, tool)
    assert totals == {"actions": 7, "open": 7, "overdue": 5, "to_agree": 0, "closed": 0}
    # The rows kept: an open action due in a month, by that month.
    assert ActionSummary.objects.filter(due_month=dt.date(2027, 1, 1), n=2).exists()

    response = QAResponse.objects.select_related("case", "worker", "audit").get(audit=a1)
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    assert check(org, tool) == {"actions": 7, "open": 3, "overdue": 3, "to_agree": 4, "closed": 0}
    assert ActionSummary.objects.filter(status=ActionStatus.RESOLVED, due_month=NEVER_DUE).exists()

    run(services.response_return, response=response, by=org.ps1.user, reason="Say more.")
    assert check(org, tool)["open"] == 7

    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response, "Second try."),
    )
    check(org, tool)
    run(services.response_authorise, response=response, by=org.ps1.user)
    # Every action but the authoriser's own is agreed: closed.
    assert check(org, tool) == {"actions": 7, "open": 3, "overdue": 3, "to_agree": 1, "closed": 3}

    first, _second, supervisors, _fourth = a1.actions.order_by("order", "id")
    run(services.action_agree, action=supervisors, by=org.tm.user)
    assert check(org, tool)["closed"] == 4

    # A refused change leaves the summary as it was.
    with pytest.raises(TransitionConflict, match="already agreed"):
        services.action_reopen(action=first, by=org.tm.user, reason="Not yet.")
    check(org, tool)

    # Team B's audit reopened (its actions counted out), then completed again (in).

    workflows.audit_reopen(audit=a2, by=org.tm_b.user, reason="Scale to correct")
    assert check(org, tool)["actions"] == 5
    with clock(at(2026, 12, 4)):
        workflows.audit_complete(audit=a2, by=org.csm_north.user)
    assert check(org, tool)["actions"] == 7

    # A rebuild gives the same table.
    before = summary_now()
    summary_rebuild()
    assert summary_now() == before
    check(org, tool)


def test_a_reopened_action_moves_back_and_forth(org, complete_audit, run):
    """The supervisor's own action, left unagreed by the authorisation: reopened by the Team
    Manager, resolved again by its owner, then agreed."""
    summary_rebuild()
    audit = complete_audit(
        at=at(2026, 11, 20),
        actions=[
            ("The worker's.", org.worker, dt.date(2027, 1, 15)),
            ("The supervisor's.", org.ps1, dt.date(2026, 12, 15)),
        ],
    )
    tool = audit.tool_version.tool
    response = QAResponse.objects.select_related("case", "worker", "audit").get(audit=audit)
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    run(services.response_authorise, response=response, by=org.ps1.user)
    supervisors = RestorativeAction.objects.get(audit=audit, owner=org.ps1)
    assert check(org, tool)["to_agree"] == 1
    run(services.action_reopen, action=supervisors, by=org.tm.user, reason="Not on file.")
    assert check(org, tool) == {"actions": 2, "open": 1, "overdue": 1, "to_agree": 0, "closed": 1}
    run(
        services.action_resolve,
        action=supervisors,
        by=org.ps1.user,
        what_done="Supervision recorded.",
        done_on=dt.date(2026, 11, 25),
    )
    assert check(org, tool)["to_agree"] == 1
    run(services.action_agree, action=supervisors, by=org.tm.user)
    assert check(org, tool) == {"actions": 2, "open": 0, "overdue": 0, "to_agree": 0, "closed": 2}


def test_the_report_reads_the_summary_in_four_queries(org, three_audits, django_assert_num_queries):
    """The state, the summary's rows by team, the teams' names, and the open actions due
    earlier this month."""
    scope = report_scope(org.performance.user)
    filters = ReportFilters(start=add_months(TODAY.replace(day=1), -11), end=TODAY)
    with django_assert_num_queries(4):
        _table, totals = _action_table(scope, filters, TODAY)
    assert totals["overdue"] == 5
    # On the first of the month nothing is due earlier in it: three queries.
    first = TODAY.replace(day=1)
    with django_assert_num_queries(3):
        _action_table(scope, ReportFilters(start=filters.start, end=first), first)


def test_the_report_counts_the_actions_while_the_summary_is_not_built(org, three_audits):
    SummaryState.objects.filter(name=ACTIONS).delete()
    scope = report_scope(org.performance.user)
    filters = ReportFilters(start=add_months(TODAY.replace(day=1), -11), end=TODAY)
    assert not responses_report_module._action_summary_answers_for(scope, filters, TODAY)
    # A period that does not end on a month's last day (nor today) is counted live too.
    summary_rebuild()
    part = ReportFilters(start=filters.start, end=dt.date(2027, 1, 10))
    assert not responses_report_module._action_summary_answers_for(scope, part, TODAY)
    assert action_figures(scope, filters, TODAY)[1]["actions"] == 7


@pytest.mark.django_db(transaction=True)
def test_simultaneous_changes_and_a_rebuild_leave_the_summary_equal_to_a_recount(
    org, response_for, run
):
    """Two actions of one audit agreed and reopened at the same moment as a rebuild and
    another audit's completion (PostgreSQL: real row locks)."""
    require_postgresql()
    load_shipped_tools()
    summary_rebuild()
    response = response_for(
        at=at(2026, 11, 20),
        actions=[
            ("The worker's.", org.worker, dt.date(2027, 1, 15)),
            ("The supervisor's first.", org.ps1, dt.date(2026, 12, 15)),
            ("The supervisor's second.", org.ps1, dt.date(2027, 2, 15)),
        ],
    )
    run(
        services.response_submit,
        response=response,
        by=org.worker.user,
        action_answers=answers_for(response),
    )
    run(services.response_authorise, response=response, by=org.ps1.user)
    _mine, first, second = response.audit.actions.order_by("order", "id")

    results = run_together(
        [
            lambda: services.action_agree(action=first, by=org.tm.user),
            lambda: services.action_reopen(action=second, by=org.tm.user, reason="Not yet."),
            summary_rebuild,
            lambda: response_for(at=at(2026, 12, 1), case=org.case_b, actions=2),
        ]
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert summary_now() == recount()
    assert {(s.status, s.agreed) for s in ActionSummary.objects.filter(n__gt=0)} == {
        (ActionStatus.RESOLVED, True),
        (ActionStatus.OPEN, False),
    }
