"""Reports as files: each table as CSV, a report's tables as a spreadsheet (a sheet per table),
the findings report as a PDF.

No cell of a CSV file or spreadsheet can be read as a formula: `safe_cell` puts a single quote
before any text that starts with =, +, -, @, a tab or a carriage return (OWASP's advice on CSV
injection), so an auditor's words such as "=HYPERLINK(...)" or "-2 visits" stay text.
"""

import csv
import datetime as dt
import io
import logging
import re

from django.conf import settings
from django.template.loader import render_to_string

from .tables import DATE, MONTH, PERCENT, Table, plain

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {DATE: "d mmm yyyy", MONTH: "mmm yyyy", PERCENT: "0.0"}
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def safe_cell(value):
    """The cell as a file should hold it: text that a spreadsheet would take for a formula gets
    a leading single quote; numbers, dates and empty cells are left as they are."""
    value = plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value):
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()


def _sheet_title(title: str, used: set) -> str:
    base = SHEET_UNSAFE.sub(" ", title).strip()
    if len(base) > 31:  # Excel's limit: cut at a word
        base = base[:31].rsplit(" ", 1)[0]
    base = base or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def tables_xlsx(tables: list[Table], *, title: str, about: list[tuple[str, str]]) -> bytes:
    """A workbook: an "About" sheet (the report, its scope and filters), then a sheet per
    table with its header row frozen. Written in openpyxl's streaming (write-only) mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("About")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 80
    heading = WriteOnlyCell(sheet, value=safe_cell(title))
    heading.font = Font(bold=True, size=14)
    sheet.append([heading])
    for label, value in about:
        sheet.append([safe_cell(label), safe_cell(value)])
    used = {"about"}
    for table in tables:
        ws = book.create_sheet(_sheet_title(table.title, used))
        ws.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            sample = [len(str(plain(r[index - 1]) or "")) for r in table.rows[:200]]
            width = min(max(10, len(column.label) + 2, *(n + 2 for n in sample)), 80)
            ws.column_dimensions[get_column_letter(index)].width = width
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(ws, value=safe_cell(column.label))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        formats = [NUMBER_FORMATS.get(column.kind) for column in table.columns]
        for row in table.rows:
            cells = []
            for value, fmt in zip(row, formats, strict=True):
                value = safe_cell(value)
                if fmt and value is not None:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = fmt
                    cells.append(cell)
                else:
                    cells.append(value)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def findings_pdf(context: dict) -> bytes:
    """The findings report as a PDF, from its own print template (running header, page
    numbers) with the same SVG charts as the page. WeasyPrint fetches nothing."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"The findings PDF fetches no resources ({url[:40]})")

    html = render_to_string(
        "reports/findings_print.html", {"authority_name": settings.AUTHORITY_NAME, **context}
    )
    return HTML(string=html, url_fetcher=NoFetching()).write_pdf()
