"""The Ofsted ILACS Annex A workbook, as authorities really send it.

Lists 6 (children in need), 7 (child protection), 8 (children in care) and 9 (care leavers) give
children with their allocated team and worker; the other lists are ignored.

Quirks handled:
- sheet names vary ("List 6", "List6", "List 6 - CIN", "list 06"): matched by their list number;
- the header may sit below a title block: it is the first of the top 20 rows with a child ID
  heading; headings vary ("Child Unique ID", "Child ID"; "Allocated Worker", "Allocated Social
  Worker"; "Age" for "Age of Child (Years)") and are matched by pattern, not spelling;
- cells carry non-breaking and doubled spaces ("Dustin\\xa0Hazlett"), Excel error values such as
  "#N/A" (an empty cell), IDs stored as numbers (12345.0) and dates stored as datetimes, Excel
  serial numbers or text (DD/MM/YYYY or YYYY-MM-DD); blank rows are skipped;
- coded values ("b) Female") are not needed for a case and are not read.

There are usually no names: the child ID becomes the display name of a new case (a name column,
if one is there, is used). A missing team or worker ("#N/A") leaves an existing case's team or
worker alone; a new case goes to the default team and is unallocated. A child on several lists is
imported once: an open episode wins over a closed one, then the most specific list (cla over
care_leaver over cp over cin), then the latest start.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import IO

from caseaudit.cases.models import CaseType, SubjectType
from caseaudit.imports.models import ImportFormat

from .common import (
    KEEP,
    BadDate,
    CaseRow,
    FileRefused,
    ParseResult,
    RowRef,
    clean_text,
    header_key,
    is_blank,
    is_xlsx,
    open_workbook,
    parse_date,
    read_bytes,
    sheet_rows,
)

LIST_CASE_TYPES = {6: CaseType.CIN, 7: CaseType.CP, 8: CaseType.CLA, 9: CaseType.CARE_LEAVER}
# A child on several lists takes the most specific (higher wins).
SPECIFICITY = {CaseType.CIN: 0, CaseType.CP: 1, CaseType.CARE_LEAVER: 2, CaseType.CLA: 3}
SHEET_NAME = re.compile(r"^\s*list\s*[-_]?\s*0*(\d{1,2})(?!\d)", re.IGNORECASE)
HEADER_SEARCH_ROWS = 20


def _patterns(*texts: str) -> list[re.Pattern]:
    return [re.compile(t) for t in texts]


# Field -> patterns tried in order against each normalised heading (first match wins).
COMMON_COLUMNS = {
    "child_id": _patterns(r"child.*\bid\b", r"^(unique )?id$", r"unique.*id", r"child.*identifier"),
    "date_of_birth": _patterns(r"date.*birth", r"^d\.?o\.?b\.?$"),
    "team": _patterns(r"allocated.*team", r"^team( name)?$", r"^allocated team"),
    "worker_id": _patterns(r"worker.*\bid\b", r"worker.*(number|identifier|code)"),
    "worker": _patterns(r"allocated.*worker", r"^(social |key )?worker( name)?$"),
    "name": _patterns(r"^(child'?s? )?(full )?name$"),
}
LIST_COLUMNS = {
    6: {
        "start": _patterns(r"cin.*start", r"start.*\bcin\b", r"^start date$"),
        "end": _patterns(r"cin.*clos.*date", r"date.*cin.*clos", r"^(cin )?(closure|end) date$"),
    },
    7: {
        "start": _patterns(r"(protection|\bcp).*plan.*start", r"plan start", r"^start date$"),
        "end": _patterns(r"(protection|\bcp).*plan.*end", r"plan end", r"^end date$"),
    },
    8: {
        "start": _patterns(
            r"started to be looked after",
            r"date.*(entered|came into|became).*care",
            r"(looked after|\bcla\b|\blac\b).*start",
            r"^start date$",
        ),
        "end": _patterns(r"date.*ceased", r"ceased.*date", r"^end date$"),
    },
    9: {},
}
LIST_LABELS = {
    "child_id": "Child Unique ID",
    "start": "start date",
    "team": "Allocated Team",
    "worker": "Allocated Worker",
}


@dataclass
class _Sheet:
    number: int
    title: str
    header_row: int
    index: dict[str, int]
    headings: dict[str, str]


def list_number(title: str) -> int | None:
    match = SHEET_NAME.match(title)
    return int(match[1]) if match else None


def _find_columns(cells, patterns: dict[str, list[re.Pattern]]) -> tuple[dict, dict]:
    keys = [header_key(c) for c in cells]
    index, headings = {}, {}
    for field_name, regexes in patterns.items():
        for regex in regexes:
            for position, key in enumerate(keys):
                if key and position not in index.values() and regex.search(key):
                    index[field_name] = position
                    headings[field_name] = clean_text(cells[position])
                    break
            if field_name in index:
                break
    return index, headings


def _eighteenth_birthday(born: dt.date) -> dt.date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # 29 February
        return dt.date(born.year + 18, 3, 1)


def parse(source: IO[bytes] | bytes, *, file_name: str) -> ParseResult:
    result = ParseResult(file_name=file_name, source_format=ImportFormat.ANNEX_A)
    data = read_bytes(source)
    if not is_xlsx(data):
        raise FileRefused(f"{file_name}: an Annex A return must be an Excel workbook (.xlsx)")
    workbook = open_workbook(data, file_name)
    candidates: dict[str, list[CaseRow]] = {}
    found_lists = set()
    try:
        for worksheet in workbook.worksheets:
            number = list_number(worksheet.title)
            if number not in LIST_CASE_TYPES:
                continue
            found_lists.add(number)
            _parse_sheet(worksheet, number, file_name, result, candidates)
    finally:
        workbook.close()
    if not found_lists:
        result.error(
            RowRef(file_name),
            'no sheets named "List 6", "List 7", "List 8" or "List 9": is this an Annex A return?',
        )
        return result
    missing = sorted(set(LIST_CASE_TYPES) - found_lists)
    if missing:
        result.warnings.append(
            f"{file_name}: no sheet for {', '.join(f'List {n}' for n in missing)}"
        )
    repeated = 0
    for rows in candidates.values():
        chosen = max(rows, key=_preference)
        if len(rows) > 1:
            repeated += 1
            # What the chosen row lacks, another list may give.
            for other in rows:
                if not chosen.date_of_birth and other.date_of_birth:
                    chosen.date_of_birth = other.date_of_birth
                if chosen.display_name is KEEP and other.display_name is not KEEP:
                    chosen.display_name = other.display_name
        result.rows.append(chosen)
    if repeated:
        result.warnings.append(
            f"{file_name}: {repeated} child{'ren' if repeated > 1 else ''} appear more than once "
            "(on several lists or twice on one); each was imported once, from its open episode on "
            "the most specific list"
        )
    return result


def _preference(row: CaseRow):
    opened = row.opened_on if isinstance(row.opened_on, dt.date) else dt.date.min
    return (not row.closed_on, SPECIFICITY[row.case_type], opened)


def _parse_sheet(worksheet, number, file_name, result: ParseResult, candidates) -> None:
    title = worksheet.title
    case_type = LIST_CASE_TYPES[number]
    patterns = {**COMMON_COLUMNS, **LIST_COLUMNS[number]}
    sheet = None
    for row_number, cells in sheet_rows(worksheet, file_name):
        if sheet is None:
            if row_number > HEADER_SEARCH_ROWS:
                break
            index, headings = _find_columns(cells, patterns)
            if "child_id" not in index:
                continue
            required = ("team", "worker", "start") if number != 9 else ("team", "worker")
            missing = [f for f in required if f not in index]
            if missing:
                result.error(
                    RowRef(file_name, row_number, title),
                    "the header has no "
                    + " or ".join(f'"{LIST_LABELS.get(f, f)}"' for f in missing)
                    + " column",
                )
                return
            sheet = _Sheet(number, title, row_number, index, headings)
            columns = {
                "reference": headings["child_id"],
                "display_name": headings.get("name", "name"),
                "date_of_birth": headings.get("date_of_birth", "Date of Birth"),
                "opened_on": headings.get("start", headings.get("date_of_birth", "start date")),
                "closed_on": headings.get("end", "end date"),
                "team": headings["team"],
                "worker": headings.get("worker_id", headings["worker"]),
            }
            continue
        if is_blank(cells):
            continue
        result.records += 1
        row = _parse_row(sheet, cells, RowRef(file_name, row_number, title), result, columns)
        if row is not None:
            row.case_type = case_type
            if row.valid:
                candidates.setdefault(row.reference, []).append(row)
            else:
                result.rows.append(row)  # refused anyway: only its team and worker are checked
    if sheet is None:
        result.error(
            RowRef(file_name, sheet=title),
            f"no header row with a child ID column in the first {HEADER_SEARCH_ROWS} rows",
        )


def _parse_row(sheet: _Sheet, cells, ref: RowRef, result: ParseResult, columns) -> CaseRow | None:
    index, headings = sheet.index, sheet.headings

    def raw(field_name):
        position = index.get(field_name)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    ok = True
    reference = clean_text(raw("child_id"))
    if not reference:
        result.error(ref, "the child ID is empty", headings["child_id"])
        ok = False
    elif len(reference) > 40:
        result.error(ref, f'"{reference}" is longer than 40 characters', headings["child_id"])
        ok = False

    def date_of(field_name):
        nonlocal ok
        try:
            return parse_date(raw(field_name))
        except BadDate as exc:
            result.error(ref, str(exc), headings[field_name])
            ok = False
            return None

    born = date_of("date_of_birth") if "date_of_birth" in index else None
    closed = None
    if sheet.number == 9:
        # Care leavers: the list gives no start; they became care leavers at 18.
        opened = _eighteenth_birthday(born) if born else KEEP
    else:
        opened = date_of("start")
        if opened is None and ok:
            result.error(ref, "the start date is empty", headings["start"])
            ok = False
        # Without a closure column the list says nothing about closing.
        closed = date_of("end") if "end" in index else KEEP
        if ok and closed and closed < opened:
            result.error(
                ref,
                f"ended ({closed:%d/%m/%Y}) before it started ({opened:%d/%m/%Y})",
                headings["end"],
            )
            ok = False

    worker = KEEP
    worker_by_name = True
    if "worker_id" in index and clean_text(raw("worker_id")):
        worker = clean_text(raw("worker_id"))
        worker_by_name = False
    elif clean_text(raw("worker")):
        worker = clean_text(raw("worker"))
    name = clean_text(raw("name")) if "name" in index else ""
    if not ok and not reference:
        return None
    return CaseRow(
        ref=ref,
        reference=reference,
        subject_type=SubjectType.CHILD,
        case_type="",
        opened_on=opened,
        closed_on=closed,
        display_name=name[:150] or KEEP,
        date_of_birth=born if "date_of_birth" in index else KEEP,
        team=clean_text(raw("team")) or KEEP,
        worker=worker,
        worker_by_name=worker_by_name,
        columns=columns,
        valid=ok,
    )
