"""The case list's table rows, written in one pass."""

import functools
from html import escape

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

CLOSED_TAG = ' <strong class="govuk-tag govuk-tag--grey">Closed</strong>'


@register.simple_tag
def case_rows(cases) -> str:
    """A <tr> per case (reference linking to the case, name, type, team, allocated worker,
    opened): a template loop over the cells was a sixth of the case list's time. Every value
    is escaped."""
    # The case page's address, made once: `reverse` for each row was a tenth of the list.
    url = escape(reverse("case_detail", args=[URL_PLACEHOLDER]))
    language = get_language()
    rows = []
    for case in cases:  # `CaseRow`s (cases.selectors.case_list_for_pages)
        cells = (
            f'<a class="govuk-link" href="{url.replace(str(URL_PLACEHOLDER), str(case.pk), 1)}">'
            f"{escape(case.reference)}</a>",
            escape(case.display_name) + (CLOSED_TAG if case.closed_on else ""),
            escape(case.get_case_type_display()),
            escape(case.team_name or ""),
            escape(case.worker_name or "Unallocated"),
            _opened(case.opened_on, language) if case.opened_on else "",
        )
        row = "".join(f'<td class="govuk-table__cell">{cell}</td>' for cell in cells)
        rows.append(f'<tr class="govuk-table__row">{row}</tr>')
    # Safe: the markup is constant and every value is escaped.
    return mark_safe("\n".join(rows))  # noqa: S308  # nosec B308 B703


URL_PLACEHOLDER = 987654321


@functools.lru_cache(maxsize=4096)
def _opened(day, language: str) -> str:
    """The date as "4 Dec 2026", escaped, in the active language (its month names)."""
    return escape(date_format(day, "j M Y"))
