"""Formatting report cells, and the home page's figures panel."""

import datetime as dt
import re

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from caseaudit.reports.tables import DATE, DECIMAL, MONTH, NUMBER, PERCENT, TAG, Link

register = template.Library()

TAG_COLOURS = {
    "Behind": "govuk-tag--red",
    "Over 12 months": "govuk-tag--red",
    "In progress": "govuk-tag--yellow",
    "On track": "govuk-tag--green",
}


@register.simple_tag
def report_cell(value, column):
    """A table cell's content as the page shows it (links live, numbers grouped, tags)."""
    if value is None or value == "":
        if column.numeric:
            return format_html(
                '<span aria-hidden="true">–</span><span class="govuk-visually-hidden">{}</span>',
                "no data",
            )
        return ""
    if isinstance(value, Link):
        if not value.url:
            return value.text
        return format_html('<a class="govuk-link" href="{}">{}</a>', value.url, value.text)
    kind = column.kind
    if kind == NUMBER:
        # A whole number grouped as `intcomma` groups it in English ("1,234"), without its
        # locale lookups: they were a third of a large table's page (8,000 cells).
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return intcomma(value)
    if kind == PERCENT:
        return f"{value:.1f}%"
    if kind == DECIMAL:
        return f"{value:.1f}"
    if kind == MONTH and isinstance(value, dt.date):
        return value.strftime("%b %Y")
    if kind == DATE and isinstance(value, dt.date):
        return value.strftime("%-d %b %Y")
    if kind == TAG:
        return format_html(
            '<strong class="govuk-tag {}">{}</strong>',
            TAG_COLOURS.get(value, "govuk-tag--grey"),
            value,
        )
    return value


@register.simple_tag
def report_rows(table):
    """The table's body rows, written in one pass: a template loop over every cell was most
    of a large report page's time (500 teams at the national scale). The first cell is the
    row's header. Every cell's content goes through `report_cell` and is escaped."""
    kinds = []
    for index, column in enumerate(table.columns):
        nowrap = " app-report-nowrap" if column.nowrap else ""
        if index == 0:
            kinds.append(
                (
                    '<th scope="row" class="govuk-table__header govuk-!-font-weight-regular'
                    f'{nowrap}">',
                    "</th>",
                )
            )
        else:
            numeric = " govuk-table__cell--numeric" if column.numeric else ""
            kinds.append((f'<td class="govuk-table__cell{numeric}{nowrap}">', "</td>"))
    rows = []
    for row in table.rows:
        cells = "".join(
            f"{start}{conditional_escape(report_cell(value, column))}{end}"
            for (start, end), column, value in zip(kinds, table.columns, row, strict=True)
        )
        rows.append(f'<tr class="govuk-table__row">{cells}</tr>')
    # Safe: the markup above is constant and every cell's content is escaped.
    return mark_safe("\n".join(rows))  # noqa: S308  # nosec B308 B703


RANGE = re.compile(r"(\d)–(\d)")


@register.filter
def keep_ranges(label: str) -> str:
    """A column label with its score ranges ("(0–2)") kept on one line."""
    return RANGE.sub("\\1\u2060–\u2060\\2", str(label))


@register.simple_tag
def print_cell(value, column):
    """A table cell in the PDF: plain text (a link keeps its text)."""
    if isinstance(value, Link):
        return value.text
    if column.kind == TAG or not (value is None or value == ""):
        return report_cell(value, column)
    return "–" if column.numeric else ""


@register.filter
def report_table(report, key):
    return report.table(key)


@register.filter
def zip_columns(row, columns):
    """[(column, value), ...] for a row."""
    return list(zip(columns, row, strict=True))


@register.inclusion_tag("reports/includes/dashboard.html", takes_context=True)
def dashboard_panel(context):
    """The figures that matter to the signed-in user's role (see `dashboard_figures`)."""
    from caseaudit.reports.policy import can_view_reports
    from caseaudit.reports.selectors import dashboard_figures

    user = context["request"].user
    # The home page reads the figures with its other counts (`dashboard_with_counts`).
    figures = context.get("dashboard_figures")
    if figures is None:
        # The responses due from the user, if the page has loaded them: reused.
        loaded = context.get("qa_responses")
        figures = dashboard_figures(
            user=user, my_responses=getattr(loaded, "to_write", None) if loaded else None
        )
    return {"figures": figures, "can_view_reports": can_view_reports(user)}
