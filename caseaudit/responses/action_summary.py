"""Keeping `models.ActionSummary` (the restorative actions of completed audits, counted for
the responses report) in step with the actions, in the caller's transaction.

- `action_summary_add_audit(audit, completed_at, sign)`: count a just-completed audit's
  actions in (+1), or a reopened one's out (-1) (`workflows.audits`, next to the reports'
  `summary_add_audit`).
- `action_summary_tracking(actions)`: around a change of some actions' state (resolved,
  agreed, reopened; a response submitted, returned or authorised), moves them from the rows
  they were counted in to the rows they are counted in now: a grouped count before and after
  (two queries) and one UPDATE per row whose count changed, never a query per action. The
  caller has locked the actions first (their rows, or the response for its audit's actions),
  so no other change of them falls between the two counts.
- `action_summary_rows()`: the table counted afresh, grouped in its column order, for the
  reports' `summary_rebuild` (an INSERT ... SELECT) and for the tests that compare the two.

The counts change whether or not the table is built (this app cannot read the reports'
`SummaryState`): the report reads the table only once a rebuild has marked it built and
current, and the rebuild recounts it whole. An audit's actions are counted under its case's
team and type as they are now; a case moved between teams (`cases.services.cases_regrouped`)
makes the table stale, as it does the reports' summaries.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Expression,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from caseaudit.audits.models import ActionStatus, Audit, AuditStatus, RestorativeAction
from caseaudit.core.counters import increment

from .models import NEVER_DUE, ActionSummary

# ActionSummary's key columns, in the order `action_summary_rows` selects them.
KEY_COLUMNS = ("month", "team_id", "case_type", "tool_id", "status", "agreed", "due_month")
COLUMNS = (*KEY_COLUMNS, "n")


def _completed_month() -> TruncMonth:
    """The month (its first day, in the authority's time zone) the action's audit was
    completed in."""
    return TruncMonth(
        "audit__completed_at", output_field=DateField(), tzinfo=timezone.get_current_timezone()
    )


def _grouped(actions: QuerySet[RestorativeAction], month: Expression) -> QuerySet[Any, Any]:
    """`actions` grouped as the summary counts them, in its column order (`COLUMNS`)."""
    return (
        actions.values(
            summary_month=month,
            summary_team=F("audit__case__team_id"),
            summary_case_type=F("audit__case__case_type"),
            summary_tool=F("audit__tool_version__tool_id"),
            summary_status=F("status"),
            summary_agreed=CaseWhen(
                When(manager_agreed_at__isnull=False, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            summary_due_month=CaseWhen(
                When(
                    Q(status=ActionStatus.OPEN, due_on__isnull=False),
                    # A date on every database (PostgreSQL truncates to a time stamp).
                    then=Cast(TruncMonth("due_on"), output_field=DateField()),
                ),
                default=Value(NEVER_DUE),
                output_field=DateField(),
            ),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def action_summary_rows() -> QuerySet[Any, Any]:
    """Every restorative action of a completed audit, grouped as `ActionSummary` counts them
    (the values named `summary_<column>` and `n`, in `COLUMNS` order), in month order."""
    actions = RestorativeAction.objects.filter(audit__status=AuditStatus.COMPLETED)
    # summary_month is the grouped query's own annotation, which the stubs cannot see.
    return _grouped(actions, _completed_month()).order_by("summary_month")  # type: ignore[misc]


def _counts(rows: QuerySet[Any, Any]) -> Counter[tuple[Any, ...]]:
    counts: Counter[tuple[Any, ...]] = Counter()
    for r in rows:
        key = tuple(r[f"summary_{c.removesuffix('_id')}"] for c in KEY_COLUMNS)
        # SQLite gives the CASE's boolean back as 0/1.
        counts[(*key[:5], bool(key[5]), key[6])] += r["n"]
    return counts


def _apply(change: Counter[tuple[Any, ...]], sign: int = 1) -> None:
    """Add each key's count (times `sign`) to its row, in key order: two transactions moving
    actions between the same rows lock them in the same order."""
    for key in sorted(k for k, v in change.items() if v):
        increment(
            ActionSummary, dict(zip(KEY_COLUMNS, key, strict=True)), {"n": sign * change[key]}
        )


def action_summary_add_audit(*, audit: Audit, completed_at: dt.datetime, sign: int) -> None:
    """Count the actions of an audit completed at `completed_at` in (sign=+1, just completed)
    or out (sign=-1, just reopened), under the month it was completed in. Two queries and an
    UPDATE per row (an audit's actions fall in one to three rows). The actions are locked
    first: a change of one of them running meanwhile (its audit was a draft when it looked)
    is then either counted here or waits and finds the audit completed."""
    month = timezone.localtime(completed_at).date().replace(day=1)
    actions = RestorativeAction.objects.filter(audit_id=audit.pk)
    list(actions.select_for_update().order_by("order", "id").values_list("pk"))
    rows = _grouped(actions, Value(month, output_field=DateField()))
    _apply(_counts(rows), sign)


@contextmanager
def action_summary_tracking(
    actions: QuerySet[RestorativeAction], *, lock: bool = True
) -> Iterator[None]:
    """Move `actions` (a filter that names the same actions before and after the block: by
    pk or audit, never by state) to the rows of their state after the block. Only actions of
    completed audits are counted. The actions are locked first (in the order the response's
    submission locks them), unless the caller has (`lock=False`)."""
    if lock:
        list(actions.select_for_update().order_by("order", "id").values_list("pk"))
    actions = actions.filter(audit__status=AuditStatus.COMPLETED)
    before = _counts(_grouped(actions, _completed_month()))
    yield
    after = _counts(_grouped(actions, _completed_month()))
    after.subtract(before)
    _apply(after)
