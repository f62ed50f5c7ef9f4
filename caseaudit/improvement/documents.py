"""A published findings report as files: a PDF (WeasyPrint, from its own print template, as
the findings report's PDF is made) and a Word document (python-docx) councils can paste into
board papers. Both are made from the report's frozen figures, so they show the published
version whatever has happened since."""

import datetime as dt
import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from caseaudit.core.word import MARKING, word_bytes, word_document, word_table
from caseaudit.organisation.selectors import person_name

from .models import FindingsReport, ImprovementAction

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def filename(report: FindingsReport, suffix: str) -> str:
    published = timezone.localdate(report.published_at) if report.published_at else None
    when = published.isoformat() if published else "draft"
    return f"findings-report-{report.pk}-{when}{suffix}"


def _published_on(report: FindingsReport) -> dt.date | None:
    return timezone.localdate(report.published_at) if report.published_at else None


def _context(report: FindingsReport, actions: list[ImprovementAction], user) -> dict:
    return {
        "report": report,
        "snap": report.figures or {},
        "actions": actions,
        "authority_name": settings.AUTHORITY_NAME,
        "published_on": _published_on(report),
        "produced": timezone.localtime(),
        "produced_by": person_name(user),
        "marking": MARKING,
        "pdf": True,
    }


def report_pdf(*, report: FindingsReport, actions: list[ImprovementAction], user) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"The report PDF fetches no resources ({url[:40]})")

    html = render_to_string("improvement/report_print.html", _context(report, actions, user))
    return HTML(string=html, url_fetcher=NoFetching()).write_pdf()


def _figure(value, suffix: str = "") -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}{suffix}"
    return f"{value}{suffix}"


def report_docx(*, report: FindingsReport, actions: list[ImprovementAction], user) -> bytes:
    """The published report as a Word document: title, about, overview, figures, scaling by
    theme, the numbered recommendations with their owners and due dates, the previous report's
    actions, the auditors' words by theme and good practice."""
    context = _context(report, actions, user)
    snap = context["snap"]
    document = word_document(title=report.title)
    document.add_heading(report.title, level=0)
    about = [
        ("Scope", report.scope_label),
        ("Period", report.period_label),
        ("Published", f"{context['published_on']:%-d %B %Y}" if context["published_on"] else ""),
        ("Written by", report.author.name),
        ("Reviewed by", report.reviewer.name if report.reviewer_id else ""),
        ("Marking", MARKING),
    ]
    word_table(document, None, [[k, v] for k, v in about if v])
    document.add_heading("Overview", level=1)
    for paragraph in (report.overview or "").split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(" ".join(paragraph.split()))
    _docx_figures(document, snap)
    _docx_recommendations(document, snap, actions)
    _docx_words(document, snap)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = (
        f"{report.title} · published {context['published_on']:%-d %B %Y}"
        if context["published_on"]
        else report.title
    )
    return word_bytes(document)


def _docx_figures(document, snap: dict) -> None:
    figures = snap.get("figures", {})
    document.add_heading("The figures", level=1)
    rows = [
        ["Audits completed", _figure(figures.get("audits"))],
        ["Cases audited", _figure(figures.get("cases"))],
        ["Average overall scale (0–10)", _figure(figures.get("average"))],
        [
            "Programme: allocated audits done",
            f"{_figure(figures.get('programme_done'))} of "
            f"{_figure(figures.get('programme_expected'))}",
        ],
        ["Urgent findings raised", _figure(figures.get("urgent_raised"))],
    ]
    word_table(document, ["Figure", "Value"], rows)
    for table in snap.get("tables", []):
        if table["key"] not in ("overall-bands", "themes"):
            continue
        document.add_heading(table["title"], level=2)
        word_table(
            document,
            [c["label"] for c in table["columns"]],
            [[_figure(v) for v in row] for row in table["rows"]],
        )


def _docx_recommendations(document, snap: dict, actions: list[ImprovementAction]) -> None:
    document.add_heading("Recommendations", level=1)
    for action in actions:
        document.add_heading(f"{action.number}. {action.text}", level=2)
        document.add_paragraph(
            f"Owner: {action.owner.name}. Due by {action.due_on:%-d %B %Y}."
            + (f" Theme: {action.theme.name}." if action.theme_id else "")
        )
    previous = snap.get("previous")
    if previous:
        document.add_heading(f"Actions from the last report: {previous['title']}", level=1)
        word_table(
            document,
            ["No.", "Recommendation", "Owner", "Due", "Status when published"],
            [
                [a["number"], a["text"], a["owner"], a["due_on"], a["status_label"]]
                for a in previous["actions"]
            ],
        )


def _docx_words(document, snap: dict) -> None:
    """The auditors' words by theme, then good practice to share."""
    document.add_heading("What is working well and what we are worried about", level=1)
    document.add_paragraph(
        "The auditors' own words, shortened, with the child's or family's name replaced by [name]."
    )
    for theme in snap.get("themes", []):
        document.add_heading(theme["theme"], level=2)
        for label, items in (
            ("Working well", theme["working_well"]),
            ("Worried about", theme["worries"]),
        ):
            if items:
                document.add_paragraph(label, style="Heading 3")
                for item in items:
                    document.add_paragraph(
                        f"“{item['text']}” ({item['case']}, scaled {item['scale']})",
                        style="List Bullet",
                    )
    good = next((t for t in snap.get("tables", []) if t["key"] == "good-practice"), None)
    if good and good["rows"]:
        document.add_heading("Good practice to share", level=1)
        for row in good["rows"]:
            document.add_paragraph(f"{row[-1]} ({row[0]}, {row[2]})", style="List Bullet")
