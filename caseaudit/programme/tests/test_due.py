import datetime as dt

from caseaudit.programme.due import add_months, month_end, next_due

D = dt.date


def test_annual_audit_due_twelve_months_after_opening_when_never_audited():
    due = next_due(opened_on=D(2025, 3, 14), last_audited_on=None, is_carer=False)
    assert (due.kind, due.due_on) == ("annual", D(2026, 3, 14))


def test_annual_audit_due_twelve_months_after_the_later_of_opening_and_last_audit():
    due = next_due(opened_on=D(2020, 1, 1), last_audited_on=D(2026, 2, 10), is_carer=False)
    assert due.due_on == D(2027, 2, 10)
    # An audit imported from before the case (re)opened does not count.
    due = next_due(opened_on=D(2026, 5, 1), last_audited_on=D(2025, 1, 1), is_carer=False)
    assert due.due_on == D(2027, 5, 1)


def test_carers_due_twelve_months_after_first_panel_then_annually():
    first = next_due(
        opened_on=D(2024, 1, 1), last_audited_on=None, is_carer=True, first_panel_on=D(2024, 6, 3)
    )
    assert (first.kind, first.due_on) == ("carers", D(2025, 6, 3))
    later = next_due(
        opened_on=D(2024, 1, 1),
        last_audited_on=D(2025, 6, 20),
        is_carer=True,
        first_panel_on=D(2024, 6, 3),
    )
    assert later.due_on == D(2026, 6, 20)


def test_month_arithmetic_clamps_to_month_end():
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 12, 15), -12) == D(2025, 12, 15)
    assert month_end(D(2026, 2, 1)) == D(2026, 2, 28)
