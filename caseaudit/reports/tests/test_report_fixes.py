"""The report fixes a tester asked for: "this month" and "last month" periods, "teams behind"
defined (below 80% of the allocated audits due), the theme trend as small multiples on the
same axes, spreadsheet sheet names cut at a word, and PDFs tagged for screen readers."""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from caseaudit.core.pdf import PDFSourceError, html_to_pdf
from caseaudit.reports import charts, selectors
from caseaudit.reports.charts import Band, Series
from caseaudit.reports.exports import SHEET_NAME_MAX, SHEET_UNSAFE, sheet_name, tables_xlsx
from caseaudit.reports.forms import ReportFilterForm
from caseaudit.reports.periods import QUICK_PICKS, period_range
from caseaudit.reports.scope import ReportFilters, report_scope
from caseaudit.reports.selectors.compliance import BEHIND_BELOW, Tally
from caseaudit.reports.tables import Column, Table

from .test_selectors import TODAY, programme, rows_by_first  # noqa: F401  (fixture)

SVG = "{http://www.w3.org/2000/svg}"

# --- Periods ------------------------------------------------------------------------------


def test_this_month_and_last_month():
    assert period_range("this_month", dt.date(2026, 5, 20)) == (
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 20),
    )
    assert period_range("last_month", dt.date(2026, 5, 20)) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 30),
    )
    # January's last month is the December before; a leap February ends on the 29th.
    assert period_range("last_month", dt.date(2026, 1, 31)) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert period_range("last_month", dt.date(2028, 3, 1)) == (
        dt.date(2028, 2, 1),
        dt.date(2028, 2, 29),
    )
    assert period_range("this_month", dt.date(2026, 7, 1)) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 7, 1),
    )
    keys = [key for key, _label in QUICK_PICKS]
    assert keys.index("this_month") < keys.index("this_quarter")
    assert "last_month" in keys


def test_the_filter_form_takes_this_month(org):
    form = ReportFilterForm(
        {"period": "this_month"}, scope=report_scope(org.performance.user), today=TODAY
    )
    filters = form.filters()
    assert (filters.start, filters.end, filters.period) == (
        dt.date(2026, 6, 1),
        TODAY,
        "this_month",
    )
    assert filters.months == [dt.date(2026, 6, 1)]
    assert filters.params == {"period": "this_month"}


def test_report_page_offers_this_month_and_the_home_tile_links_to_it(org, login, county):
    client = login(org.tm)
    body = client.get(reverse("report_compliance") + "?period=this_month").content.decode()
    assert '<a class="govuk-link" href="?period=this_month" aria-current="true">' in body
    assert "?period=last_month" in body
    today = timezone.localdate()
    assert f"{today.replace(day=1):%-d %B %Y} to {today:%-d %B %Y}" in body
    home = client.get(reverse("home")).content.decode()
    # The tile is "Programme this month": it opens the report on this month.
    assert f"{reverse('report_compliance')}?period=this_month" in home
    assert "period=this_quarter" not in home


# --- Teams behind -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due,done,behind",
    [(10, 8, False), (10, 7, True), (5, 3, True), (1, 0, True), (0, 0, False)],
)
def test_behind_is_below_80_percent_of_the_audits_due(due, done, behind):
    assert BEHIND_BELOW == 80
    tally = Tally(expected=due + 3, done=done, expected_ended=due, done_ended=done)
    assert tally.behind is behind
    assert tally.status == ("Behind" if behind else "In progress")


def test_one_overdue_audit_of_many_is_not_behind():
    tally = Tally(expected=10, done=9, expected_ended=10, done_ended=9)
    assert tally.overdue == 1 and not tally.behind
    assert tally.due_completion == 90.0


def test_teams_behind_figure_and_definition(org, programme, login):  # noqa: F811
    scope = report_scope(org.performance.user)
    report = selectors.compliance_report(
        scope=scope, filters=ReportFilters(start=dt.date(2026, 4, 1), end=TODAY), today=TODAY
    )
    teams = rows_by_first(report.table("teams"))
    # North B: 1 of 2 due done (50%): behind. North A: 2 of 2; South A: 1 of 1.
    assert teams["North B"]["due_completion"] == 50.0 and teams["North B"]["status"] == "Behind"
    assert teams["North A"]["due_completion"] == 100.0
    assert report.figures["teams_behind"] == 1
    assert report.figures["teams_due"] == 3
    assert "fewer than 80% of the allocated audits due" in report.figures["behind_definition"]
    # This month alone: nothing is due yet, so no team is behind.
    june = selectors.compliance_report(
        scope=scope, filters=ReportFilters(start=dt.date(2026, 6, 1), end=TODAY), today=TODAY
    )
    assert june.figures["teams_behind"] == 0 and june.figures["teams_due"] == 0
    # The chart shows what "behind" is judged on: the audits due done (this month alone: done
    # so far, none being due yet).
    chart = str(report.table("teams").chart)
    assert "Allocated audits due done, by team (%)" in chart
    assert "North B, % of due done: 50%" in chart
    june_chart = str(june.table("teams").chart)
    assert "Allocated audits done, by team (%)" in june_chart and "none is due yet" in june_chart
    # With none due, the teams with the least done so far come first (North A: 0 of 1).
    assert [row[0] for row in june.table("teams").rows] == ["North A", "North B"]


def test_the_compliance_page_shows_the_figure_with_its_definition(org, login, county):
    body = login(org.performance).get(reverse("report_compliance")).content.decode()
    figure = re.search(r'id="glance-teams-behind">(.*?)</div>', body, re.S).group(1)
    assert re.search(r"Of \d+ teams? with audits due: done fewer than 80% of them", figure), figure
    teams = login(org.performance).get(reverse("report_compliance_tab", args=["teams"]))
    definition = re.search(
        r'id="teams-behind-definition">(.*?)</p>', teams.content.decode(), re.S
    ).group(1)
    assert "done fewer than 80% of the allocated audits due in the period" in definition
    this_month = login(org.performance).get(reverse("report_compliance") + "?period=this_month")
    assert "None due yet" in this_month.content.decode()


# --- Sheet names --------------------------------------------------------------------------


def test_sheet_names_are_cut_at_a_word_and_unique():
    used = {"about"}
    assert sheet_name("Average scale by theme and month", used=used) == "Average scale by theme"
    assert (
        sheet_name("Open cases not audited in the last 12 months", used=used)
        == "Open cases not audited"
    )
    assert (
        sheet_name("Open cases not audited in the last 12 months", used=used)
        == "Open cases not audited (2)"
    )
    assert sheet_name("About", used=used) == "About (2)"
    assert sheet_name("Q1/Q2: [draft] *notes*?", used=used) == "Q1 Q2 draft notes"
    assert sheet_name("History", used=used) == "History (2)"  # Excel keeps "History"
    assert sheet_name("'quoted'", used=used) == "quoted"
    assert sheet_name("[]:*?", used=used) == "Sheet"
    assert len(sheet_name("Pneumonoultramicroscopicsilicovolcanoconiosis", used=used)) == 31


def test_workbook_sheets_of_long_titles_keep_whole_words():
    tables = [
        Table("a", "Restorative actions agreed by team and service area", [Column("x", "X")]),
        Table("b", "Restorative actions agreed by team and service area", [Column("x", "X")]),
    ]
    book = load_workbook(io.BytesIO(tables_xlsx(tables, title="T", about=[])))
    assert book.sheetnames == [
        "About",
        "Restorative actions agreed",  # not "... agreed by"
        "Restorative actions agreed (2)",
    ]


WORDS = st.text(alphabet="abcdeXYZé019 '[]:*?/\\", max_size=80)


@given(st.lists(WORDS, min_size=1, max_size=12))
def test_sheet_name_rule_holds_for_any_titles(titles):
    used = {"about"}
    names = [sheet_name(title, used=used) for title in titles]
    assert len({n.lower() for n in names}) == len(names)  # unique, as Excel compares them
    assert "about" not in {n.lower() for n in names}
    for title, name in zip(titles, names, strict=True):
        assert 1 <= len(name) <= SHEET_NAME_MAX
        assert not SHEET_UNSAFE.search(name)
        assert name == name.strip() and not name.startswith("'") and not name.endswith("'")
        cleaned = " ".join(SHEET_UNSAFE.sub(" ", title).split()).strip(" '")
        base = re.sub(r" \(\d+\)$", "", name) if name != cleaned else name
        if not cleaned:
            assert base == "Sheet"
            continue
        assert cleaned.startswith(base)
        room = SHEET_NAME_MAX - (len(name) - len(base))
        if len(cleaned.split(" ")[0]) <= room:
            # Cut at a word boundary: what follows is a space, a closing apostrophe or nothing.
            rest = cleaned[len(base) :]
            assert rest == "" or rest[0] in " '", (title, name)


# --- Small multiples ----------------------------------------------------------------------


def test_the_trend_is_a_small_chart_per_theme_on_the_same_axes():
    months = ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]
    html = charts.small_multiples(
        chart_id="chart-trend",
        title="Average scale by theme",
        description="A small chart per theme.",
        categories=months,
        series=[
            Series("Voice of the child", [7.5, 8.0, None, 9.0]),
            Series("Planning & <review>", [2.0, 3.5, 4.0, 4.5]),
            Series("Management oversight", [None, None, 6.0, None]),
        ],
        min_value=0,
        max_value=10,
        bands=[Band(0, 2, "Inadequate"), Band(3, 5, "Requires improvement")],
    )
    root = ET.fromstring(str(html))  # noqa: S314 - our own markup, made by the test
    assert root.get("id") == "chart-trend"
    svgs = root.findall(f".//{SVG}svg")
    assert len(svgs) == 3
    assert len(root.findall(".//li")) == 3
    # The same axes: the same size, value ticks and month labels in every panel.
    assert len({svg.get("viewBox") for svg in svgs}) == 1
    for svg in svgs:
        y_labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("fill") == charts.MUTED]
        assert y_labels == ["0", "2", "4", "6", "8", "10"]
        x_labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("font-size") == "12"]
        assert x_labels == ["Jan 2026", "Apr 2026"]
        gridlines = [line.get("y1") for line in svg.iter(f"{SVG}line")]
        assert gridlines == [line.get("y1") for line in svgs[0].iter(f"{SVG}line")]
    # Each panel is an image named by its theme (the heading above it) and described by its
    # values.
    names = {h.get("id"): h.text for h in root.iter("h3")}
    assert list(names.values()) == [
        "Voice of the child",
        "Planning & <review>",
        "Management oversight",
    ]
    for index, svg in enumerate(svgs, start=1):
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby") == f"chart-trend-{index}-title chart-trend-{index}-desc"
        assert f"chart-trend-{index}-title" in names
        assert svg.find(f"{SVG}desc").get("id") == f"chart-trend-{index}-desc"
    desc = svgs[0].find(f"{SVG}desc").text
    assert "3 of 4 months with data" in desc and "latest 9 (Apr 2026)" in desc
    assert "lowest 7.5 (Jan 2026)" in desc
    # A point per value, with its exact value as a tooltip.
    assert len(svgs[2].findall(f".//{SVG}circle")) == 1
    assert "style=" not in str(html)


def test_small_multiples_without_data_say_so():
    html = charts.small_multiples(
        chart_id="c", title="T", description="D", categories=["Jan 2026"], series=[]
    )
    assert "No data for this chart in the chosen period." in str(html)


def test_the_quality_page_draws_the_trend_as_small_multiples(org, login, county):
    response = login(org.performance).get(
        reverse("report_quality_tab", args=["themes"]) + "?period=12m"
    )
    body = response.content.decode()
    themes = response.context["report"].table("trend").rows
    assert len(themes) > 1
    assert body.count('class="app-chart app-chart--small"') == len(themes)
    assert 'aria-labelledby="chart-trend-title"' in body


# --- Tagged PDFs --------------------------------------------------------------------------


def pdf_text(content: bytes) -> bytes:
    """The PDF's bytes with each compressed stream (and object stream) inflated, to search.

    Each stream is read up to its "endstream" with the end of line before it, and inflated
    by a decompressor that stops where the compressed data ends: cutting the end of line
    off by pattern cut the data's own last byte whenever it was a carriage return (a
    random one in 256 streams), and that stream then read as nothing."""
    parts = [content]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            parts.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:  # not a Flate stream (an image, a font): nothing to read
            continue
    return b"\n".join(parts)


def assert_tagged(content: bytes, *, title: str):
    text = pdf_text(content)
    assert content.startswith(b"%PDF-1.7")
    assert b"/StructTreeRoot" in text
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked true", text)
    assert b"/Lang (en-GB)" in text
    assert b"/DisplayDocTitle true" in text
    assert b'pdfuaid:part="1"' in text  # the XMP metadata's PDF/UA-1 claim
    assert f"/Title ({title})".encode() in text
    # Headings and tables are tagged as such, not as bare text.
    assert b"/S /H1" in text or b"/S /H2" in text


def test_the_audit_pdf_is_tagged_for_screen_readers(org, history):
    from caseaudit.audits.pdf import audit_pdf_bytes

    audit = history.audit(case=org.case, auditor=org.tm, on=dt.date(2026, 5, 4))
    content = audit_pdf_bytes(audit)
    assert_tagged(content, title=f"{audit.tool_version.tool.name}: case {org.case.reference}")


def test_the_findings_pdf_is_tagged_for_screen_readers(org, login, county):
    response = login(org.tm).get(reverse("report_findings_pdf") + "?period=last_month")
    assert response.status_code == 200
    today = timezone.localdate()
    start, end = period_range("last_month", today)
    assert_tagged(response.content, title=f"Findings report: {start:%-d %B %Y} to {end:%-d %B %Y}")
    assert b"/S /Table" in pdf_text(response.content)


def test_the_subject_access_pdf_is_tagged_for_screen_readers(org):
    from caseaudit.dataprotection.subject_access import (
        subject_access_document,
        subject_access_pdf,
    )

    document = subject_access_document(case=org.case)
    content = subject_access_pdf(case=org.case, document=document)
    assert_tagged(content, title=f"Subject access export: case {org.case.reference}")


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>T</title></head><body><p>x</p></body></html>",
        '<html lang="en-GB"><head></head><body><p>x</p></body></html>',
        '<html lang="en-GB"><head><title> </title></head><body><p>x</p></body></html>',
    ],
)
def test_a_pdf_without_its_language_or_title_is_refused(html):
    with pytest.raises(PDFSourceError):
        html_to_pdf(html, what="test PDF")
