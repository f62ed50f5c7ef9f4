"""The calibration dot plot: a row per section (and overall) on the 0-10 scale, a dot for each
person's scale (stacked where several gave the same), the reference as a line and the viewer's
own scale ringed. Server-drawn SVG with its title and description; the figures are in the data
table that follows it on the page (no colour alone carries meaning: the reference is a line,
the viewer's own scale a ring)."""

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString

WIDTH = 720
LEFT = 220
RIGHT = 24
ROW = 44
DOT = 5
INK = "#0b0c0c"
GRID = "#b1b4b6"
DOTS = "#1d70b8"
REFERENCE = "#d4351c"
MINE = "#00703c"
FONT = "Arial, Helvetica, sans-serif"


def _x(point: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * point / 10


def _el(tag: str, text: str | None = None, **attrs: Any) -> str:
    """An SVG element; attribute names with "_" become "-"; every value and text escaped."""
    parts = " ".join(
        f'{name.replace("_", "-")}="{escape(f"{v:.1f}" if isinstance(v, float) else v)}"'
        for name, v in attrs.items()
    )
    if text is None:
        return f"<{tag} {parts}/>"
    return f"<{tag} {parts}>{escape(text)}</{tag}>"


def _label(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _row(row: dict[str, Any], y: float, height: float) -> list[str]:
    out = [
        _el("text", _label(row["title"]), x=LEFT - 12, y=y + 4, text_anchor="end",
            font_size=14, fill=INK)
    ]  # fmt: skip
    for point, count in enumerate(row["counts"]):
        for n in range(count):
            cy = y - (n - (count - 1) / 2) * (DOT * 2 - 2)
            out.append(_el("circle", cx=_x(point), cy=cy, r=DOT, fill=DOTS, fill_opacity=0.75))
    if row.get("reference") is not None:
        x = _x(row["reference"])
        out.append(
            _el("line", x1=x, y1=y - height / 2 + 4, x2=x, y2=y + height / 2 - 4, stroke=REFERENCE,
                stroke_width=3)
        )  # fmt: skip
    if row.get("mine") is not None:
        out.append(
            _el("circle", cx=_x(row["mine"]), cy=y, r=DOT + 4, fill="none", stroke=MINE,
                stroke_width=3)
        )  # fmt: skip
    return out


def _legend() -> list[str]:
    return [
        _el("circle", cx=LEFT, cy=12, r=DOT, fill=DOTS),
        _el("text", "a person's scale", x=LEFT + 10, y=16, font_size=13, fill=INK),
        _el("line", x1=LEFT + 150, y1=4, x2=LEFT + 150, y2=20, stroke=REFERENCE, stroke_width=3),
        _el("text", "reference", x=LEFT + 158, y=16, font_size=13, fill=INK),
        _el("circle", cx=LEFT + 250, cy=12, r=DOT + 3, fill="none", stroke=MINE, stroke_width=3),
        _el("text", "your scale", x=LEFT + 262, y=16, font_size=13, fill=INK),
    ]


def dot_plot(
    *, chart_id: str, title: str, description: str, rows: Sequence[dict[str, Any]]
) -> SafeString:
    """`rows`: dicts with `title`, `counts` (11 counts, points 0-10), `reference` and `mine`
    (a point or None), as `selectors.exercise_results` gives them."""
    # A row is as tall as its highest stack of dots needs.
    heights = [max(ROW, (max(r["counts"], default=0) + 1) * (DOT * 2 - 2) + 8) for r in rows]
    height = 40 + sum(heights) + 40
    body = _legend()
    for point in range(11):
        x = _x(point)
        body.append(_el("line", x1=x, y1=24, x2=x, y2=height - 36, stroke=GRID, stroke_width=1))
        body.append(
            _el("text", str(point), x=x, y=height - 16, text_anchor="middle", font_size=13,
                fill=INK)
        )  # fmt: skip
    top = 40
    for row, row_height in zip(rows, heights, strict=True):
        body += _row(row, top + row_height / 2, row_height)
        top += row_height
    cid = escape(chart_id)
    # Safe: every value and text is escaped (`_el`, and here).
    return SafeString(  # nosec B703
        f'<svg id="{cid}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(description)}</desc>'
        f'<g font-family="{FONT}">{"".join(body)}</g></svg>'
    )
