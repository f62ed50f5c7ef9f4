"""The staff list template: `staff_id,name,email,role,team,service_area,line_manager_id`.

A CSV file (or the first sheet of a workbook) with that header. Roles are the values of
`Role` (`practice_supervisor`); their labels ("Practice Supervisor") and any letter case are
accepted too.
"""

from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from caseaudit.imports.models import ImportFormat
from caseaudit.organisation.models import Role

from .common import ParseResult, RowRef, clean_text, read_template

REQUIRED = ("staff_id", "name", "email", "role")
OPTIONAL = ("team", "service_area", "line_manager_id")
COLUMNS = REQUIRED + OPTIONAL

# Roles that work in a team and so need one.
TEAM_ROLES = frozenset({Role.PRACTITIONER, Role.PRACTICE_SUPERVISOR, Role.TEAM_MANAGER})

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


def parse(source: IO[bytes] | bytes, *, file_name: str) -> ParseResult:
    result = ParseResult(file_name=file_name, source_format=ImportFormat.STAFF_CSV)
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for table, ref, cells in read_template(
        source, file_name=file_name, required=REQUIRED, optional=OPTIONAL, result=result
    ):

        def cell(key, table=table, cells=cells):
            return clean_text(table.get(cells, key))

        ok = True
        staff_id = cell("staff_id")
        if not staff_id:
            result.error(ref, "staff_id is empty", "staff_id")
            ok = False
        elif len(staff_id) > 40:
            result.error(ref, f'"{staff_id}" is longer than 40 characters', "staff_id")
            ok = False
        elif staff_id.casefold() in seen_ids:
            result.error(
                ref,
                f'staff_id "{staff_id}" is also on row {seen_ids[staff_id.casefold()]}',
                "staff_id",
            )
            ok = False
        else:
            seen_ids[staff_id.casefold()] = ref.row

        name = cell("name")
        if not name:
            result.error(ref, "name is empty", "name")
            ok = False
        elif len(name) > 150:
            result.error(ref, "the name is longer than 150 characters", "name")
            ok = False

        email = cell("email")
        try:
            validate_email(email)
        except ValidationError:
            result.error(ref, f'"{email}" is not an email address', "email")
            ok = False
        else:
            if email.casefold() in seen_emails:
                result.error(
                    ref, f'"{email}" is also on row {seen_emails[email.casefold()]}', "email"
                )
                ok = False
            else:
                seen_emails[email.casefold()] = ref.row

        role_text = cell("role")
        role = role_value(role_text)
        if role is None:
            result.error(
                ref,
                f'"{role_text}" is not a role (use one of {", ".join(Role.values)})',
                "role",
            )
            ok = False

        team = cell("team")
        area = cell("service_area")
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
    return result
