"""Charts drawn on the server as accessible SVG, so a page and its PDF show the same picture.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`
(`aria-labelledby`), drawn only with SVG presentation attributes (`fill=`, `stroke=`,
`font-size=`): no `style` attribute or element, which the Content Security Policy forbids.
Every bar and point also carries a `<title>` with its exact value (a tooltip), and the page
shows the chart's data table beside it: the table, not the colours, is the record.

    bar_chart(chart_id="by-month", title="Audits per month", description="...",
              categories=["Jan 2026", "Feb 2026"], series=[Series("Done", [3, 5])])
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# GOV.UK Design System colours, in an order where neighbours differ in lightness too.
PALETTE = (
    "#1d70b8",  # blue
    "#f47738",  # orange
    "#00703c",  # green
    "#4c2c92",  # purple
    "#d4351c",  # red
    "#5694ca",  # light blue
    "#85994b",  # olive
    "#912b88",  # bright purple
    "#28a197",  # turquoise
    "#6f72af",  # light purple
    "#b58840",  # brown
    "#505a5f",  # dark grey
)
# Dash patterns, so lines differ by more than colour.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "4 4")
BAND_SHADES = ("#f3f2f1", "#ffffff")
TEXT = "#0b0c0c"
MUTED = "#505a5f"
GRID = "#b1b4b6"
FONT = "Arial, Helvetica, sans-serif"
WIDTH = 760
FONT_SIZE = 13
CHAR_WIDTH = 7  # an estimate of a character's width at FONT_SIZE, for layout


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]


@dataclass(frozen=True)
class Band:
    """A shaded range of the value axis (the scaling bands behind a 0-10 chart)."""

    low: float
    high: float
    name: str


def _e(value) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "no data"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.1f}"
    else:
        text = f"{int(value)}"
    return f"{text}{unit}"


def nice_max(value: float) -> float:
    """A round top for the value axis at or above `value` (1, 2, 2.5 or 5 times a power of 10)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _ticks(top: float, count: int = 5) -> list[float]:
    step = top / count
    return [step * i for i in range(count + 1)]


def _count_ticks(top: float, values: Sequence[float]) -> int:
    """How many steps the value axis has: five, or one per unit where every value is a whole
    number and the top is under five (an axis of counts never reads 0.2 or 0.4)."""
    if all(isinstance(v, int) for v in values) and float(top).is_integer() and 1 <= top < 5:
        return int(top)
    return 5


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _labels_crowded(categories: Sequence[str], plot_w: float) -> bool:
    """Whether category labels side by side would overlap (then they are drawn slanted)."""
    room = plot_w / max(len(categories), 1) - 6
    return max(len(c) for c in categories) * CHAR_WIDTH > room


def _legend(series: Sequence[Series], *, y: float, left: float, width: float, lines=False):
    """Legend items left to right, wrapping; returns (svg parts, height used)."""
    if len(series) < 2:
        return [], 0
    parts, x, row = [], left, 0
    for index, s in enumerate(series):
        label = _truncate(s.name, 40)
        item = 22 + CHAR_WIDTH * len(label) + 16
        if x + item > left + width and x > left:
            x, row = left, row + 1
        top = y + row * 20
        colour = PALETTE[index % len(PALETTE)]
        if lines:
            dash = DASHES[index % len(DASHES)]
            parts.append(
                f'<line x1="{_num(x)}" y1="{_num(top + 7)}"'
                f' x2="{_num(x + 16)}" y2="{_num(top + 7)}"'
                f' stroke="{colour}" stroke-width="3"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        else:
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(top)}" width="14" height="14" fill="{colour}"/>'
            )
        parts.append(f'<text x="{_num(x + 22)}" y="{_num(top + 11)}">{_e(label)}</text>')
        x += item
    return parts, (row + 1) * 20 + 8


def _svg(chart_id: str, title: str, description: str, height: float, body: list[str]) -> SafeString:
    chart_id = _e(chart_id)
    # Every text and attribute value in `body` and here is escaped by _e (or is a number).
    return mark_safe(  # noqa: S308  # nosec B308 B703
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" id="{chart_id}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false"'
        f' viewBox="0 0 {WIDTH} {_num(height)}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{_e(title)}</title>'
        f'<desc id="{chart_id}-desc">{_e(description)}</desc>'
        f'<g font-family="{FONT}" font-size="{FONT_SIZE}" fill="{TEXT}">'
        + "".join(body)
        + "</g></svg>"
    )


def _empty(chart_id: str, title: str, description: str) -> SafeString:
    return _svg(
        chart_id,
        title,
        description,
        60,
        [f'<text x="8" y="34" fill="{MUTED}">No data for this chart in the chosen period.</text>'],
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    horizontal: bool = False,
    max_value: float | None = None,
    unit: str = "",
) -> SafeString:
    """Bars for each category, one per series side by side. `horizontal` suits many or long
    categories (teams); vertical suits months."""
    values = [v for s in series for v in s.values if v is not None]
    if not categories or not values:
        return _empty(chart_id, title, description)
    top = max_value if max_value is not None else nice_max(max(values))
    steps = _count_ticks(top, values)
    if horizontal:
        return _bars_horizontal(chart_id, title, description, categories, series, top, unit, steps)
    return _bars_vertical(chart_id, title, description, categories, series, top, unit, steps)


def _bars_vertical(chart_id, title, description, categories, series, top, unit, steps=5):
    left, right = 56, 16
    plot_w = WIDTH - left - right
    legend, legend_h = _legend(series, y=8, left=left, width=plot_w)
    plot_top = 16 + legend_h
    plot_h = 240
    long_labels = _labels_crowded(categories, plot_w)
    bottom = 80 if long_labels else 32
    height = plot_top + plot_h + bottom
    body = list(legend)
    for tick in _ticks(top, steps):
        y = plot_top + plot_h - tick / top * plot_h
        body.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{_e(_fmt(tick, unit))}</text>"
        )
    group_w = plot_w / len(categories)
    bar_w = group_w * 0.8 / len(series)
    for ci, category in enumerate(categories):
        x0 = left + ci * group_w + group_w * 0.1
        for si, s in enumerate(series):
            value = s.values[ci] if ci < len(s.values) else None
            if value is None:
                continue
            h = min(value, top) / top * plot_h
            tip = f"{category}, {s.name}: {_fmt(value, unit)}"
            body.append(
                f'<rect x="{_num(x0 + si * bar_w)}" y="{_num(plot_top + plot_h - h)}"'
                f' width="{_num(max(bar_w - 1, 1))}" height="{_num(h)}"'
                f' fill="{PALETTE[si % len(PALETTE)]}"><title>{_e(tip)}</title></rect>'
            )
        cx = left + ci * group_w + group_w / 2
        label_y = plot_top + plot_h + 16
        if long_labels:
            body.append(
                f'<text x="{_num(cx)}" y="{_num(label_y)}" text-anchor="end"'
                f' transform="rotate(-35 {_num(cx)} {_num(label_y)})">'
                f"{_e(_truncate(category, 20))}</text>"
            )
        else:
            body.append(
                f'<text x="{_num(cx)}" y="{_num(label_y)}" text-anchor="middle">'
                f"{_e(category)}</text>"
            )
    body.append(
        f'<line x1="{left}" y1="{plot_top + plot_h}" x2="{left + plot_w}" y2="{plot_top + plot_h}"'
        f' stroke="{TEXT}" stroke-width="1"/>'
    )
    return _svg(chart_id, title, description, height, body)


def _bars_horizontal(chart_id, title, description, categories, series, top, unit, steps=5):
    left, right = 230, 48
    plot_w = WIDTH - left - right
    legend, legend_h = _legend(series, y=8, left=8, width=WIDTH - 16)
    plot_top = 16 + legend_h + 18  # room for the value axis labels above
    row_h = 8 + 16 * len(series)
    plot_h = row_h * len(categories)
    height = plot_top + plot_h + 12
    body = list(legend)
    for tick in _ticks(top, steps):
        x = left + tick / top * plot_w
        body.append(
            f'<line x1="{_num(x)}" y1="{plot_top}" x2="{_num(x)}" y2="{_num(plot_top + plot_h)}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{_num(x)}" y="{plot_top - 6}" text-anchor="middle" fill="{MUTED}">'
            f"{_e(_fmt(tick, unit))}</text>"
        )
    for ci, category in enumerate(categories):
        y0 = plot_top + ci * row_h + 4
        body.append(
            f'<text x="{left - 8}" y="{_num(y0 + row_h / 2)}" text-anchor="end">'
            f"{_e(_truncate(category, 32))}</text>"
        )
        for si, s in enumerate(series):
            value = s.values[ci] if ci < len(s.values) else None
            if value is None:
                continue
            w = min(value, top) / top * plot_w
            y = y0 + si * 16
            tip = f"{category}, {s.name}: {_fmt(value, unit)}"
            body.append(
                f'<rect x="{left}" y="{_num(y)}" width="{_num(max(w, 1))}" height="14"'
                f' fill="{PALETTE[si % len(PALETTE)]}"><title>{_e(tip)}</title></rect>'
            )
            body.append(
                f'<text x="{_num(left + w + 4)}" y="{_num(y + 11)}" font-size="12">'
                f"{_e(_fmt(value, unit))}</text>"
            )
    body.append(
        f'<line x1="{left}" y1="{plot_top}" x2="{left}" y2="{plot_top + plot_h}"'
        f' stroke="{TEXT}" stroke-width="1"/>'
    )
    return _svg(chart_id, title, description, height, body)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    min_value: float = 0,
    max_value: float | None = None,
    bands: Sequence[Band] = (),
    unit: str = "",
) -> SafeString:
    """A line per series across the categories (months); a missing value breaks the line.
    `bands` shade ranges of the value axis, named at the right (the scaling bands)."""
    values = [v for s in series for v in s.values if v is not None]
    if not categories or not values:
        return _empty(chart_id, title, description)
    top = max_value if max_value is not None else nice_max(max(values))
    span = (top - min_value) or 1
    left, right = 48, 150 if bands else 16
    plot_w = WIDTH - left - right
    legend, legend_h = _legend(series, y=8, left=left, width=WIDTH - left - 16, lines=True)
    plot_top = 16 + legend_h
    plot_h = 240
    long_labels = _labels_crowded(categories, plot_w)
    height = plot_top + plot_h + (80 if long_labels else 32)

    def y_of(value: float) -> float:
        return plot_top + plot_h - (min(max(value, min_value), top) - min_value) / span * plot_h

    step = plot_w / max(len(categories), 1)
    xs = [left + step * (i + 0.5) for i in range(len(categories))]
    body = [
        *legend,
        *_band_shading(bands, y_of, left=left, plot_w=plot_w, low=min_value, top=top),
        *_value_gridlines(span, y_of, left=left, plot_w=plot_w, low=min_value, unit=unit),
        *_series_lines(series, categories, xs, y_of, unit),
        *_category_labels(categories, xs, y=plot_top + plot_h + 16, rotated=long_labels),
        f'<line x1="{left}" y1="{plot_top + plot_h}" x2="{left + plot_w}" y2="{plot_top + plot_h}"'
        f' stroke="{TEXT}" stroke-width="1"/>',
    ]
    return _svg(chart_id, title, description, height, body)


def _band_shading(bands, y_of, *, left: float, plot_w: float, low: float, top: float) -> list:
    """The shaded bands behind a line chart, each named at the right."""
    body = []
    for index, band in enumerate(bands):
        # A band of whole scores (6-8) covers 5.5 to 8.5 on the axis, so bands meet.
        y_high, y_low = y_of(min(band.high + 0.5, top)), y_of(max(band.low - 0.5, low))
        body.append(
            f'<rect x="{left}" y="{_num(y_high)}" width="{plot_w}" height="{_num(y_low - y_high)}"'
            f' fill="{BAND_SHADES[index % 2]}" stroke="{GRID}" stroke-width="0.5"/>'
        )
        body.append(
            f'<text x="{left + plot_w + 6}" y="{_num((y_high + y_low) / 2 + 4)}" fill="{MUTED}">'
            f"{_e(_truncate(band.name, 22))}</text>"
        )
    return body


def _value_gridlines(span, y_of, *, left: float, plot_w: float, low: float, unit: str) -> list:
    """Dashed lines across a line chart at its ticks, with their values at the left."""
    body = []
    for tick in _ticks(span, 5):
        y = y_of(low + tick)
        body.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}"'
            f' stroke="{GRID}" stroke-width="1" stroke-dasharray="2 2"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{_e(_fmt(low + tick, unit))}</text>"
        )
    return body


def _series_lines(series, categories, xs, y_of, unit: str) -> list:
    """Each series' line (broken where a value is missing) and its points, with tooltips."""
    body = []
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        dash = DASHES[si % len(DASHES)]
        segment: list[str] = []
        segments = [segment]
        for ci, value in enumerate(s.values[: len(categories)]):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{_num(xs[ci])},{_num(y_of(value))}")
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}"'
                    f' stroke-width="2.5"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
                )
        for ci, value in enumerate(s.values[: len(categories)]):
            if value is None:
                continue
            tip = f"{categories[ci]}, {s.name}: {_fmt(value, unit)}"
            body.append(
                f'<circle cx="{_num(xs[ci])}" cy="{_num(y_of(value))}" r="4" fill="{colour}">'
                f"<title>{_e(tip)}</title></circle>"
            )
    return body


def _category_labels(categories, xs, *, y: float, rotated: bool) -> list:
    """The categories under a line chart: slanted (and shortened) when they would crowd."""
    body = []
    for ci, category in enumerate(categories):
        if rotated:
            body.append(
                f'<text x="{_num(xs[ci])}" y="{_num(y)}" text-anchor="end"'
                f' transform="rotate(-35 {_num(xs[ci])} {_num(y)})">'
                f"{_e(_truncate(category, 20))}</text>"
            )
        else:
            body.append(
                f'<text x="{_num(xs[ci])}" y="{_num(y)}" text-anchor="middle">{_e(category)}</text>'
            )
    return body


# --- Small multiples ------------------------------------------------------------------------

SMALL_WIDTH = 260
SMALL_PLOT_H = 110


def small_multiples(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    min_value: float = 0,
    max_value: float | None = None,
    bands: Sequence[Band] = (),
    unit: str = "",
) -> SafeString:
    """A small line chart per series (a theme), side by side, all on the same axes: the same
    value scale (`min_value` to `max_value`, or to the largest value of any series), the same
    categories (months), the same size. Where nine lines over one another cannot be told
    apart, nine small charts can be compared at a glance. A list (`<ul>`), its items each a
    heading (the series' name) and an `<svg role="img">` named by it and described by its
    first, last, highest and lowest values; the figures are in the table shown with it."""
    values = [v for s in series for v in s.values if v is not None]
    if not categories or not values:
        return _empty(chart_id, title, description)
    top = max_value if max_value is not None else nice_max(max(values))
    chart_id = _e(chart_id)
    # Each panel's name is a heading above it (it wraps, where text in an SVG cannot), which
    # also names its image for a screen reader.
    items = [
        f'<li class="app-small-multiples__item">'
        f'<h3 class="govuk-heading-s app-small-multiples__name" id="{chart_id}-{index + 1}-title">'
        f"{_e(s.name)}</h3>"
        f"{_small_chart(f'{chart_id}-{index + 1}', s, categories, min_value, top, bands, unit)}"
        f"</li>"
        for index, s in enumerate(series)
    ]
    # Every value in the markup is escaped by _e (or is a number).
    return mark_safe(  # noqa: S308  # nosec B308 B703
        f'<div class="app-small-multiples-wrap" id="{chart_id}">'
        f'<p class="govuk-body-s" id="{chart_id}-desc"><strong id="{chart_id}-title">'
        f"{_e(title)}.</strong> {_e(description)}</p>"
        f'<ul class="app-small-multiples" aria-labelledby="{chart_id}-title">'
        + "".join(items)
        + "</ul></div>"
    )


def _small_summary(s: Series, categories: Sequence[str], unit: str) -> str:
    """The panel's description: the period, then the first, last, highest and lowest values."""
    known = [(c, v) for c, v in zip(categories, s.values, strict=False) if v is not None]
    period = f"{categories[0]} to {categories[-1]}" if len(categories) > 1 else categories[0]
    if not known:
        return f"{period}: no data."
    high = max(known, key=lambda cv: cv[1])
    low = min(known, key=lambda cv: cv[1])
    return (
        f"{period}, {len(known)} of {len(categories)} months with data. "
        f"First {_fmt(known[0][1], unit)} ({known[0][0]}), latest {_fmt(known[-1][1], unit)} "
        f"({known[-1][0]}); highest {_fmt(high[1], unit)} ({high[0]}), lowest "
        f"{_fmt(low[1], unit)} ({low[0]})."
    )


def _small_chart(chart_id, s: Series, categories, low: float, top: float, bands, unit) -> str:
    """One panel of `small_multiples` (named by the heading above it, `<id>-title`): the value
    axis at the left, the first and last categories under it."""
    left, right = 34, 10
    plot_w = SMALL_WIDTH - left - right
    plot_top = 10
    height = plot_top + SMALL_PLOT_H + 24
    span = (top - low) or 1

    def y_of(value: float) -> float:
        return plot_top + SMALL_PLOT_H - (min(max(value, low), top) - low) / span * SMALL_PLOT_H

    step = plot_w / max(len(categories), 1)
    xs = [left + step * (i + 0.5) for i in range(len(categories))]
    body = [
        *_band_shading_unnamed(bands, y_of, left=left, plot_w=plot_w, low=low, top=top),
        *_value_gridlines(span, y_of, left=left, plot_w=plot_w, low=low, unit=unit),
        *_series_lines([s], categories, xs, y_of, unit),
        f'<line x1="{left}" y1="{plot_top + SMALL_PLOT_H}" x2="{left + plot_w}"'
        f' y2="{plot_top + SMALL_PLOT_H}" stroke="{TEXT}" stroke-width="1"/>',
    ]
    label_y = plot_top + SMALL_PLOT_H + 16
    ends = [(0, "start")] if len(categories) == 1 else [(0, "start"), (len(categories) - 1, "end")]
    for index, anchor in ends:
        x = xs[index] - step / 2 if anchor == "start" else xs[index] + step / 2
        body.append(
            f'<text x="{_num(x)}" y="{label_y}" text-anchor="{anchor}" font-size="12">'
            f"{_e(categories[index])}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart app-chart--small"'
        f' id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' focusable="false" viewBox="0 0 {SMALL_WIDTH} {_num(height)}" width="100%"'
        f' preserveAspectRatio="xMinYMin meet">'
        f'<desc id="{chart_id}-desc">{_e(_small_summary(s, categories, unit))}</desc>'
        f'<g font-family="{FONT}" font-size="12" fill="{TEXT}">' + "".join(body) + "</g></svg>"
    )


def _band_shading_unnamed(bands, y_of, *, left: float, plot_w: float, low: float, top: float):
    """The scaling bands shaded behind a small chart (named once, in the text beside them)."""
    body = []
    for index, band in enumerate(bands):
        y_high, y_low = y_of(min(band.high + 0.5, top)), y_of(max(band.low - 0.5, low))
        body.append(
            f'<rect x="{left}" y="{_num(y_high)}" width="{plot_w}" height="{_num(y_low - y_high)}"'
            f' fill="{BAND_SHADES[index % 2]}" stroke="{GRID}" stroke-width="0.5"/>'
        )
    return body
