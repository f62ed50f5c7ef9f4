"""Cells, dates and files as the parsers read them."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from caseaudit.cases.models import Case
from caseaudit.imports.parsers import FileRefused, guess_case_format, parse_cases
from caseaudit.imports.parsers.common import BadDate, clean_text, parse_date
from caseaudit.imports.services import case_file_import

from .helpers import CASE_HEADER, case_row, csv_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("1/2/2024", dt.date(2024, 2, 1)),
        ("2024-02-01 00:00:00", dt.date(2024, 2, 1)),
        (" 01/02/2024 ", dt.date(2024, 2, 1)),
        (dt.datetime(2024, 2, 1, 0, 0), dt.date(2024, 2, 1)),  # noqa: DTZ001 - as openpyxl gives
        (45323, dt.date(2024, 2, 1)),  # an Excel serial number
        (45323.0, dt.date(2024, 2, 1)),
        ("", None),
        (None, None),
        ("#N/A", None),
    ],
)
def test_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/13/2024", "2024-02-30", "01-02-2024", "1/2/24", "soon", -5])
def test_bad_dates(value):
    with pytest.raises(BadDate, match="is not a date \\(use YYYY-MM-DD or DD/MM/YYYY\\)"):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Dustin\xa0Hazlett", "Dustin Hazlett"),
        ("  North   A ", "North A"),
        (12345.0, "12345"),
        (12345, "12345"),
        ("#N/A", ""),
        ("#REF!", ""),
        (None, ""),
    ],
)
def test_clean_text(value, expected):
    assert clean_text(value) == expected


def test_guess_format():
    assert guess_case_format(csv_bytes(CASE_HEADER, []), "cases.csv") == "csv"
    assert guess_case_format(b"CHILD,SEX,DOB\n", "header.csv") == "ssda903"
    with pytest.raises(FileRefused, match="cannot tell the format"):
        guess_case_format(b"something else", "cases.dat")


def test_case_template_as_a_workbook(org):
    wb = Workbook()
    ws = wb.active
    ws.append(CASE_HEADER)
    ws.append(
        [
            "X1",
            "child",
            "cin",
            "Ann",
            dt.date(2015, 1, 2),
            dt.date(2025, 1, 6),
            None,
            "North A",
            org.worker.staff_id,
            None,
            None,
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    parsed = parse_cases(out.getvalue(), file_name="cases.xlsx")
    assert parsed.source_format == "csv" and not parsed.errors
    assert parsed.rows[0].ref.sheet == "Sheet"
    assert case_file_import(file=out.getvalue(), file_name="cases.xlsx", by=None).created == 1
    case = Case.objects.get(reference="X1")
    assert case.opened_on == dt.date(2025, 1, 6) and case.allocated_worker == org.worker


def test_imported_cases_read_back_like_saved_ones(org):
    case_file_import(
        file=csv_bytes(CASE_HEADER, [case_row(case_id="R1")]), file_name="c.csv", by=None
    )
    case = Case.objects.get(reference="R1")
    assert case.created_at is not None and case.created_at == case.updated_at
    assert case.contact_name == "" and case.first_panel_on is None
    case.full_clean()
