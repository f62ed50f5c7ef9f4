"""Parsers for each import format. Each reads a whole file into plain rows and every error, and
never touches the database; `caseaudit.imports.plan` checks the rows against it and
`caseaudit.imports.apply` writes them (`caseaudit.imports.services` runs the three)."""

from pathlib import PurePath
from typing import IO

from caseaudit.imports.models import ImportFormat

from . import annex_a, csv_template, ssda903, staff_csv
from .common import (
    KEEP,
    CaseRow,
    FileRefused,
    ParseResult,
    RowError,
    RowRef,
    is_xlsx,
    open_workbook,
    read_bytes,
)

__all__ = [
    "KEEP",
    "CaseRow",
    "FileRefused",
    "ParseResult",
    "RowError",
    "RowRef",
    "guess_case_format",
    "parse_cases",
    "parse_staff",
]

CASE_FORMATS = (ImportFormat.CSV, ImportFormat.ANNEX_A, ImportFormat.SSDA903)


def parse_staff(source: IO[bytes] | bytes, *, file_name: str) -> ParseResult:
    return staff_csv.parse(source, file_name=file_name)


def guess_case_format(data: bytes, file_name: str) -> str:
    """The format of a case file from its content (and extension): a workbook with "List N"
    sheets is Annex A; a CSV whose header has CHILD and DOB is an SSDA903 header table; one with
    case_id is the template."""
    if is_xlsx(data):
        workbook = open_workbook(data, file_name)
        try:
            titles = workbook.sheetnames
        finally:
            workbook.close()
        if any(annex_a.list_number(title) in annex_a.LIST_CASE_TYPES for title in titles):
            return ImportFormat.ANNEX_A
        return ImportFormat.CSV
    if ssda903.looks_like_episodes(data) or ssda903.looks_like_header(data):
        return ImportFormat.SSDA903
    first_line = data[:4000].decode("utf-8-sig", errors="replace").split("\n", 1)[0].lower()
    if "case_id" in first_line or PurePath(file_name).suffix.lower() == ".csv":
        return ImportFormat.CSV
    raise FileRefused(f"{file_name}: cannot tell the format; choose one (csv, annex-a or ssda903)")


def parse_cases(
    source: IO[bytes] | bytes,
    *,
    file_name: str,
    source_format: str = "",
    episodes: IO[bytes] | bytes | None = None,
    episodes_name: str = "episodes.csv",
) -> ParseResult:
    """Parse a case file in the given format, or the one guessed from its content."""
    data = read_bytes(source)
    source_format = source_format or guess_case_format(data, file_name)
    if source_format == ImportFormat.CSV:
        return csv_template.parse(data, file_name=file_name)
    if source_format == ImportFormat.ANNEX_A:
        return annex_a.parse(data, file_name=file_name)
    if source_format == ImportFormat.SSDA903:
        return ssda903.parse(
            data, file_name=file_name, episodes=episodes, episodes_name=episodes_name
        )
    raise FileRefused(f"unknown format {source_format!r} (use csv, annex-a or ssda903)")
