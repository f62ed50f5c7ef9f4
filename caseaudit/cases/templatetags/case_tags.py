"""The case list's table rows, written in one pass."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

register = template.Library()

CLOSED_TAG = ' <strong class="govuk-tag govuk-tag--grey">Closed</strong>'


@register.simple_tag
def case_rows(cases) -> str:
    """A <tr> per case (reference linking to the case, name, type, team, allocated worker,
    opened): a template loop over the cells was a sixth of the case list's time. Every value
    is escaped."""
    rows = []
    for case in cases:
        worker = case.allocated_worker.name if case.allocated_worker else ""
        cells = (
            f'<a class="govuk-link" href="{escape(reverse("case_detail", args=[case.pk]))}">'
            f"{escape(case.reference)}</a>",
            escape(case.display_name) + (CLOSED_TAG if case.closed_on else ""),
            escape(str(case.get_case_type_display())),
            escape(case.team.name) if case.team else "",
            escape(worker or "Unallocated"),
            escape(date_format(case.opened_on, "j M Y")) if case.opened_on else "",
        )
        row = "".join(f'<td class="govuk-table__cell">{cell}</td>' for cell in cells)
        rows.append(f'<tr class="govuk-table__row">{row}</tr>')
    # Safe: the markup is constant and every value is escaped.
    return mark_safe("\n".join(rows))  # noqa: S308  # nosec B308 B703
