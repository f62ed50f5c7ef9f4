"""Word documents (python-docx) the apps make of their published reports: the same marking,
font and tables in each."""

import io
from typing import Any

from django.conf import settings

# The Government Security Classification marking on every file made of case records.
MARKING = "OFFICIAL-SENSITIVE"


def word_document(*, title: str) -> Any:
    """A new document: Arial 11, the authority's name and the marking in the page header,
    `title` in its properties."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    header = document.sections[0].header.paragraphs[0]
    header.text = f"{settings.AUTHORITY_NAME} · {MARKING}"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.core_properties.title = title
    document.core_properties.author = settings.AUTHORITY_NAME
    return document


def word_table(document: Any, header: list[str] | None, rows: list[list[Any]]) -> None:
    """A table with a bold header row (none when `header` is None: label and value rows)."""
    columns = len(header) if header else len(rows[0])
    table = document.add_table(rows=1 if header else 0, cols=columns)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells if header else [], header or [], strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def word_bytes(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
