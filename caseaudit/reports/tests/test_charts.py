"""The SVG charts: accessible (role, title, description), well-formed, escaped, no styles."""

import xml.etree.ElementTree as ET

import pytest

from caseaudit.reports import charts
from caseaudit.reports.charts import Band, Series

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own SVG, made by the test


def bar(**kwargs):
    args = {
        "chart_id": "c1",
        "title": "Audits <per> month",
        "description": "Done & expected",
        "categories": ["Jan 2026", "Feb 2026"],
        "series": [Series("Expected", [4, 6]), Series("Done", [3, None])],
    }
    return charts.bar_chart(**(args | kwargs))


@pytest.mark.parametrize("horizontal", [False, True])
def test_bar_chart_is_an_accessible_image(horizontal):
    root = parse(bar(horizontal=horizontal))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}title").text == "Audits <per> month"  # escaped, then parsed back
    assert root.find(f"{SVG}desc").text == "Done & expected"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in bars] == [
        "Jan 2026, Expected: 4",
        "Jan 2026, Done: 3",
        "Feb 2026, Expected: 6",
    ]  # a missing value draws no bar
    assert all(el.get("style") is None for el in root.iter())
    assert "<style" not in str(bar(horizontal=horizontal))


def test_bar_heights_follow_the_values():
    root = parse(bar(series=[Series("Done", [5, 10])], max_value=10))
    heights = [
        float(r.get("height")) for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None
    ]
    assert heights[1] == pytest.approx(2 * heights[0])


def test_line_chart_breaks_at_missing_months_and_shades_bands():
    svg = charts.line_chart(
        chart_id="trend",
        title="Voice of the child",
        description="Monthly average",
        categories=["Jan", "Feb", "Mar", "Apr"],
        series=[Series("Voice of the child", [2.0, 4.0, None, 6.5])],
        max_value=10,
        bands=[Band(0, 2, "Inadequate"), Band(3, 5, "Requires improvement")],
    )
    root = parse(svg)
    assert len(list(root.iter(f"{SVG}polyline"))) == 1  # Jan-Feb; April stands alone
    points = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert points == [
        "Jan, Voice of the child: 2",
        "Feb, Voice of the child: 4",
        "Apr, Voice of the child: 6.5",
    ]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Inadequate" in texts and "Requires improvement" in texts


def test_a_chart_without_data_says_so():
    root = parse(bar(series=[Series("Done", [None, None])]))
    assert root.get("role") == "img"
    assert "No data" in "".join(t.text for t in root.iter(f"{SVG}text"))


def test_nice_axis_tops():
    assert [charts.nice_max(v) for v in (0, 3, 7, 10, 11, 230)] == [1, 5, 10, 10, 20, 250]


@pytest.mark.parametrize("horizontal", [False, True])
def test_an_axis_of_small_counts_has_whole_steps(horizontal):
    """Counts of at most two: the axis reads 0, 1, 2, never 0.4; averages keep five steps."""
    counts = charts.bar_chart(
        chart_id="c",
        title="Findings",
        description="Counts.",
        categories=["North", "South"],
        series=[Series("Raised", [1, 2])],
        horizontal=horizontal,
    )
    labels = {t.text for t in parse(counts).iter() if t.tag.endswith("text")}
    assert {"0", "1", "2"} <= labels
    assert not labels & {"0.4", "0.8", "1.2", "1.6"}
    averages = charts.bar_chart(
        chart_id="a",
        title="Average",
        description="Averages.",
        categories=["North", "South"],
        series=[Series("Average", [1.5, 2.0])],
        horizontal=horizontal,
    )
    labels = {t.text for t in parse(averages).iter() if t.tag.endswith("text")}
    assert "0.4" in labels
