"""The case list template:

    case_id,subject_type,case_type,name,date_of_birth,opened_on,closed_on,team,
    allocated_worker_id,first_panel_on,last_audited_on

A CSV file (or the first sheet of a workbook). Values of `subject_type` and `case_type` are those
of `SubjectType` and `CaseType`; their labels ("Child in need") and any letter case are accepted.
An empty `subject_type` follows from the case type (fostering: foster carer, adoption: adopter,
else child). Dates are YYYY-MM-DD or DD/MM/YYYY. Columns after `team` may be left out: a missing
column leaves existing cases as they are. An empty `name` keeps the existing name (a new case
shows its case_id); an empty `allocated_worker_id` means unallocated.
"""

from typing import IO

from caseaudit.cases.models import CARER_CASE_TYPES, CHILD_CASE_TYPES, CaseType, SubjectType
from caseaudit.imports.models import ImportFormat

from .common import (
    KEEP,
    BadDate,
    CaseRow,
    ParseResult,
    RowRef,
    Table,
    clean_text,
    parse_date,
    read_template,
)

REQUIRED = ("case_id", "subject_type", "case_type", "opened_on", "team")
OPTIONAL = (
    "name",
    "date_of_birth",
    "closed_on",
    "allocated_worker_id",
    "first_panel_on",
    "last_audited_on",
)
COLUMNS = (
    "case_id",
    "subject_type",
    "case_type",
    "name",
    "date_of_birth",
    "opened_on",
    "closed_on",
    "team",
    "allocated_worker_id",
    "first_panel_on",
    "last_audited_on",
)


def _lookup(choices) -> dict[str, str]:
    table = {}
    for choice in choices:
        table[choice.value] = choice.value
        table[choice.label.lower()] = choice.value
        table[choice.value.replace("_", " ")] = choice.value
    return table


SUBJECT_TYPES = _lookup(SubjectType)
CASE_TYPES = _lookup(CaseType)
CASE_TYPES.update({"lac": CaseType.CLA, "cic": CaseType.CLA, "child looked after": CaseType.CLA})
SUBJECT_FOR_CARER_TYPE = {
    CaseType.FOSTERING: SubjectType.FOSTER_CARER,
    CaseType.ADOPTION: SubjectType.ADOPTER,
}
SUBJECT_FOR_CARER_TYPE_REVERSE = {v: k for k, v in SUBJECT_FOR_CARER_TYPE.items()}
COLUMN_NAMES = {
    "reference": "case_id",
    "display_name": "name",
    "worker": "allocated_worker_id",
}


def _choice(text: str, table: dict[str, str]) -> str | None:
    key = text.strip().lower().replace("-", " ")
    return table.get(key) or table.get(key.replace(" ", "_"))


def _reference(result: ParseResult, ref: RowRef, text: str, seen: dict[str, int]) -> bool:
    """Check the case_id (present, short enough, on no earlier row, which `seen` records)."""
    if not text:
        result.error(ref, "case_id is empty", "case_id")
        return False
    if len(text) > 40:
        result.error(ref, f'"{text}" is longer than 40 characters', "case_id")
        return False
    if text in seen:
        result.error(ref, f'case_id "{text}" is also on row {seen[text]}', "case_id")
        return False
    seen[text] = ref.row
    return True


def _case_type(result: ParseResult, ref: RowRef, text: str) -> str | None:
    case_type = _choice(text, CASE_TYPES)
    if case_type is None:
        result.error(
            ref,
            f'"{text}" is not a case type (use one of {", ".join(CaseType.values)})',
            "case_type",
        )
    return case_type


def _subject_type(
    result: ParseResult, ref: RowRef, text: str, case_type: str | None
) -> tuple[str | None, bool]:
    """The subject type named (or, when empty, following from the case type), and whether it
    was understood."""
    if not text:
        return SUBJECT_FOR_CARER_TYPE.get(case_type, SubjectType.CHILD), True
    subject_type = _choice(text, SUBJECT_TYPES)
    if subject_type is None:
        result.error(
            ref,
            f'"{text}" is not a subject type (use one of {", ".join(SubjectType.values)})',
            "subject_type",
        )
        return None, False
    return subject_type, True


def _types_agree(result: ParseResult, ref: RowRef, case_type: str, subject_type: str) -> bool:
    """Whether the case type is one for the subject type (a child's, or this carer's)."""
    is_child = subject_type == SubjectType.CHILD
    if is_child and case_type not in CHILD_CASE_TYPES:
        result.error(ref, f'"{case_type}" is not a case type for a child', "case_type")
        return False
    if not is_child and (
        case_type not in CARER_CASE_TYPES or SUBJECT_FOR_CARER_TYPE[case_type] != subject_type
    ):
        expected = SUBJECT_FOR_CARER_TYPE_REVERSE[subject_type]
        subject_label = SubjectType(subject_type).label.lower()
        result.error(
            ref,
            f'"{case_type}" is not a case type for a {subject_label} (use {expected})',
            "case_type",
        )
        return False
    return True


def _dates(
    result: ParseResult, ref: RowRef, table: Table, cells, subject_type: str | None
) -> tuple[dict, bool]:
    """The row's dates (KEEP for a missing column) and whether they are all acceptable:
    readable, opened_on present, not closed before opened, first_panel_on only for carers."""
    dates = {}
    dates_ok = True
    for key in ("date_of_birth", "opened_on", "closed_on", "first_panel_on", "last_audited_on"):
        if key not in table.columns:
            dates[key] = KEEP
            continue
        try:
            dates[key] = parse_date(table.get(cells, key))
        except BadDate as exc:
            result.error(ref, str(exc), key)
            dates_ok = False
    if not dates_ok:
        return dates, False
    if dates["opened_on"] is None:
        result.error(ref, "opened_on is empty", "opened_on")
        return dates, False
    ok = True
    if dates["closed_on"] and dates["closed_on"] < dates["opened_on"]:
        result.error(
            ref,
            f"the case closed ({dates['closed_on']:%d/%m/%Y}) before it opened "
            f"({dates['opened_on']:%d/%m/%Y})",
            "closed_on",
        )
        ok = False
    if dates["first_panel_on"] and subject_type == SubjectType.CHILD:
        result.error(ref, "first_panel_on is for foster carers and adopters only", "first_panel_on")
        ok = False
    return dates, ok


def _parse_row(result: ParseResult, table: Table, ref: RowRef, cells, seen: dict[str, int]) -> None:
    """Check one row, adding its errors to `result`, and add the row unless it lacks a
    case_id or a team."""
    present = table.columns
    get = table.get
    reference = clean_text(get(cells, "case_id"))
    ok = _reference(result, ref, reference, seen)
    case_type = _case_type(result, ref, clean_text(get(cells, "case_type")))
    ok = ok and case_type is not None
    subject_type, subject_ok = _subject_type(
        result, ref, clean_text(get(cells, "subject_type")), case_type
    )
    ok = ok and subject_ok
    if case_type and subject_type and not _types_agree(result, ref, case_type, subject_type):
        ok = False
    dates, dates_ok = _dates(result, ref, table, cells, subject_type)
    ok = ok and dates_ok

    team = clean_text(get(cells, "team"))
    if not team:
        result.error(ref, "team is empty", "team")
        ok = False
    name = clean_text(get(cells, "name")) if "name" in present else ""
    if len(name) > 150:
        result.error(ref, "the name is longer than 150 characters", "name")
        ok = False
    worker = KEEP
    if "allocated_worker_id" in present:
        worker = clean_text(get(cells, "allocated_worker_id")) or None

    if ok or (reference and team):
        result.rows.append(
            CaseRow(
                ref=ref,
                reference=reference,
                subject_type=subject_type,
                case_type=case_type,
                opened_on=dates.get("opened_on"),
                closed_on=dates.get("closed_on"),
                display_name=name or KEEP,
                date_of_birth=dates.get("date_of_birth"),
                team=team,
                worker=worker,
                first_panel_on=dates.get("first_panel_on"),
                last_audited_on=dates.get("last_audited_on"),
                columns=COLUMN_NAMES,
                valid=ok,
            )
        )


def parse(source: IO[bytes] | bytes, *, file_name: str) -> ParseResult:
    result = ParseResult(file_name=file_name, source_format=ImportFormat.CSV)
    seen: dict[str, int] = {}
    for table, ref, cells in read_template(
        source, file_name=file_name, required=REQUIRED, optional=OPTIONAL, result=result
    ):
        _parse_row(result, table, ref, cells, seen)
    return result
