"""A published self-evaluation pack as files: a tagged PDF (`caseaudit.core.pdf.html_to_pdf`,
from its print template) and a Word document (python-docx) to paste into board papers, each
with the pack's charts (in the Word document, the same SVG as a PNG, by cairosvg). Both are
made from the pack's stored figures, so they show the published version whatever has
happened since."""

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from caseaudit.core.pdf import html_to_pdf
from caseaudit.core.typing import Actor
from caseaudit.core.word import MARKING, word_bytes, word_document, word_table
from caseaudit.improvement.templatetags.improvement_tags import paragraphs
from caseaudit.organisation.selectors import person_name

from .charts import pack_charts
from .models import PARTS, SelfEvaluationPack

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHART_WIDTH_PX = 1520  # twice the SVG's width: sharp when printed


def filename(pack: SelfEvaluationPack, suffix: str) -> str:
    when = timezone.localdate(pack.published_at).isoformat() if pack.published_at else "draft"
    return f"self-evaluation-{pack.pk}-{when}{suffix}"


def _context(pack: SelfEvaluationPack, user: Actor) -> dict[str, Any]:
    figures = pack.figures or {}
    return {
        "pack": pack,
        "snap": figures,
        "charts": pack_charts(figures),
        "parts": [(key, heading, pack.narrative(key)) for key, heading in PARTS],
        "authority_name": settings.AUTHORITY_NAME,
        "published_on": timezone.localdate(pack.published_at) if pack.published_at else None,
        "produced": timezone.localtime(),
        "produced_by": person_name(user),
        "marking": MARKING,
        "pdf": True,
    }


def pack_pdf(*, pack: SelfEvaluationPack, user: Actor) -> bytes:
    html = render_to_string("selfeval/pack_print.html", _context(pack, user))
    return html_to_pdf(html, what="self-evaluation PDF")


def chart_png(svg: str) -> bytes:
    """An SVG chart as a PNG for the Word document."""
    # Late: only the Word document needs cairo. cairosvg ships no type information.
    import cairosvg  # type: ignore[import-untyped]

    png = cairosvg.svg2png(
        bytestring=svg.encode(), output_width=CHART_WIDTH_PX, background_color="white"
    )
    if not isinstance(png, bytes):  # svg2png returns bytes when given no file to write
        raise TypeError("cairosvg returned no PNG")
    return png


def _day(value: str) -> str:
    """A date stored in the snapshot as ISO text, as the documents write dates."""
    try:
        return f"{dt.date.fromisoformat(value):%-d %b %Y}"
    except (TypeError, ValueError):
        return value


def _num(value: Any, suffix: str = "") -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}{suffix}"
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    return f"{value}{suffix}"


class _Writer:
    """The Word document being written: headings, paragraphs, tables and charts."""

    def __init__(self, pack: SelfEvaluationPack) -> None:
        from docx.shared import Cm

        self.document = word_document(title=pack.title)
        self.width = Cm(16)

    def heading(self, text: str, level: int) -> None:
        self.document.add_heading(text, level=level)

    def para(self, text: str, style: str | None = None) -> None:
        self.document.add_paragraph(text, style=style)

    def table(self, header: list[str] | None, rows: list[list[Any]]) -> None:
        if rows:
            word_table(self.document, header, rows)

    def chart(self, svg: str, title: str) -> None:
        self.document.add_picture(io.BytesIO(chart_png(svg)), width=self.width)
        # The picture's alternative text: the chart's own title (its figures follow).
        drawing = self.document.paragraphs[-1].runs[-1]._r.xpath(".//wp:docPr")
        if drawing:
            drawing[0].set("descr", title)

    def save(self) -> bytes:
        return word_bytes(self.document)


def pack_docx(*, pack: SelfEvaluationPack, user: Actor) -> bytes:
    """The published pack as a Word document: about, the comparison with the last pack, then
    the three parts, each its narrative, figures, tables and charts."""
    context = _context(pack, user)
    snap, charts = context["snap"], context["charts"]
    w = _Writer(pack)
    w.heading(pack.title, 0)
    published = context["published_on"]
    w.table(
        None,
        [
            [k, v]
            for k, v in (
                ("Scope", pack.scope_label),
                ("Period", pack.period_label),
                ("Published", f"{published:%-d %B %Y}" if published else "Not published"),
                ("Prepared by", pack.author.name),
                ("Approved by", pack.reviewer.name if pack.reviewer else ""),
                ("Marking", MARKING),
            )
            if v
        ],
    )
    w.para(str(snap.get("source", "")) + ".")
    comparison = snap.get("comparison")
    if comparison:
        w.heading("Since the last self-evaluation", 1)
        w.para(f"Compared with “{comparison['title']}” ({comparison['period_label']}).")
        w.table(
            ["Figure", "This pack", "Previous", "Change"],
            [
                [
                    r["label"],
                    _num(r["current"]),
                    _num(r["previous"]),
                    "–"
                    if r["change"] is None
                    else f"{r['change']:+g}" + (" pp" if r["unit"] == "pp" else ""),
                ]
                for r in comparison["rows"]
            ],
        )
    writers = {"know": _know, "how": _how, "doing": _doing}
    for number, (key, heading, text) in enumerate(context["parts"], start=1):
        w.heading(f"{number}. {heading}", 1)
        for paragraph in paragraphs(text):
            w.para(" ".join(paragraph.split()))
        writers[key](w, snap, charts)
    footer = w.document.sections[0].footer.paragraphs[0]
    footer.text = f"{pack.title} · published {published:%-d %B %Y}" if published else pack.title
    return w.save()


def _know(w: _Writer, snap: dict[str, Any], charts: dict[str, Any]) -> None:
    k = snap.get("know", {})
    w.heading("Overall grades", 2)
    w.table(
        ["Figure", "Value"],
        [
            ["Audits completed", f"{_num(k.get('audits'))} of {_num(k.get('cases'))} cases"],
            ["Average overall grade (0–10)", _num(k.get("average"))],
            ["Grades changed by moderation", _num(k.get("grades_changed"))],
        ],
    )
    w.chart(charts["bands"], "Audits by overall grade")
    w.table(
        ["Band", "Audits", "%"],
        [[f"{b['name']} ({b['range']})", _num(b["audits"]), _num(b["share"])] for b in k["bands"]],
    )
    w.heading("The trend", 2)
    w.chart(charts["trend"], "Overall grades month by month")
    w.heading("Strongest and weakest themes", 2)
    if k.get("themes"):
        w.para(
            "Strongest: "
            + ", ".join(k["strongest"])
            + "."
            + (" Weakest: " + ", ".join(k["weakest"]) + "." if k["weakest"] else "")
        )
        w.chart(charts["themes"], "Average scale by theme, strongest first")
        w.table(
            ["Theme", "Sections", "Average", "Working well", "Worried about"],
            [
                [
                    t["theme"],
                    _num(t["n"]),
                    _num(t["average"]),
                    "\n".join(f"“{x}”" for x in t["working_well"]),
                    "\n".join(f"“{x}”" for x in t["worries"]),
                ]
                for t in k["themes"]
            ],
        )
    good = k.get("good_practice", {})
    w.heading("Good practice", 2)
    w.para(
        f"Auditors recorded good practice in {_num(good.get('recorded', 0))} of the period's "
        f"audits; {_num(good.get('put_forward'))} examples put forward to share, "
        f"{_num(good.get('shared'))} shared in the good-practice library."
    )
    for item in good.get("items", []):
        w.para(f"{item['title']} ({item['theme']}): {item['text']}", style="List Bullet")
    family, urgent = k.get("family", {}), k.get("urgent", {})
    w.heading("What families tell us and urgent findings", 2)
    w.table(
        ["Figure", "Value"],
        [
            ["Family feedback requests sent", _num(family.get("sent"))],
            ["Answered", _num(family.get("answered"))],
            ["Response rate", _num(family.get("rate"), "%")],
            ["The family's own scale (average, 0–10)", _num(family.get("average"))],
            ["Urgent findings raised", _num(urgent.get("raised"))],
            ["Acknowledged within 24 hours", _num(urgent.get("within_day"), "%")],
            ["Median hours to acknowledge", _num(urgent.get("median_hours"))],
        ],
    )


def _how(w: _Writer, snap: dict[str, Any], charts: dict[str, Any]) -> None:
    h = snap.get("how", {})
    p, c, m, pr = h["programme"], h["coverage"], h["moderation"], h["practitioners"]
    w.heading("Audits done, coverage, moderation and involvement", 2)
    w.table(
        ["Figure", "Value"],
        [
            ["Programme audits done", f"{_num(p['done'])} of {_num(p['expected'])}"],
            ["Programme completion", _num(p["completion"], "%")],
            ["Other audits done", _num(p["other"])],
            [
                "Open cases audited in the last 12 months",
                f"{_num(c['audited'])} of {_num(c['open'])}",
            ],
            ["Coverage", _num(c["coverage"], "%")],
            ["Audits moderated", _num(m["moderated"])],
            ["Sections within one point", _num(m["within_one"], "%")],
            ["Exact agreement", _num(m["exact_agreement"], "%")],
            ["Overall grades changed by moderation", _num(m["grades_changed_count"])],
            ["QA responses asked for", _num(pr["responses"])],
            ["QA responses on time", _num(pr["on_time"], "%")],
            ["Practitioner's reflection written", _num(pr["reflected_pct"], "%")],
        ],
    )
    auditors = h["auditors"]
    w.heading("Who audits", 2)
    w.para(
        f"{_num(auditors['independent'])} of {_num(auditors['total'])} audits "
        f"({_num(auditors['independent_pct'], '%')}) were done by someone from outside the "
        "case's team."
    )
    w.table(
        ["Auditor's role", "Audits", "%", "From outside the case's team"],
        [
            [r["role"], _num(r["audits"]), _num(r["share"]), _num(r["independent"])]
            for r in auditors["rows"]
        ],
    )


def _doing(w: _Writer, snap: dict[str, Any], charts: dict[str, Any]) -> None:
    d = snap.get("doing", {})
    a, f = d["actions"], d["followups"]
    w.heading("Improvement actions", 2)
    w.para(
        f"{_num(a['total'])} actions from the published findings reports: "
        f"{_num(a['completed'])} completed, {_num(a['in_progress'])} in progress, "
        f"{_num(a['not_started'])} not started, {_num(a['overdue'])} overdue."
    )
    w.table(
        ["Action", "Owner", "Due", "Status"],
        [
            [
                r["text"],
                r["owner"],
                _day(r["due_on"]),
                r["status"] + (" (overdue)" if r["overdue"] else ""),
            ]
            for r in a["rows"]
        ],
    )
    w.heading("Follow-up audits and the distance travelled", 2)
    travelled = f["travelled"]
    w.para(
        f"{_num(f['done'])} follow-up audits done, {_num(f['scheduled'])} scheduled."
        + (
            f" Their average overall grade moved from {_num(travelled['first'])} to "
            f"{_num(travelled['then'])}."
            if travelled.get("followups")
            else ""
        )
    )
    w.heading("Next thematic audits", 2)
    coming = d["campaigns"]["coming"]
    if coming:
        w.table(
            ["Theme", "Purpose", "Dates", "Cases", "Status"],
            [
                [
                    c["name"],
                    c["purpose"],
                    f"{_day(c['starts_on'])} to {_day(c['ends_on'])}",
                    c["sample_size"],
                    c["phase"],
                ]
                for c in coming
            ],
        )
    else:
        w.para("None planned yet.")
