"""Reports as files: each table as CSV, a report's tables as a spreadsheet (a sheet per table),
the findings report as a PDF.

No cell of a CSV file or spreadsheet can be read as a formula: `safe_cell` puts a single quote
before any text that starts with =, +, -, @, a tab or a carriage return (OWASP's advice on CSV
injection), so an auditor's words such as "=HYPERLINK(...)" or "-2 visits" stay text.
"""

import csv
import datetime as dt
import io
import re

from django.conf import settings
from django.template.loader import render_to_string

from caseaudit.core.pdf import html_to_pdf

from .tables import DATE, MONTH, PERCENT, Table, plain

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {DATE: "d mmm yyyy", MONTH: "mmm yyyy", PERCENT: "0.0"}


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


SHEET_NAME_MAX = 31  # Excel's limit on a sheet name
# Excel refuses a sheet named "History" (it keeps one of its own for tracked changes).
SHEET_RESERVED = {"history"}
SHEET_DANGLING = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to"}
SHEET_TRAILING = " ,;-–—(&"


def _words_within(text: str, limit: int) -> str:
    """The longest run of `text`'s first words that fits in `limit` characters, without
    trailing punctuation or a dangling "(" or "&". A first word longer than the limit is the
    one case cut inside a word (there is no word boundary to cut at)."""
    if len(text) <= limit:
        return text
    words, kept = text.split(" "), ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) > limit:
            break
        kept = candidate
    # A cut name does not end on a little word ("Open cases not audited in the").
    while " " in kept and kept.rsplit(" ", 1)[1].lower() in SHEET_DANGLING:
        kept = kept.rsplit(" ", 1)[0]
    # No name may end with an apostrophe either (Excel's rule).
    return kept.rstrip(SHEET_TRAILING + "'") or text[:limit].rstrip(" '")


def sheet_name(title: str, *, used: set[str]) -> str:
    """A spreadsheet sheet name for `title`: Excel's forbidden characters []:*?/\\ removed,
    at most 31 characters cut at a word boundary (never mid-word), unique within the
    workbook (case-insensitively, as Excel compares them: `used` holds the lower-cased names
    taken so far, and gets this one), " (2)", " (3)"... added to a repeat."""
    cleaned = " ".join(SHEET_UNSAFE.sub(" ", title).split()).strip(" '") or "Sheet"
    base = _words_within(cleaned, SHEET_NAME_MAX)
    name, n = base, 2
    while name.lower() in used or name.lower() in SHEET_RESERVED:
        suffix = f" ({n})"
        name, n = _words_within(cleaned, SHEET_NAME_MAX - len(suffix)) + suffix, n + 1
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
        ws = book.create_sheet(sheet_name(table.title, used=used))
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
    numbers) with the same SVG charts as the page, tagged for screen readers (PDF/UA)."""
    html = render_to_string(
        "reports/findings_print.html", {"authority_name": settings.AUTHORITY_NAME, **context}
    )
    return html_to_pdf(html, what="findings PDF")
