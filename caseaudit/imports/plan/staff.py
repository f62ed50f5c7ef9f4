"""Planning a staff import: check each row against the organisation as it is (service areas,
teams, staff, accounts, line management) and work out the staff records, accounts, service areas
and teams to create or change and the leavers, with every row error. Writes nothing
(`caseaudit.imports.apply.staff_apply` writes the plan)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.text import slugify

from caseaudit.accounts.policy import can_grant_role, can_manage_account
from caseaudit.cases.models import Case
from caseaudit.core.typing import By
from caseaudit.core.typing import User as Account
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team
from caseaudit.organisation.selectors import staff_for_user

from .. import progress
from ..models import ImportVia
from ..new_places import Agreement, NewPlaces
from ..parsers.common import RowError, RowRef, name_key
from ..parsers.staff_csv import StaffRow
from ..runs import ImportResult, actor
from . import closest_names, did_you_mean

User = get_user_model()

# Where an administrator changes an account's email or username (never an import).
IDENTITY_PAGE = "the account's page in the administration site (Administration › Users)"


def _unique_slug(name: str, taken: set[str], fallback: str) -> str:
    base = slugify(name)[:40].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: 40 - len(suffix)].rstrip("-") + suffix
        n += 1
    taken.add(slug)
    return slug


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return "", ""
    return parts[0][:150], (parts[-1] if len(parts) > 1 else "")[:150]


def _may_manage(by: By, user: Account | None) -> bool:
    """May the importer create, change or disable `user`'s account? The command line may."""
    return actor(by) is None or can_manage_account(actor=by, target=user)


def _target_is_admin(staff) -> bool:
    user = staff.user
    return staff.role == Role.ADMIN or user.is_superuser or user.is_staff


def _privilege_error(row, user: Account) -> RowError:
    return RowError(
        row.ref,
        f"the account with staff id {row.staff_id} ({user.username}) has more privilege than "
        "yours: only a system administrator can change it with an import",
        "staff_id",
    )


def _how_to_allow(kind: str, via: str) -> str:
    if via == ImportVia.COMMAND:
        return f"if it is a new {kind}, not a typo, run the import again with --allow-new-teams"
    return f'if it is a new {kind}, not a typo, tick "Create these teams and service areas"'


class _Organisation:
    """Everything the rows refer to, loaded once; and the service areas and teams they would
    create (existing ones are found by name)."""

    def __init__(self):
        self.areas_by_name = {name_key(a.name): a for a in ServiceArea.objects.all()}
        self.teams = list(Team.objects.all())
        self.teams_by_key = {(t.service_area_id, name_key(t.name)): t for t in self.teams}
        self.area_codes = set(ServiceArea.objects.values_list("code", flat=True))
        self.team_codes = {t.code for t in self.teams}
        self.staff_all = list(Staff.objects.select_related("user"))
        self.staff_by_id = {s.staff_id.casefold(): s for s in self.staff_all}
        self.staff_id_of_pk = {s.pk: s.staff_id.casefold() for s in self.staff_all}
        users = list(User.objects.all())
        self.users_by_username = {u.username.casefold(): u for u in users}
        self.users_by_email = defaultdict(list)
        for u in users:
            if u.email:
                self.users_by_email[u.email.casefold()].append(u)
        self.linked_user_ids = {s.user_id for s in self.staff_all}
        self.new_areas: dict[str, ServiceArea] = {}
        self.new_teams: dict[tuple, Team] = {}
        self.unknown_messages: dict[tuple, str] = {}

    def unknown_area(self, name: str, *, via: str) -> str:
        """Why a service area name is refused, with the nearest existing names."""
        key = ("area", name_key(name), via)
        if key not in self.unknown_messages:
            close = closest_names(name, [a.name for a in self.areas_by_name.values()])
            hint = did_you_mean([f'"{n}"' for n in close])
            self.unknown_messages[key] = (
                f'no service area named "{name}"{hint}; {_how_to_allow("service area", via)}'
            )
        return self.unknown_messages[key]

    def unknown_team(self, name: str, area: ServiceArea, *, via: str) -> str:
        """Why a team name is refused, with the nearest existing names in its service area (or,
        with none there, in the others, naming theirs)."""
        key = ("team", name_key(area.name), name_key(name), via)
        if key not in self.unknown_messages:
            here = [t.name for t in self.teams if area.pk and t.service_area_id == area.pk]
            suggestions = [f'"{n}"' for n in closest_names(name, here)]
            if not suggestions:
                areas = {a.pk: a.name for a in self.areas_by_name.values()}
                elsewhere: dict[str, list[Team]] = defaultdict(list)
                for team in self.teams:
                    if team.service_area_id != area.pk:
                        elsewhere[name_key(team.name)].append(team)
                close = closest_names(name, [teams[0].name for teams in elsewhere.values()])
                suggestions = [
                    f'"{team.name}" in {areas.get(team.service_area_id, "")}'
                    for n in close
                    for team in elsewhere[name_key(n)]
                ][:3]
            hint = did_you_mean(suggestions)
            self.unknown_messages[key] = (
                f'no team named "{name}" in {area.name}{hint}; {_how_to_allow("team", via)}'
            )
        return self.unknown_messages[key]

    def area_for(self, area_name: str) -> ServiceArea:
        key = name_key(area_name)
        area = self.areas_by_name.get(key) or self.new_areas.get(key)
        if area is None:
            code = _unique_slug(area_name, self.area_codes, "service")
            area = ServiceArea(name=area_name, code=code)
            self.new_areas[key] = area
        return area

    def team_for(self, team_name: str, area: ServiceArea) -> Team:
        key = name_key(team_name)
        team = None
        if area.pk:
            team = self.teams_by_key.get((area.pk, key))
        team = team or self.new_teams.get((name_key(area.name), key))
        if team is None:
            team = Team(name=team_name, code=_unique_slug(team_name, self.team_codes, "team"))
            team._area = area
            self.new_teams[(name_key(area.name), key)] = team
        return team


@dataclass
class StaffPlan:
    """What a staff list would change. `planned` holds each valid row's (row, staff or None,
    team, area, user or None); `staff_plan_changes` fills the lists of writes."""

    known: _Organisation
    in_file: dict[str, StaffRow]
    errors: list[RowError]
    planned: list[tuple] = field(default_factory=list)
    leavers: list[Staff] = field(default_factory=list)
    to_create: list[tuple] = field(default_factory=list)  # (staff, user)
    staff_changes: list[Staff] = field(default_factory=list)
    user_changes: list = field(default_factory=list)
    role_changes: list[tuple] = field(default_factory=list)  # (user, old, new): security log
    all_in_file: dict[str, Staff] = field(default_factory=dict)

    @property
    def new_areas(self) -> dict[str, ServiceArea]:
        return self.known.new_areas

    @property
    def new_teams(self) -> dict[tuple, Team]:
        return self.known.new_teams

    @property
    def new_places(self) -> NewPlaces:
        """The service areas and teams the file names that do not exist yet, in file order."""
        return NewPlaces(
            service_areas=tuple(a.name for a in self.new_areas.values()),
            teams=tuple((t.name, t._area.name) for t in self.new_teams.values()),
        )


def staff_plan(
    *,
    rows: list[StaffRow],
    by: By,
    full: bool,
    allowed: Agreement,
    file_name: str,
    errors: list[RowError],
    via: str = ImportVia.WEB,
) -> StaffPlan:
    """Check every row, line management's loops and (a `full` list) the leavers; the errors
    are added to `errors` (the plan's). A service area or team not already known is refused
    unless `allowed` covers it (`caseaudit.imports.new_places`)."""
    plan = StaffPlan(
        known=_Organisation(),
        in_file={row.staff_id.casefold(): row for row in rows},
        errors=errors,
    )
    for row in progress.checking(rows):
        checked = _check_row(row, plan=plan, by=by, full=full, allowed=allowed, via=via)
        if checked is not None:
            plan.planned.append(checked)
    _check_circles(plan)
    if full:
        plan.leavers = _leavers(plan, by=by, file_name=file_name)
    return plan


def _check_row(row: StaffRow, *, plan: StaffPlan, by: By, full: bool, allowed: Agreement, via: str):
    """The staff record a row gives: (row, staff or None, team, area, user or None), or None
    when it is refused (its errors added to the plan's)."""
    known, errors = plan.known, plan.errors
    area = team = None
    if row.valid:
        area = known.area_for(row.service_area) if row.service_area else None
        team = known.team_for(row.team, area) if row.team else None
    ok = _places_allowed(row, area, team, known=known, allowed=allowed, via=via, errors=errors)
    staff = known.staff_by_id.get(row.staff_id.casefold())
    user = staff.user if staff else None
    if staff is None:
        user = known.users_by_username.get(row.staff_id.casefold())
        ok = _account_free(row, user, known=known, errors=errors) and ok
    ok = _email_free(row, user, known=known, errors=errors) and ok
    ok = _line_manager_known(row, plan=plan, full=full) and ok
    ok = _role_allowed(row, staff, by=by, errors=errors) and ok
    ok = _email_kept(row, user, errors=errors) and ok
    if ok and row.valid:
        return (row, staff, team, area, user)
    return None


def _places_allowed(
    row, area, team, *, known: _Organisation, allowed: Agreement, via: str, errors
) -> bool:
    """A service area or team not already known is created only when allowed: the page's tick
    for it (in this file) or --allow-new-teams."""
    if area is not None and area.pk is None and not allowed.allows_area(area.name):
        message = known.unknown_area(row.service_area, via=via)
        errors.append(RowError(row.ref, message, "service_area"))
        return False
    if team is not None and team.pk is None and not allowed.allows_team(team.name, area.name):
        errors.append(RowError(row.ref, known.unknown_team(row.team, area, via=via), "team"))
        return False
    return True


def _account_free(row, user, *, known: _Organisation, errors) -> bool:
    """An existing account found by its username must not belong to someone else."""
    if user is not None and user.pk in known.linked_user_ids:
        errors.append(
            RowError(
                row.ref,
                f'the account "{user.username}" already belongs to another member of staff',
                "staff_id",
            )
        )
        return False
    return True


def _email_free(row, user, *, known: _Organisation, errors) -> bool:
    for other in known.users_by_email.get(row.email.casefold(), []):
        if user is None or other.pk != user.pk:
            errors.append(
                RowError(
                    row.ref,
                    f'"{row.email}" is already the email of another account',
                    "email",
                )
            )
            return False
    return True


def _line_manager_known(row, *, plan: StaffPlan, full: bool) -> bool:
    """A line manager is in the file, or a current member of staff who stays."""
    if not row.line_manager_id:
        return True
    key = row.line_manager_id.casefold()
    if key in plan.in_file:
        return True
    manager = plan.known.staff_by_id.get(key)
    if manager is None:
        problem = (
            f'no member of staff has staff_id "{row.line_manager_id}" (not in the '
            "file nor already known)"
        )
    elif manager.left_on is not None:
        problem = f'"{row.line_manager_id}" ({manager.name}) has left'
    elif full:
        problem = (
            f'"{row.line_manager_id}" ({manager.name}) is not in this full list '
            "and would be marked as left"
        )
    else:
        return True
    plan.errors.append(RowError(row.ref, problem, "line_manager_id"))
    return False


def _role_allowed(row, staff, *, by: By, errors) -> bool:
    """Nobody grants or changes more privilege than they hold."""
    if (
        row.valid
        and by is not None
        and (staff is None or staff.role != row.role)
        and (
            not can_grant_role(actor=by, role=row.role)
            or (staff is not None and not can_grant_role(actor=by, role=staff.role))
        )
    ):
        errors.append(
            RowError(
                row.ref,
                "only a system administrator can give or remove the admin role"
                if row.role == Role.ADMIN or (staff is not None and staff.role == Role.ADMIN)
                else f"you cannot give the role {Role(row.role).label}",
                "role",
            )
        )
        return False
    return True


def _email_kept(row, user, *, errors) -> bool:
    """Identity is not data: an import never changes an existing account's email."""
    if user is not None and row.valid and user.email.casefold() != row.email.casefold():
        errors.append(
            RowError(
                row.ref,
                f"the account with staff id {row.staff_id} already has a different email; "
                f"only an administrator can change it, from {IDENTITY_PAGE}",
                "email",
            )
        )
        return False
    return True


def _check_circles(plan: StaffPlan) -> None:
    """Line management must not go round in a circle."""
    in_file = plan.in_file
    managers = {k: r.line_manager_id.casefold() for k, r in in_file.items() if r.line_manager_id}
    reported = set()
    for start in managers:
        seen, node = [], start
        while node in managers and node not in seen:
            seen.append(node)
            node = managers[node]
        if node in seen and node not in reported:
            loop = seen[seen.index(node) :]
            reported.update(loop)
            row = in_file[node]
            plan.errors.append(
                RowError(
                    row.ref,
                    "line management goes round in a circle: "
                    + " → ".join(in_file[k].staff_id for k in [*loop, node]),
                    "line_manager_id",
                )
            )


def _leavers(plan: StaffPlan, *, by: By, file_name: str) -> list[Staff]:
    """A full list's leavers: current staff not in the file."""
    # Service accounts (API clients, caseaudit.api) are systems, not people: never leavers.
    service_users = set(
        User.objects.filter(service_account__isnull=False).values_list("pk", flat=True)
    )
    leavers = []
    for staff in plan.known.staff_all:
        if staff.user_id in service_users:
            continue
        if staff.left_on is None and staff.staff_id.casefold() not in plan.in_file:
            leavers.append(staff)
            if by is not None and not can_manage_account(actor=by, target=staff.user):
                plan.errors.append(
                    RowError(
                        RowRef(file_name),
                        f"{staff.name} ({staff.staff_id}) is an administrator: only a system "
                        "administrator can mark them as left"
                        if _target_is_admin(staff)
                        else f"{staff.name} ({staff.staff_id}) has an account with more "
                        "privilege than yours: you cannot mark them as left",
                    )
                )
    if by is not None and by.is_authenticated:
        me = staff_for_user(by)
        if me is not None and me.staff_id.casefold() not in plan.in_file:
            plan.errors.append(
                RowError(
                    RowRef(file_name),
                    f"you ({me.staff_id}) are not in this full list: importing it would "
                    "mark you as left",
                )
            )
    return leavers


def staff_plan_changes(plan: StaffPlan, *, by: By, result: ImportResult) -> None:
    """Work out what changes for each checked row: the staff records and accounts to create,
    the ones to update (counted in `result`). An account the importer may not manage adds an
    error to the plan's."""
    unusable = make_password(None)
    for row, staff, team, area, user in plan.planned:
        area_field = area if team is None else None
        if staff is None:
            if _plan_new_staff(plan, row, team, area_field, user, by=by, unusable=unusable):
                result.created += 1
        else:
            plan.all_in_file[row.staff_id.casefold()] = staff
            _plan_staff_change(plan, row, staff, team, area_field, user, by=by, result=result)


def _plan_new_staff(plan: StaffPlan, row, team, area_field, user, *, by: By, unusable: str) -> bool:
    """Plan a new staff record and its account (new, or an existing one found by its
    username); False when the importer may not manage that account."""
    is_admin = row.role == Role.ADMIN
    first, last = _split_name(row.name)
    if user is None:
        user = User(username=row.staff_id.lower()[:150], password=unusable)
        user._new = True
        user.email = row.email
    elif not _may_manage(by, user):
        # An existing account (found by its username): only linked by someone who may manage
        # it, and never with a new email (checked by `_email_kept`).
        plan.errors.append(_privilege_error(row, user))
        return False
    user.first_name, user.last_name = first, last
    user.is_staff = is_admin or user.is_superuser
    user.is_active = True
    staff = Staff(staff_id=row.staff_id, name=row.name, role=row.role)
    staff._team, staff._area = team, area_field
    plan.to_create.append((staff, user))
    plan.all_in_file[row.staff_id.casefold()] = staff
    return True


def _plan_staff_change(
    plan: StaffPlan, row, staff, team, area_field, user, *, by: By, result: ImportResult
) -> None:
    is_admin = row.role == Role.ADMIN
    first, last = _split_name(row.name)
    current_manager = plan.known.staff_id_of_pk.get(staff.line_manager_id, "")
    changed_staff = (
        staff.name != row.name
        or staff.role != row.role
        or staff.team_id != (team.pk if team else None)
        or (team is not None and team.pk is None)
        or staff.service_area_id != (area_field.pk if area_field else None)
        or (area_field is not None and area_field.pk is None)
        or current_manager != row.line_manager_id.casefold()
        or staff.left_on is not None
    )
    wants_staff_flag = is_admin or user.is_superuser
    changed_user = (
        user.first_name != first
        or user.last_name != last
        or user.is_staff != wants_staff_flag
        or not user.is_active
    )
    if (changed_staff or changed_user) and not _may_manage(by, user):
        plan.errors.append(_privilege_error(row, user))
        return
    if changed_staff:
        if staff.role != row.role:
            plan.role_changes.append((user, staff.role, row.role))
        staff.name, staff.role, staff.left_on = row.name, row.role, None
        staff._team, staff._area = team, area_field
        plan.staff_changes.append(staff)
    if changed_user:
        user.first_name, user.last_name = first, last
        user.is_staff, user.is_active = wants_staff_flag, True
        plan.user_changes.append(user)
    if changed_staff or changed_user:
        result.updated += 1
    else:
        result.unchanged += 1


def leavers_holding_cases(leavers: list[Staff]) -> str:
    """A warning when the leavers still hold open cases ("" when not)."""
    if not leavers:
        return ""
    held = Case.objects.filter(
        allocated_worker__in=[s.pk for s in leavers], closed_on__isnull=True
    ).count()
    if not held:
        return ""
    return (
        f"{held} open case{'s are' if held != 1 else ' is'} allocated to staff this list "
        "marks as left: reallocate them"
    )
