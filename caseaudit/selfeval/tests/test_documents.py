"""A published pack's files: the Word document (opened with python-docx) has the three
parts' headings, the authors' narrative, tables and the charts as pictures; the PDF is a PDF
whose text (pdftotext) shows the headings and the narrative."""

import io
import shutil
import subprocess

import pytest
from docx import Document

from caseaudit.selfeval import services
from caseaudit.selfeval.documents import chart_png, pack_docx, pack_pdf
from caseaudit.selfeval.models import PARTS

from .conftest import draft_pack

pytestmark = pytest.mark.django_db

NARRATIVE = {
    "know": "Direct work with children is strong; chronologies lag behind.",
    "how": "Every open case is audited once a year and a tenth of audits are moderated.",
    "doing": "A chronology clinic in every team by March.",
}


def _written_and_published(org):
    pack = draft_pack(org)
    pack = services.pack_save(
        pack=pack,
        by=org.performance.user,
        revision=pack.revision,
        title=pack.title,
        narrative=NARRATIVE,
    )
    pack = services.pack_send_for_review(pack=pack, by=org.performance.user, reviewer=org.director)
    pack = services.pack_review(pack=pack, by=org.director.user, approve=True, comment="")
    return services.pack_publish(pack=pack, by=org.performance.user)


def test_the_word_document_has_the_parts_narrative_tables_and_charts(org, audits):
    pack = _written_and_published(org)
    document = Document(io.BytesIO(pack_docx(pack=pack, user=org.performance.user)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for number, (_key, heading) in enumerate(PARTS, start=1):
        assert f"{number}. {heading}" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    for words in NARRATIVE.values():
        assert words in text
    assert "Source: 4 audits completed" in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Inadequate (0–2)" in cells and "Audits completed" in cells
    assert len(document.inline_shapes) == 3  # the grades, the trend, the themes
    assert document.core_properties.title == pack.title


def test_the_pdf_shows_the_headings_and_the_narrative(org, audits):
    pack = _written_and_published(org)
    content = pack_pdf(pack=pack, user=org.performance.user)
    assert content.startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(  # noqa: S603 - poppler's pdftotext, fixed arguments
        [pdftotext, "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    for _key, heading in PARTS:
        assert heading in flat
    assert NARRATIVE["doing"] in flat
    assert "Audits by band of their overall grade" in flat


def test_a_chart_becomes_a_png():
    from caseaudit.reports.charts import Series, bar_chart

    png = chart_png(
        bar_chart(
            chart_id="c", title="T", description="D", categories=["a"], series=[Series("s", [1])]
        )
    )
    assert png.startswith(b"\x89PNG")
