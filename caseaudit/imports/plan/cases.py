"""Planning a case import: check each row against the teams, staff and cases as they are and work
out the cases to create and the changes to existing ones (with their history), with every row
error. Writes nothing (`caseaudit.imports.apply.cases_apply` writes the plan)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from caseaudit.cases.models import Case
from caseaudit.organisation.models import Staff, Team

from .. import progress
from ..parsers.common import KEEP, CaseRow, RowError, RowRef, name_key
from . import closest_names, did_you_mean

LOOKUP_CHUNK = 5000

# The fields of a case an import sets (the rest keep their value or default).
CASE_FIELDS = (
    "display_name",
    "subject_type",
    "case_type",
    "date_of_birth",
    "opened_on",
    "closed_on",
    "team_id",
    "allocated_worker_id",
    "first_panel_on",
    "last_audited_on",
)


class _TeamLookup:
    """Teams by code or by name (letter case and spacing do not matter)."""

    def __init__(self):
        self.by_code = {}
        self.by_pk = {}
        self.by_name = defaultdict(list)
        for team in Team.objects.all():
            self.by_pk[team.pk] = team
            self.by_code[team.code.casefold()] = team
            self.by_name[name_key(team.name)].append(team)
        self.cache = {}

    def find(self, text: str) -> tuple[Team | None, str]:
        """(team, "") or (None, what was wrong)."""
        if text in self.cache:
            return self.cache[text]
        key = name_key(text)
        teams = self.by_name.get(key, [])
        if len(teams) == 1:
            answer = (teams[0], "")
        elif len(teams) > 1:
            codes = ", ".join(t.code for t in teams)
            answer = (None, f'"{text}" names several teams ({codes}): use the team code')
        elif key in self.by_code:
            answer = (self.by_code[key], "")
        else:
            close = closest_names(text, [teams[0].name for teams in self.by_name.values()])
            hint = did_you_mean([f'"{name}"' for name in close])
            answer = (None, f'no team is named or coded "{text}"{hint}')
        self.cache[text] = answer
        return answer


class _StaffLookup:
    """Staff by staff ID, and by name within a team."""

    def __init__(self):
        self.by_id = {}
        self.by_team_name = defaultdict(list)
        self.teams_by_name = defaultdict(set)
        rows = Staff.objects.values_list("pk", "staff_id", "name", "team_id", "left_on")
        for pk, staff_id, name, team_id, left_on in rows:
            record = (pk, staff_id, name, team_id, left_on)
            self.by_id[staff_id.casefold()] = record
            self.by_team_name[(team_id, name_key(name))].append(record)
            self.teams_by_name[name_key(name)].add(team_id)

    def find(self, text: str, *, by_name: bool, team: Team | None):
        record = self.by_id.get(text.casefold())
        if record is not None:
            return record, ""
        if not by_name:
            return None, f'no member of staff has staff ID "{text}"'
        if team is None:
            return (
                None,
                f'no member of staff has staff ID "{text}", and there is no team to '
                "look for the name in",
            )
        matches = self.by_team_name.get((team.pk, name_key(text)), [])
        current = [m for m in matches if m[4] is None]
        if len(current) > 1 or (not current and len(matches) > 1):
            ids = ", ".join(m[1] for m in (current or matches))
            return (
                None,
                f'"{text}" names several members of team "{team.name}" ({ids}): use a staff ID',
            )
        if current or matches:
            return (current or matches)[0], ""
        hint = ""
        if self.teams_by_name.get(name_key(text)):
            hint = " (someone of that name works in another team)"
        return None, f'no member of team "{team.name}" is called "{text}"{hint}'


def _existing_cases(references: list[str]) -> dict[str, Case]:
    found = {}
    for start in range(0, len(references), LOOKUP_CHUNK):
        chunk = references[start : start + LOOKUP_CHUNK]
        for case in Case.objects.filter(reference__in=chunk).only("pk", "reference", *CASE_FIELDS):
            found[case.reference] = case
    return found


def _history_value(value):
    """A case field's value as the history keeps it (JSON): dates as ISO text."""
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass
class CasePlan:
    """What a case list would change: new cases (dicts of field values), changed cases (their
    fields already set) and each change for the history, and what the rows count."""

    errors: list[RowError]
    now: dt.datetime | None = None  # the cases' `updated_at` and their history's time
    to_create: list[dict] = field(default_factory=list)
    to_update: list[Case] = field(default_factory=list)
    changes: list[tuple[int, dict]] = field(default_factory=list)  # (pk, {field: [old, new]})
    unallocated_new: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0

    @property
    def regroups(self) -> bool:
        """Whether it moves cases between teams or case types (the reports' summary)."""
        return any("team_id" in changed or "case_type" in changed for _pk, changed in self.changes)


@dataclass
class _Lookups:
    teams: _TeamLookup
    staff: _StaffLookup
    fallback_team: Team | None
    default_team: Team | str
    # The teams whose cases the importer may create or change (None: any; `imports.policy`).
    team_ids: frozenset[int] | None = None


def cases_plan(
    *,
    rows: list[CaseRow],
    default_team: Team | str,
    file_name: str,
    errors: list[RowError],
    team_ids: frozenset[int] | None = None,
) -> CasePlan:
    """Check every row and plan its case; the errors are added to `errors` (the plan's). Once a
    row is refused, the rest are only checked for more errors. With `team_ids` (the importer's
    teams, `policy.import_case_team_ids`), a case outside them, or a row that would put a case
    outside them, is refused."""
    teams = _TeamLookup()
    staff = _StaffLookup()
    fallback_team = None
    if isinstance(default_team, Team):
        fallback_team = default_team
    elif default_team:
        fallback_team, problem = teams.find(default_team)
        if fallback_team is None:
            errors.append(RowError(RowRef(file_name), problem, "--team"))
    if fallback_team is not None and team_ids is not None and fallback_team.pk not in team_ids:
        errors.append(RowError(RowRef(file_name), _not_your_team(fallback_team), "--team"))
    existing = _existing_cases([row.reference for row in rows])
    lookups = _Lookups(teams, staff, fallback_team, default_team, team_ids)
    plan = CasePlan(errors=errors, now=timezone.now())
    for row in progress.checking(rows):
        _plan_row(row, existing.get(row.reference), plan=plan, lookups=lookups)
    return plan


def _not_your_team(team: Team) -> str:
    return f'team "{team.name}" is not your team: you may import only your own team\'s cases'


def _in_scope(row: CaseRow, case: Case | None, team, *, lookups: _Lookups, errors) -> bool:
    """The importer may touch this case: it is in their teams now and stays there."""
    allowed = lookups.team_ids
    if allowed is None:
        return True
    if case is not None and case.team_id not in allowed:
        errors.append(
            RowError(
                row.ref,
                f"case {row.reference} is not in your team: only Performance Assurance can "
                "import it",
                row.column("reference"),
            )
        )
        return False
    if team is not None and team.pk not in allowed:
        errors.append(RowError(row.ref, _not_your_team(team), row.column("team")))
        return False
    return True


def _plan_row(row: CaseRow, case: Case | None, *, plan: CasePlan, lookups: _Lookups) -> None:
    errors = plan.errors
    team, ok = _row_team(row, case, lookups=lookups, errors=errors)
    ok = _in_scope(row, case, team, lookups=lookups, errors=errors) and ok
    worker_id, worker_ok = _row_worker(row, case, team, lookups=lookups, errors=errors)
    ok = ok and worker_ok
    if not row.valid:
        return  # its own errors are already listed
    opened_on, closed_on, ok = _row_dates(row, case, ok=ok, errors=errors)
    if not ok or errors:
        return  # once refused, only look for more errors
    values = {
        "subject_type": row.subject_type,
        "case_type": row.case_type,
        "opened_on": opened_on,
        "closed_on": closed_on,
        "team_id": team.pk,
    }
    if row.display_name is not KEEP:
        values["display_name"] = row.display_name
    if row.date_of_birth is not KEEP:
        values["date_of_birth"] = row.date_of_birth
    if worker_id is not KEEP:
        values["allocated_worker_id"] = worker_id
    if row.first_panel_on is not KEEP:
        values["first_panel_on"] = row.first_panel_on
    if case is None:
        _plan_new_case(row, values, plan=plan)
    else:
        _plan_case_change(row, case, values, plan=plan)


def _row_team(row: CaseRow, case: Case | None, *, lookups: _Lookups, errors):
    """(team, ok): as given, else the case's own, else the default team."""
    if row.team is KEEP:
        team = lookups.teams.by_pk.get(case.team_id) if case is not None else lookups.fallback_team
        if team is None:
            if not lookups.default_team:
                errors.append(
                    RowError(
                        row.ref,
                        "no team is given: choose a team for cases without one (--team)",
                        row.column("team"),
                    )
                )
            return team, False
        return team, True
    team, problem = lookups.teams.find(row.team)
    if team is None:
        errors.append(RowError(row.ref, problem, row.column("team")))
        return team, False
    return team, True


def _row_worker(row: CaseRow, case: Case | None, team, *, lookups: _Lookups, errors):
    """(allocated worker's pk, None or KEEP; ok): a staff ID, or (Annex A) a name within the
    case's team. An open case needs a current worker."""
    if row.worker is None:
        return None, True
    if row.worker is KEEP:
        return KEEP, True
    record, problem = lookups.staff.find(row.worker, by_name=row.worker_by_name, team=team)
    if record is None:
        if team is not None or not row.worker_by_name:
            errors.append(RowError(row.ref, problem, row.column("worker")))
        return KEEP, False
    closing = row.closed_on if row.valid else dt.date.min
    if closing is KEEP:
        closing = case.closed_on if case is not None else None
    if record[4] is not None and closing is None:
        errors.append(
            RowError(
                row.ref,
                f"{record[2]} ({record[1]}) left on {record[4]:%d/%m/%Y}: an open "
                "case needs a current worker",
                row.column("worker"),
            )
        )
        return record[0], False
    return record[0], True


def _row_dates(row: CaseRow, case: Case | None, *, ok: bool, errors):
    """(opened_on, closed_on, ok): as given, else the case's own."""
    opened_on = row.opened_on
    if opened_on is KEEP:
        if case is None:
            errors.append(
                RowError(
                    row.ref,
                    "no start date: the list gives none and the date of birth is empty",
                    row.column("opened_on"),
                )
            )
            ok = False
        else:
            opened_on = case.opened_on
    closed_on = row.closed_on
    if closed_on is KEEP:
        closed_on = case.closed_on if case is not None else None
    if ok and closed_on is not None and closed_on < opened_on:
        errors.append(
            RowError(
                row.ref,
                f"the case would close ({closed_on:%d/%m/%Y}) before it opened "
                f"({opened_on:%d/%m/%Y})",
                row.column("closed_on"),
            )
        )
        ok = False
    return opened_on, closed_on, ok


def _plan_new_case(row: CaseRow, values: dict, *, plan: CasePlan) -> None:
    if row.last_audited_on is not KEEP:
        values["last_audited_on"] = row.last_audited_on
    values.setdefault("display_name", row.reference)
    if values.get("allocated_worker_id") is None:
        plan.unallocated_new += 1
    values["reference"] = row.reference
    plan.to_create.append(values)


def _plan_case_change(row: CaseRow, case: Case, values: dict, *, plan: CasePlan) -> None:
    """Set the changed fields on `case` and note each for the history. The last audit date
    never moves backwards: audits done here update it."""
    if row.last_audited_on not in (KEEP, None) and (
        case.last_audited_on is None or row.last_audited_on > case.last_audited_on
    ):
        values["last_audited_on"] = row.last_audited_on
    was_open = case.closed_on is None
    changed = {}
    for name, value in values.items():
        old = getattr(case, name)
        if old != value:
            changed[name] = [_history_value(old), _history_value(value)]
            setattr(case, name, value)
    if not changed:
        plan.unchanged += 1
        return
    case.updated_at = plan.now
    plan.to_update.append(case)
    plan.changes.append((case.pk, changed))
    if was_open and values["closed_on"] is not None:
        plan.closed += 1
    else:
        plan.updated += 1
