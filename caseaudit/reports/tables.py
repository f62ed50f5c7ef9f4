"""The tables a report is made of. One `Table` is shown on the page (beside its chart), printed
in the PDF, written as one sheet of the spreadsheet and downloadable as CSV: the same rows
everywhere, so the figures never disagree between formats."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

TEXT, NUMBER, PERCENT, DECIMAL, DATE, MONTH, TAG = (
    "text",
    "number",
    "percent",
    "decimal",
    "date",
    "month",
    "tag",
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in (NUMBER, PERCENT, DECIMAL)

    @property
    def nowrap(self) -> bool:
        return self.kind in (DATE, MONTH, TAG)


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere on the page (a case, an audit); exports keep the text."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    description: str = ""
    chart: SafeString | None = None
    # Shown under the table when the page lists only part of the rows (the CSV has them all).
    note: str = ""

    def __post_init__(self):
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Table {self.key}: a row has {len(row)} cells, not {len(self.columns)}"
                )

    @property
    def html_id(self) -> str:
        return f"table-{self.key}"


def plain(value) -> Any:
    """The cell as exports write it: a link's text, a month as its first day, else the value."""
    if isinstance(value, Link):
        return value.text
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def percent(part: int | None, whole: int | None) -> float | None:
    """`part` as a percentage of `whole`, one decimal; None when there is no whole."""
    if not whole:
        return None
    return round(100 * (part or 0) / whole, 1)


def one_decimal(value) -> float | None:
    return None if value is None else round(float(value), 1)
