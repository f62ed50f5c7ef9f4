"""What every parser shares: row errors, results, cell cleaning, dates and reading tables.

A parser reads a whole file and returns plain row dataclasses plus every error it found; it never
touches the database (a background import's progress aside: `csv_rows` and `sheet_rows` report
each row read to `caseaudit.imports.progress`, which does nothing outside such an import).
Row numbers are the ones a person sees in Excel: the header is row 1.
"""

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl.xml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from caseaudit.imports import progress


class Keep:
    """A value the source does not carry: an existing record keeps what it has."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"

    def __bool__(self) -> bool:
        return False


KEEP = Keep()


@dataclass(frozen=True, slots=True)
class RowRef:
    """Where a record came from: file, sheet (workbooks only) and spreadsheet row."""

    file: str
    row: int | None = None
    sheet: str = ""

    def describe(self, column: str = "") -> str:
        text = self.file
        if self.sheet:
            text += f' sheet "{self.sheet}"'
        if self.row is not None:
            text += f" row {self.row}"
        if column:
            text += f", column {column}"
        return text


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, named by file, sheet, row and column, and what was wrong."""

    ref: RowRef
    message: str
    column: str = ""

    def __str__(self) -> str:
        return f"{self.ref.describe(self.column)}: {self.message}"


@dataclass
class ParseResult:
    """What a parser found: rows ready for a service, every error, and warnings."""

    file_name: str
    source_format: str
    rows: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    records: int = 0  # records read from the file(s), blank rows excluded

    def error(self, ref: RowRef, message: str, column: str = "") -> None:
        self.errors.append(RowError(ref=ref, message=message, column=column))


class FileRefused(Exception):
    """The file cannot be read at all (wrong type, unreadable, missing columns)."""


# --- cells ------------------------------------------------------------------------------------

# Excel's error values and the usual spellings of "nothing here": all mean an empty cell.
MISSING_MARKERS = frozenset(
    {"#n/a", "n/a", "#na", "#ref!", "#value!", "#name?", "#div/0!", "#null!", "#num!", "null"}
)
_SPACES = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """A cell as text: non-breaking and repeated spaces collapsed, trimmed, error markers empty.

    Whole numbers that Excel stored as floats (12345.0) come back as "12345".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = str(value)
    if "\xa0" in text or "  " in text or "\t" in text or "\n" in text:
        text = _SPACES.sub(" ", text.replace("\xa0", " "))
    text = text.strip()
    if text and text[0] in "#nN" and text.lower() in MISSING_MARKERS:
        return ""
    return text


def name_key(value: str) -> str:
    """How names are compared: spacing and letter case do not matter."""
    return _SPACES.sub(" ", value.replace("\xa0", " ")).strip().casefold()


def header_key(value: Any) -> str:
    """A column heading reduced for matching: lower case, single spaces, straight quotes."""
    text = clean_text(value).lower()
    return text.replace("\u2018", "'").replace("\u2019", "'").replace("\ufeff", "")


# --- dates ------------------------------------------------------------------------------------

DATE_HINT = "use YYYY-MM-DD or DD/MM/YYYY"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?$")


class BadDate(ValueError):
    pass


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a date or datetime, an Excel serial number, or text.

    Text must be YYYY-MM-DD or DD/MM/YYYY (a time of midnight, as Excel exports, is allowed).
    Empty cells give None; anything else raises BadDate.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial day number (1 = 1 January 1900); accept 1900 to 2199.
        if 1 <= value < 109574:
            converted = from_excel(value)
            return converted.date() if isinstance(converted, dt.datetime) else converted
        raise BadDate(f'"{clean_text(value)}" is not a date ({DATE_HINT})')
    text = clean_text(value)
    if not text:
        return None
    match = _ISO.match(text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        match = _UK.match(text)
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise BadDate(f'"{text}" is not a date ({DATE_HINT})')


# --- reading tables ---------------------------------------------------------------------------

XLSX_MAGIC = b"PK\x03\x04"


def read_bytes(source: IO[bytes] | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    return data.encode() if isinstance(data, str) else data


def is_xlsx(data: bytes) -> bool:
    return data[:4] == XLSX_MAGIC


def max_rows() -> int:
    """The most rows a file may have (the `IMPORT_MAX_ROWS` setting)."""
    return int(getattr(settings, "IMPORT_MAX_ROWS", 250_000))


def _too_many_rows(file_name: str) -> FileRefused:
    return FileRefused(
        f"{file_name}: the file has more than {max_rows():,} rows, the most an import takes "
        "(IMPORT_MAX_ROWS): split it into smaller files"
    )


def decode_text(data: bytes, file_name: str) -> str:
    """CSV text as saved by Excel or a case management system: UTF-8 (with or without a byte
    order mark), else Windows-1252, which Excel on Windows writes by default. A NUL byte
    anywhere refuses the file (naming its row): no text file has one, and neither SQLite nor
    PostgreSQL would store it as a name."""
    if b"\x00" in data[:4096]:
        raise FileRefused(f"{file_name}: this is not a CSV text file")
    nul = data.find(b"\x00")
    if nul >= 0:
        row = data.count(b"\n", 0, nul) + 1
        raise FileRefused(
            f"{file_name}: row {row} holds a NUL character (byte 0): this is not a CSV text "
            "file, or it is damaged; save it again as CSV"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def csv_rows(data: bytes, file_name: str):
    """(spreadsheet row number, cells) for every record of a CSV file, blank lines included in
    the numbering. The delimiter is a comma, or a semicolon or tab if the header has no commas."""
    text = decode_text(data, file_name)
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        if ";" in first_line:
            delimiter = ";"
        elif "\t" in first_line:
            delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    limit = max_rows() + 1  # the header
    try:
        for number, cells in progress.counted(enumerate(reader, start=1)):
            if number > limit:
                raise _too_many_rows(file_name)
            yield number, cells
    except csv.Error as exc:
        raise FileRefused(f"{file_name}: not a readable CSV file ({exc})") from exc


# A workbook is a zip archive of XML files. Before openpyxl opens one, its members' declared
# sizes are checked: a "zip bomb" (149 KB expanding to 38 MB) is refused before any of it is
# expanded. (zipfile also stops a member that expands past its declared size.)
XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024
XLSX_MAX_RATIO = 100  # uncompressed / compressed, over the whole archive (real files: 3 to 20)
XLSX_RATIO_FROM = 1024 * 1024  # small archives are not held to the ratio
# What a damaged or hostile workbook raises while it is read: bad zip data, malformed XML, XML
# that defusedxml refuses (entity expansion, external entities, DTDs), bad values.
XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    OSError,
    ValueError,  # DefusedXmlException is one
    TypeError,
    IndexError,
    AttributeError,
    ParseError,
)


def _xlsx_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "IMPORT_XLSX_MAX_UNCOMPRESSED", XLSX_MAX_UNCOMPRESSED)),
        int(getattr(settings, "IMPORT_XLSX_MAX_RATIO", XLSX_MAX_RATIO)),
    )


def check_xlsx_archive(data: bytes, file_name: str) -> None:
    """Refuse a workbook whose archive would expand past the limits (FileRefused)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise FileRefused(f"{file_name}: not a readable Excel workbook (.xlsx)") from exc
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    limit, ratio = _xlsx_limits()
    if total > limit:
        raise FileRefused(
            f"{file_name}: the workbook expands to {total / 1024 / 1024:,.0f} MB, more than the "
            f"{limit / 1024 / 1024:,.0f} MB an import takes: save it as CSV, or split it"
        )
    if total > XLSX_RATIO_FROM and total / packed > ratio:
        raise FileRefused(
            f"{file_name}: the workbook expands {total // packed:,} times over when opened, "
            "which no real spreadsheet does: it was refused as unsafe"
        )


def _unsafe_xml(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps what it raises in a ValueError)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _refused_xml(file_name: str, exc: BaseException) -> FileRefused:
    if _unsafe_xml(exc):
        return FileRefused(
            f"{file_name}: the workbook holds XML that is refused as unsafe (entity "
            "declarations or external references): save it again from Excel as a new .xlsx"
        )
    return FileRefused(
        f"{file_name}: not a readable Excel workbook (.xlsx): it is damaged, or not really a "
        "workbook; save it again from Excel"
    )


def open_workbook(data: bytes, file_name: str):
    """A workbook, read-only, after checking its archive; its XML is parsed by defusedxml
    (openpyxl uses it whenever it is installed: `openpyxl.xml.DEFUSEDXML`)."""
    if not openpyxl.xml.DEFUSEDXML or openpyxl.xml.LXML:  # pragma: no cover - misconfigured
        raise FileRefused(f"{file_name}: workbooks cannot be read safely here (no defusedxml)")
    check_xlsx_archive(data, file_name)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise _refused_xml(file_name, exc) from exc


def sheet_rows(worksheet, file_name: str = ""):
    """(row number, cells) for every row of a worksheet, numbered as Excel shows them; past
    `IMPORT_MAX_ROWS` (counted as read: the sheet's declared dimension is not trusted), or on
    damaged or unsafe XML, FileRefused."""
    file_name = file_name or "the workbook"
    worksheet.reset_dimensions()  # some writers record wrong dimensions; read everything
    limit = max_rows() + 1
    rows = enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1)
    try:
        for number, cells in progress.counted(rows):
            if number > limit:
                raise _too_many_rows(file_name)
            yield number, cells
    except XLSX_ERRORS as exc:
        raise _refused_xml(file_name, exc) from exc


def count_rows(data: bytes, file_name: str = "", *, stop_after: int | None = None) -> int:
    """How many rows a file really has, counted by reading it (a workbook's sheets streamed,
    never trusting their declared dimension), stopping once past `stop_after`. FileRefused for
    a file that cannot be read safely."""
    if not data:
        return 0
    if not is_xlsx(data):
        return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    workbook = open_workbook(data, file_name)
    total = 0
    try:
        for worksheet in workbook.worksheets:
            worksheet.reset_dimensions()
            try:
                for _row in worksheet.iter_rows(values_only=True):
                    total += 1
                    if stop_after is not None and total > stop_after:
                        return total
            except XLSX_ERRORS as exc:
                raise _refused_xml(file_name, exc) from exc
    finally:
        workbook.close()
    return total


def table_rows(data: bytes, file_name: str):
    """(sheet name, rows) of a CSV file or of an Excel workbook's first worksheet."""
    if is_xlsx(data):
        workbook = open_workbook(data, file_name)
        worksheet = workbook.worksheets[0]
        return worksheet.title, sheet_rows(worksheet, file_name)
    return "", csv_rows(data, file_name)


def is_blank(cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


@dataclass
class Table:
    """A header row mapped to columns, for the simple one-header-row templates."""

    file_name: str
    sheet: str
    columns: dict[str, int]  # normalised heading -> index
    headings: dict[str, str]  # normalised heading -> heading as written

    def get(self, cells, key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        return cells[index]


def read_template(
    source: IO[bytes] | bytes,
    *,
    file_name: str,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    result: ParseResult,
):
    """Read a template file (CSV, or the first sheet of a workbook) whose first non-blank row is
    the header. Yields (RowRef, cells) for each non-blank data row after checking the header;
    missing required columns are one file-level error and nothing is yielded."""
    data = read_bytes(source)
    sheet, rows = table_rows(data, file_name)
    header = None
    for number, cells in rows:
        if header is None:
            if is_blank(cells):
                continue
            keys = [header_key(c).replace(" ", "_") for c in cells]
            columns = {}
            headings = {}
            for index, key in enumerate(keys):
                if key and key not in columns:
                    columns[key] = index
                    headings[key] = clean_text(cells[index])
            missing = [c for c in required if c not in columns]
            if missing:
                result.error(
                    RowRef(file_name, number, sheet),
                    f"the header is missing column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)} (expected {','.join(required + optional)})",
                )
                return
            unknown = [headings[k] for k in columns if k not in required + optional]
            if unknown:
                result.warnings.append(
                    f"{file_name}: column{'s' if len(unknown) > 1 else ''} "
                    f"{', '.join(unknown)} ignored"
                )
            header = Table(file_name, sheet, columns, headings)
            continue
        if is_blank(cells):
            continue
        result.records += 1
        yield header, RowRef(file_name, number, sheet), cells
    if header is None:
        result.error(RowRef(file_name), "the file is empty (no header row)")


# --- the case row every case format produces -----------------------------------------------


@dataclass(slots=True)
class CaseRow:
    """One case as a source gives it. `KEEP` marks what the source does not carry: an existing
    case keeps its value and a new one takes the default (see `plan.cases`)."""

    ref: RowRef
    reference: str
    subject_type: str
    case_type: str
    opened_on: Any  # date | KEEP (only where the source has no start date at all)
    closed_on: Any = KEEP  # date | None | KEEP
    display_name: Any = KEEP  # str | KEEP (new cases then show the reference)
    date_of_birth: Any = KEEP  # date | None | KEEP
    team: Any = KEEP  # team name or code | KEEP (existing team, else the default team)
    worker: Any = KEEP  # staff ID (or name, see worker_by_name) | None | KEEP
    worker_by_name: bool = False  # the source may name the worker instead of giving an ID
    first_panel_on: Any = KEEP
    last_audited_on: Any = KEEP
    # Column headings as the source writes them, for error messages.
    columns: dict = field(default_factory=dict)
    # False when the row has errors already: its team and worker are still checked, so one
    # pass reports every error, but it is never written.
    valid: bool = True

    def column(self, key: str) -> str:
        return self.columns.get(key, key)
