"""The staff list template: `staff_id,name,email,role,team,service_area,line_manager_id`.

A CSV file (or the first sheet of a workbook) with that header. Roles are the values of
`Role` (`practice_supervisor`); their labels ("Practice Supervisor") and any letter case are
accepted too.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from caseaudit.imports.models import ImportFormat
from caseaudit.organisation.models import Role
from caseaudit.organisation.roles import TEAM_ROLES

from .common import ParseResult, RowRef, Table, clean_text, read_template

REQUIRED = ("staff_id", "name", "email", "role")
OPTIONAL = ("team", "service_area", "line_manager_id")
COLUMNS = REQUIRED + OPTIONAL

_ROLE_LOOKUP = {}
for _role in Role:
    _ROLE_LOOKUP[_role.value] = _role.value
    _ROLE_LOOKUP[_role.label.lower()] = _role.value
    _ROLE_LOOKUP[_role.value.replace("_", " ")] = _role.value


@dataclass(slots=True)
class StaffRow:
    ref: RowRef
    staff_id: str
    name: str
    email: str
    role: str
    team: str  # team name, "" for none
    service_area: str  # service area name, "" for none
    line_manager_id: str  # "" for none
    valid: bool = True  # False: the row has errors; only its references are still checked


def role_value(text: str) -> str | None:
    key = text.strip().lower().replace("-", " ")
    return _ROLE_LOOKUP.get(key) or _ROLE_LOOKUP.get(key.replace(" ", "_"))


def _staff_id_ok(result: ParseResult, ref: RowRef, staff_id: str, seen: dict[str, int]) -> bool:
    """Check the staff_id (present, short enough, on no earlier row in any letter case, which
    `seen` records)."""
    if not staff_id:
        result.error(ref, "staff_id is empty", "staff_id")
        return False
    if len(staff_id) > 40:
        result.error(ref, f'"{staff_id}" is longer than 40 characters', "staff_id")
        return False
    if staff_id.casefold() in seen:
        result.error(
            ref, f'staff_id "{staff_id}" is also on row {seen[staff_id.casefold()]}', "staff_id"
        )
        return False
    seen[staff_id.casefold()] = ref.row
    return True


def _name_ok(result: ParseResult, ref: RowRef, name: str) -> bool:
    if not name:
        result.error(ref, "name is empty", "name")
        return False
    if len(name) > 150:
        result.error(ref, "the name is longer than 150 characters", "name")
        return False
    return True


def _email_ok(result: ParseResult, ref: RowRef, email: str, seen: dict[str, int]) -> bool:
    """Check the email (an address, on no earlier row in any letter case, which `seen`
    records)."""
    try:
        validate_email(email)
    except ValidationError:
        result.error(ref, f'"{email}" is not an email address', "email")
        return False
    if email.casefold() in seen:
        result.error(ref, f'"{email}" is also on row {seen[email.casefold()]}', "email")
        return False
    seen[email.casefold()] = ref.row
    return True


def _role(result: ParseResult, ref: RowRef, text: str) -> str | None:
    role = role_value(text)
    if role is None:
        result.error(ref, f'"{text}" is not a role (use one of {", ".join(Role.values)})', "role")
    return role


def _placement_ok(result: ParseResult, ref: RowRef, role: str | None, team: str, area: str) -> bool:
    """Check the team and service area: a team needs its area, a team role needs a team, a
    Children's Service Manager needs an area, and neither name is too long."""
    ok = True
    if team and not area:
        result.error(ref, f'team "{team}" needs its service_area', "service_area")
        ok = False
    if role in TEAM_ROLES and not team:
        result.error(ref, f"a {Role(role).label} needs a team", "team")
        ok = False
    if role == Role.SERVICE_MANAGER and not area:
        result.error(
            ref, "a Children's Service Manager needs the service_area they run", "service_area"
        )
        ok = False
    for key, value in (("team", team), ("service_area", area)):
        if len(value) > 120:
            result.error(ref, f"the {key} name is longer than 120 characters", key)
            ok = False
    return ok


def _parse_row(
    result: ParseResult,
    ref: RowRef,
    cell: Callable[[str], str],
    *,
    seen_ids: dict[str, int],
    seen_emails: dict[str, int],
) -> None:
    """Check one row, adding its errors to `result`, and add the row unless it has no
    staff_id."""
    staff_id = cell("staff_id")
    ok = _staff_id_ok(result, ref, staff_id, seen_ids)
    name = cell("name")
    ok = _name_ok(result, ref, name) and ok
    email = cell("email")
    ok = _email_ok(result, ref, email, seen_emails) and ok
    role = _role(result, ref, cell("role"))
    ok = ok and role is not None
    team = cell("team")
    area = cell("service_area")
    ok = _placement_ok(result, ref, role, team, area) and ok
    manager = cell("line_manager_id")
    if manager and staff_id and manager.casefold() == staff_id.casefold():
        result.error(ref, "someone cannot be their own line manager", "line_manager_id")
        ok = False

    if ok or staff_id:
        result.rows.append(
            StaffRow(
                ref=ref,
                staff_id=staff_id,
                name=name,
                email=email,
                role=role or "",
                team=team,
                service_area=area,
                line_manager_id=manager,
                valid=ok,
            )
        )


def parse(source: IO[bytes] | bytes, *, file_name: str) -> ParseResult:
    result = ParseResult(file_name=file_name, source_format=ImportFormat.STAFF_CSV)
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for table, ref, cells in read_template(
        source, file_name=file_name, required=REQUIRED, optional=OPTIONAL, result=result
    ):

        def cell(key: str, table: Table = table, cells=cells) -> str:
            return clean_text(table.get(cells, key))

        _parse_row(result, ref, cell, seen_ids=seen_ids, seen_emails=seen_emails)
    return result
