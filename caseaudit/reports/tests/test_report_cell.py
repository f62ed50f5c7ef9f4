"""A table cell's number as the page shows it: grouped in thousands as `intcomma` groups it
(the cell formats whole numbers itself, without the locale lookups)."""

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from caseaudit.reports.tables import NUMBER, Column
from caseaudit.reports.templatetags.reports_tags import report_cell

COLUMN = Column("n", "How many", NUMBER)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_a_whole_number_is_grouped_as_intcomma_groups_it(value):
    with translation.override("en-gb"):
        assert report_cell(value, COLUMN) == intcomma(value)


@pytest.mark.parametrize(("value", "shown"), [(1234567, "1,234,567"), (-1000, "-1,000"), (7, "7")])
def test_examples(value, shown):
    assert report_cell(value, COLUMN) == shown


def test_other_numbers_still_go_through_intcomma():
    with translation.override("en-gb"):
        assert report_cell(1234.5, COLUMN) == "1,234.5"
