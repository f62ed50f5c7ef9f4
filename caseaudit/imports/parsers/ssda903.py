"""The SSDA903 looked-after children return: its header and episodes tables (CSV).

header.csv has one row per child (CHILD, SEX, DOB, ...); episodes.csv one row per period of care
(CHILD, DECOM start, DEC end, REC reason for ending, ...). Each child becomes a `cla` case with
its CHILD id as reference (and, for a new case, as display name: the 903 holds no names):
- opened on the start (DECOM) of the child's first episode;
- closed on the end (DEC) of the last episode if the child has left care: that episode has an end
  date and a reason other than X1 ("episode ceases and a new one begins"); otherwise open. An
  open reason (REC) on an episode without an end date is ignored: the end date decides.
- The 903 carries no team or worker: new cases go to the team given with `--team`, existing cases
  keep their team and worker.
A child in the header with no episodes cannot be dated and is left out (a warning says so); an
episode for a child who is not in the header is an error.
"""

import datetime as dt
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
    csv_rows,
    is_blank,
    is_xlsx,
    parse_date,
    read_bytes,
)

HEADER_REQUIRED = ("CHILD", "DOB")
EPISODES_REQUIRED = ("CHILD", "DECOM", "DEC", "REC")
CONTINUES = "X1"  # REC: the episode ends and a new one starts at once (still looked after)
COLUMNS = {
    "reference": "CHILD",
    "date_of_birth": "DOB",
    "opened_on": "DECOM",
    "closed_on": "DEC",
    "team": "--team",
}


@dataclass(slots=True)
class _Episode:
    ref: RowRef
    start: dt.date
    end: dt.date | None
    reason: str


def _table(data: bytes, file_name: str, required: tuple[str, ...], result: ParseResult):
    """Yield (RowRef, {COLUMN: value}) for each data row; check the header first."""
    if is_xlsx(data):
        raise FileRefused(f"{file_name}: SSDA903 tables must be CSV files")
    header = None
    for number, cells in csv_rows(data, file_name):
        if header is None:
            if is_blank(cells):
                continue
            header = [clean_text(c).upper() for c in cells]
            missing = [c for c in required if c not in header]
            if missing:
                result.error(
                    RowRef(file_name, number),
                    f"the header is missing column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)}",
                )
                return
            continue
        if is_blank(cells):
            continue
        yield RowRef(file_name, number), dict(zip(header, cells, strict=False))
    if header is None:
        result.error(RowRef(file_name), "the file is empty (no header row)")


def looks_like_header(data: bytes) -> bool:
    first = data[:2000].decode("utf-8-sig", errors="replace").split("\n", 1)[0].upper()
    return "CHILD" in first and "DOB" in first and "DECOM" not in first


def looks_like_episodes(data: bytes) -> bool:
    first = data[:2000].decode("utf-8-sig", errors="replace").split("\n", 1)[0].upper()
    return "CHILD" in first and "DECOM" in first


def _read_children(
    result: ParseResult, data: bytes, file_name: str
) -> tuple[dict[str, tuple[RowRef, dt.date | None]], set[str]]:
    """The header table: each valid child's row and date of birth, and the CHILD ids of the
    rows in error (their episodes are then passed over without a second error)."""
    children: dict[str, tuple[RowRef, dt.date | None]] = {}
    refused: set[str] = set()
    for ref, row in _table(data, file_name, HEADER_REQUIRED, result):
        result.records += 1
        child = clean_text(row.get("CHILD"))
        ok = True
        if not child:
            result.error(ref, "CHILD is empty", "CHILD")
            ok = False
        elif len(child) > 40:
            result.error(ref, f'"{child}" is longer than 40 characters', "CHILD")
            ok = False
        elif child in children:
            result.error(ref, f'CHILD "{child}" is also on row {children[child][0].row}', "CHILD")
            ok = False
        try:
            born = parse_date(row.get("DOB"))
        except BadDate as exc:
            result.error(ref, str(exc), "DOB")
            ok = False
        if ok:
            children[child] = (ref, born)
        elif child:
            refused.add(child)
    return children, refused


def _episode_dates(result: ParseResult, ref: RowRef, row: dict, ok: bool) -> tuple[dict, bool]:
    """An episode's start (DECOM) and end (DEC), and whether the row is still acceptable:
    readable dates, a start, and no end before it (checked only while `ok`)."""
    dates = {}
    for column in ("DECOM", "DEC"):
        try:
            dates[column] = parse_date(row.get(column))
        except BadDate as exc:
            result.error(ref, str(exc), column)
            ok = False
    if ok and dates["DECOM"] is None:
        result.error(ref, "DECOM (the episode's start) is empty", "DECOM")
        ok = False
    if ok and dates["DEC"] and dates["DEC"] < dates["DECOM"]:
        result.error(
            ref,
            f"the episode ended ({dates['DEC']:%d/%m/%Y}) before it started "
            f"({dates['DECOM']:%d/%m/%Y})",
            "DEC",
        )
        ok = False
    return dates, ok


def _read_episodes(
    result: ParseResult,
    data: bytes,
    *,
    episodes_name: str,
    file_name: str,
    children: dict[str, tuple[RowRef, dt.date | None]],
    refused: set[str],
) -> dict[str, list[_Episode]]:
    """The episodes table: each valid episode, by child."""
    episodes_by_child: dict[str, list[_Episode]] = {}
    for ref, row in _table(data, episodes_name, EPISODES_REQUIRED, result):
        result.records += 1
        child = clean_text(row.get("CHILD"))
        ok = True
        if not child:
            result.error(ref, "CHILD is empty", "CHILD")
            ok = False
        elif child in refused:
            ok = False  # its header row is already in error
        elif child not in children:
            result.error(ref, f'CHILD "{child}" is not in {file_name}', "CHILD")
            ok = False
        dates, ok = _episode_dates(result, ref, row, ok)
        if ok:
            episodes_by_child.setdefault(child, []).append(
                _Episode(ref, dates["DECOM"], dates["DEC"], clean_text(row.get("REC")).upper())
            )
    return episodes_by_child


def _add_cases(
    result: ParseResult,
    children: dict[str, tuple[RowRef, dt.date | None]],
    episodes_by_child: dict[str, list[_Episode]],
    *,
    file_name: str,
    episodes_name: str,
) -> None:
    """A case row for each child with episodes (opened on the first, closed on the last if the
    child has left care); a warning naming the header rows of children without any."""
    without_episodes = []
    for child, (ref, born) in children.items():
        episodes_of_child = episodes_by_child.get(child)
        if not episodes_of_child:
            without_episodes.append(ref)
            continue
        episodes_of_child.sort(key=lambda e: e.start)
        first, last = episodes_of_child[0], episodes_of_child[-1]
        left_care = last.end is not None and last.reason != CONTINUES
        result.rows.append(
            CaseRow(
                ref=first.ref,
                reference=child,
                subject_type=SubjectType.CHILD,
                case_type=CaseType.CLA,
                opened_on=first.start,
                closed_on=last.end if left_care else None,
                display_name=KEEP,
                date_of_birth=born,
                team=KEEP,
                worker=KEEP,
                columns=COLUMNS,
            )
        )
    if without_episodes:
        shown = ", ".join(str(ref.row) for ref in without_episodes[:10])
        more = "…" if len(without_episodes) > 10 else ""
        result.warnings.append(
            f"{file_name}: {len(without_episodes)} children have no episodes in {episodes_name} "
            f"and were not imported (rows {shown}{more})"
        )


def parse(
    source: IO[bytes] | bytes,
    *,
    file_name: str,
    episodes: IO[bytes] | bytes | None,
    episodes_name: str = "episodes.csv",
) -> ParseResult:
    result = ParseResult(file_name=file_name, source_format=ImportFormat.SSDA903)
    header_data = read_bytes(source)
    if looks_like_episodes(header_data):
        raise FileRefused(
            f"{file_name} is an SSDA903 episodes table: give the header table as the file "
            "and this one as the episodes file"
        )
    if episodes is None:
        raise FileRefused(
            f"{file_name}: an SSDA903 import needs the episodes table too (--episodes)"
        )
    children, refused = _read_children(result, header_data, file_name)
    episodes_by_child = _read_episodes(
        result,
        read_bytes(episodes),
        episodes_name=episodes_name,
        file_name=file_name,
        children=children,
        refused=refused,
    )
    _add_cases(
        result, children, episodes_by_child, file_name=file_name, episodes_name=episodes_name
    )
    return result
