"""Small parts: formula-safe cells, excerpts without names, periods, the filter form, scope."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from caseaudit.reports.exports import safe_cell, table_csv, tables_xlsx
from caseaudit.reports.forms import ReportFilterForm
from caseaudit.reports.periods import months_between, period_range
from caseaudit.reports.policy import can_view_report
from caseaudit.reports.scope import report_scope
from caseaudit.reports.tables import NUMBER, Column, Link, Table
from caseaudit.reports.text import excerpt

DANGEROUS = ["=1+1", "+1", "-2 visits", "@SUM(A1)", "\tTab", "\rReturn", '=HYPERLINK("x")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_safe_cell_quotes_text_a_spreadsheet_would_run(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Plain", " =spaced", "", None, 7, -3, 2.5, dt.date(2026, 1, 1)])
def test_safe_cell_leaves_everything_else(value):
    assert safe_cell(value) == value


def test_safe_cell_uses_a_link_s_text():
    assert safe_cell(Link("=C1", "/cases/1/")) == "'=C1"


def _table():
    return Table(
        "t",
        "Words",
        [Column("text", "=Heading"), Column("n", "Count", NUMBER)],
        [[text, -1] for text in DANGEROUS] + [[Link("C1", "/cases/1/"), None]],
    )


def test_csv_neutralises_every_cell_and_keeps_numbers():
    rows = list(csv.reader(io.StringIO(table_csv(_table()), newline="")))
    assert rows[0] == ["'=Heading", "Count"]
    assert [r[0] for r in rows[1:-1]] == ["'" + t for t in DANGEROUS]
    assert rows[1][1] == "-1"  # a number, not text
    assert rows[-1] == ["C1", ""]


def test_xlsx_neutralises_every_cell_and_keeps_numbers():
    content = tables_xlsx([_table()], title="=Title", about=[("Scope", "@everyone")])
    book = load_workbook(io.BytesIO(content))
    about, words = book["About"], book["Words"]
    assert about["A1"].value == "'=Title" and about["B2"].value == "'@everyone"
    # (an XML reader may give a carriage return back as a line feed: openpyxl's versions differ)
    assert [
        words.cell(row=r, column=1).value.replace("\r", "\n") for r in range(2, 2 + len(DANGEROUS))
    ] == ["'" + t.replace("\r", "\n") for t in DANGEROUS]
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
    assert words["B2"].value == -1 and words["B2"].data_type == "n"


def test_excerpt_removes_the_case_name_and_shortens():
    text = "Jane  Doe told me.\nJANE was happy; Doe family agreed. Janet is a different name."
    assert excerpt(text, display_name="Jane Doe") == (
        "[name] told me. [name] was happy; [name] family agreed. Janet is a different name."
    )
    long = excerpt("word " * 100, length=50)
    assert len(long) <= 50 and long.endswith("…")


def test_periods():
    today = dt.date(2026, 5, 20)
    assert period_range("12m", today) == (dt.date(2025, 6, 1), today)
    assert period_range("this_quarter", today) == (dt.date(2026, 4, 1), today)
    assert period_range("last_quarter", today) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert period_range("last_quarter", dt.date(2026, 2, 1)) == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
    )
    assert period_range("this_year", today) == (dt.date(2026, 1, 1), today)
    assert len(months_between(*period_range("12m", today))) == 12


def test_filter_form_quick_pick_wins_over_dates_left_in_the_form(org):
    scope = report_scope(org.performance.user)
    today = dt.date(2026, 5, 20)
    form = ReportFilterForm(
        {"period": "last_quarter", "start": "2020-01-01", "end": "2020-02-01"},
        scope=scope,
        today=today,
    )
    filters = form.filters()
    assert (filters.start, filters.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert filters.params == {"period": "last_quarter"}
    dates_only = ReportFilterForm(
        {"start": "2026-02-01", "end": "2026-02-28"}, scope=scope, today=today
    )
    assert dates_only.filters().period == "custom"
    too_long = ReportFilterForm(
        {"period": "custom", "start": "2010-01-01", "end": "2026-01-01"}, scope=scope, today=today
    )
    assert not too_long.is_valid()
    assert too_long.filters().start == dt.date(2025, 6, 1)  # the default: the last 12 months


@pytest.mark.parametrize(
    "who,allowed,wide",
    [
        ("worker", False, False),
        ("colleague", False, False),
        ("outsider", False, False),
        ("iro", False, False),
        ("cp_chair", False, False),
        ("business_support", True, False),
        ("ps1", True, False),
        ("tm", True, False),
        ("csm_north", True, False),
        ("director", True, True),
        ("performance", True, True),
    ],
)
def test_who_has_reports(org, who, allowed, wide):
    scope = report_scope(getattr(org, who).user)
    assert (scope is not None) == allowed
    if scope:
        assert scope.authority_wide == wide
        # Business Support: the activity reports only; everyone else every report.
        activity_only = who == "business_support"
        expected = {"compliance", "responses"} | (
            set() if activity_only else {"quality", "findings"}
        )
        assert scope.reports == expected
        for report in ("compliance", "responses", "quality", "findings"):
            assert can_view_report(getattr(org, who).user, report) is (report in expected)


@pytest.mark.parametrize(
    "who,cases",
    [
        ("ps1", {"case"}),
        ("tm", {"case", "colleague_case"}),
        ("business_support", {"case", "colleague_case"}),
        ("csm_north", {"case", "colleague_case", "case_b"}),
        ("performance", {"case", "colleague_case", "case_b", "south_case"}),
    ],
)
def test_report_cases_are_the_role_s_own(org, who, cases):
    scope = report_scope(getattr(org, who).user)
    assert set(scope.cases()) == {getattr(org, name) for name in cases}


def test_report_rows_escape_every_cell_and_mark_the_row_header():
    from caseaudit.reports.templatetags.reports_tags import report_rows

    table = Table(
        "t",
        "T",
        [Column("team", "Team"), Column("case", "Case"), Column("n", "Count", NUMBER)],
        [
            ["<script>alert(1)</script>", Link("C&1", "/cases/1/"), 1234],
            ["North", Link("C2", ""), None],
        ],
    )
    html = str(report_rows(table))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<th scope="row" class="govuk-table__header govuk-!-font-weight-regular">' in html
    assert '<a class="govuk-link" href="/cases/1/">C&amp;1</a>' in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1,234</td>' in html
    assert '<span class="govuk-visually-hidden">no data</span>' in html
    assert html.count('<tr class="govuk-table__row">') == 2
