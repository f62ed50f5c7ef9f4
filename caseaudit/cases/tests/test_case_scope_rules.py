"""The case scope is written in one place (`cases.selectors._staff_scope` and
`_own_work_scope`): no app widens it at start-up, and the other apps' status values it tests
still agree with theirs (it imports none of them: docs/CONVENTIONS.md, "Layers")."""

from caseaudit.cases import selectors
from caseaudit.programme.choices import AllocationStatus, MonthStatus
from caseaudit.responses.models import OUTSTANDING


def test_the_widening_rules_use_the_other_apps_status_values():
    assert selectors.PROGRAMME_CONFIRMED == MonthStatus.CONFIRMED
    assert selectors.ALLOCATION_CANCELLED == AllocationStatus.CANCELLED
    assert set(selectors.RESPONSE_OUTSTANDING) == set(OUTSTANDING)


def test_no_app_can_widen_the_scope_at_start_up():
    assert not hasattr(selectors, "register_scope_extension")
    assert not hasattr(selectors, "_scope_extensions")


def test_the_widening_adds_no_join_that_could_repeat_a_case(org):
    """Each widening rule is an `IN (subquery)` on one table: the outer query reads cases only
    (a join to audits, allocations or responses would list a case once per row)."""
    sql = str(selectors.case_visible_qs(org.worker.user).query)
    outer = sql.split(" WHERE ", 1)[0]
    assert "JOIN" not in outer
    for table in ("audits_audit", "programme_allocation", "responses_qaresponse"):
        assert table in sql
