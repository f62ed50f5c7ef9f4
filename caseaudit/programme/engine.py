"""The monthly allocation engine: pure Python over plain rows, so it is fast, testable with
hypothesis, and reproducible (same rows, month and seed give the same picks).

Rules (docs/procedure.md, section 7):
- ps-peer: in a team with k >= 2 Practice Supervisors, each PS audits one case supervised by
  each other PS of the team: k(k-1) audits.
- tm-single-ps: in a team with exactly one PS, the Team Manager also audits one of its cases.
- manager-peer: every TM, CSM, AD and the Director does one Generic Audit, never of their own
  team (a CSM: never of their own service).
- Nobody audits a case they hold or supervise (the allocated worker or the worker's line
  manager); no case twice in a month; carers' cases take the Carers tool, children's the Generic.
- Need first: a follow-up audit due by the month's end (the case's last audit was scaled in
  the lowest band: `followups.py`), then due (or overdue) for the annual/carers audit by the
  month's end, then never
  audited, then longest since the last audit; spread across workers; ties broken by a hash of
  the seed and case, so choices are random but reproducible.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from caseaudit.organisation.roles import Role

from .choices import Rule
from .due import DueKind, month_end, next_due

PS = Role.PRACTICE_SUPERVISOR
TM = Role.TEAM_MANAGER
CSM = Role.SERVICE_MANAGER
AD = Role.ASSISTANT_DIRECTOR
DIRECTOR = Role.DIRECTOR
MANAGER_ROLES_IN_ORDER = [TM, CSM, AD, DIRECTOR]
GENERIC, CARERS = "generic", "carers"
# How far past the first eligible case to look for one held by a worker not yet picked.
SPREAD_WINDOW = 200


@dataclass(frozen=True)
class StaffRow:
    id: int
    staff_id: str
    name: str
    role: str
    team_id: int | None
    service_area_id: int | None


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    team_id: int
    service_area_id: int
    worker_id: int | None
    supervisor_id: int | None
    is_carer: bool
    opened_on: dt.date
    last_audited_on: dt.date | None
    first_panel_on: dt.date | None = None
    # A follow-up audit is due (its last audit's overall scale was in the lowest band).
    followup_due_on: dt.date | None = None


@dataclass
class Pick:
    auditor: StaffRow
    rule: str
    case: CaseRow | None
    tool_code: str
    reason: str
    peer: StaffRow | None = None


@dataclass
class Result:
    month: dt.date
    seed: int
    picks: list[Pick] = field(default_factory=list)

    @property
    def allocations(self) -> list[Pick]:
        return [p for p in self.picks if p.case is not None]

    @property
    def unfilled(self) -> list[Pick]:
        return [p for p in self.picks if p.case is None]


def is_eligible(rule: str, auditor: StaffRow, case: CaseRow, peer: StaffRow | None = None) -> bool:
    """Whether `auditor` may take `case` under `rule` (used for swaps and reallocations too)."""
    if auditor.id in (case.worker_id, case.supervisor_id):
        return False
    if rule == Rule.PS_PEER:
        return (
            auditor.role == PS
            and peer is not None
            and case.supervisor_id == peer.id
            and case.team_id == auditor.team_id
        )
    if rule == Rule.TM_SINGLE_PS:
        return auditor.role == TM and case.team_id == auditor.team_id
    if rule == Rule.MANAGER_PEER:
        if case.is_carer or auditor.role not in MANAGER_ROLES_IN_ORDER:
            return False
        if auditor.role == TM:
            return case.team_id != auditor.team_id
        if auditor.role == CSM:
            return case.service_area_id != auditor.service_area_id
        return True
    return False


def _tiebreak(seed: int, case_id: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{case_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _fmt(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


class _Need:
    """A case's place in the queue and the words that explain it."""

    def __init__(self, case: CaseRow, month_last_day: dt.date, seed: int):
        due = next_due(
            opened_on=case.opened_on,
            last_audited_on=case.last_audited_on,
            is_carer=case.is_carer,
            first_panel_on=case.first_panel_on,
        )
        kind = "carers' audit" if due.kind == DueKind.CARERS else "annual audit"
        followup = case.followup_due_on
        if followup is not None and followup <= month_last_day:  # follow-ups first
            verb = "overdue since" if followup < month_last_day.replace(day=1) else "due on"
            self.tier, self.order = -1, followup.toordinal()
            self.why = f"Follow-up audit {verb} {_fmt(followup)} (last audit in the lowest band)"
        elif due.due_on <= month_last_day:
            verb = "overdue since" if due.due_on < month_last_day.replace(day=1) else "due on"
            self.tier, self.order = 0, due.due_on.toordinal()
            self.why = f"{kind.capitalize()} {verb} {_fmt(due.due_on)}"
        elif case.last_audited_on is None:
            self.tier, self.order = 1, case.opened_on.toordinal()
            self.why = f"Never audited (open since {_fmt(case.opened_on)})"
        else:
            self.tier, self.order = 2, case.last_audited_on.toordinal()
            self.why = f"Longest since last audit ({_fmt(case.last_audited_on)})"
        self.key = (self.tier, self.order, _tiebreak(seed, case.id))


class _Allocation:
    """One month's allocation in progress: the need-ordered queue, the cases already taken,
    how many picks each worker's cases have had, and the picks made so far."""

    def __init__(self, *, month: dt.date, seed: int, staff: list[StaffRow], cases: list[CaseRow]):
        last_day = month_end(month)
        self.result = Result(month=month, seed=seed)
        self.needs = {c.id: _Need(c, last_day, seed) for c in cases}
        self.queue = sorted(cases, key=lambda c: self.needs[c.id].key)
        self.by_supervisor: defaultdict[int, list[CaseRow]] = defaultdict(list)
        self.by_team: defaultdict[int, list[CaseRow]] = defaultdict(list)
        for case in self.queue:
            self.by_team[case.team_id].append(case)
            if case.supervisor_id:
                self.by_supervisor[case.supervisor_id].append(case)
        self.names: dict[int | None, str] = {s.id: s.name for s in staff}
        self.used: set[int] = set()
        self.worker_picks: dict[int | None, int] = defaultdict(int)

    def choose(
        self,
        pool: list[CaseRow],
        auditor: StaffRow,
        extra_ok: Callable[[CaseRow], bool] = lambda c: True,
    ) -> CaseRow | None:
        """The neediest case in `pool` the auditor may take, preferring (within the same tier
        and SPREAD_WINDOW places) one held by a worker none of whose cases is picked yet."""
        first = None
        first_index = 0
        for index, case in enumerate(pool):
            if case.id in self.used or auditor.id in (case.worker_id, case.supervisor_id):
                continue
            if not extra_ok(case):
                continue
            if first is None:
                first, first_index = case, index
                if self.worker_picks[case.worker_id] == 0:
                    return case
            elif (
                self.needs[case.id].tier == self.needs[first.id].tier
                and self.worker_picks[case.worker_id] == 0
            ):
                return case
            if first is not None and index - first_index > SPREAD_WINDOW:
                break
        return first

    def record(
        self,
        auditor: StaffRow,
        rule: str,
        case: CaseRow | None,
        peer: StaffRow | None = None,
        context: str = "",
    ) -> None:
        """Add a pick (or, with no case, an unfilled slot) with the words that explain it."""
        if case is None:
            self.result.picks.append(Pick(auditor, rule, None, "", context, peer))
            return
        self.used.add(case.id)
        self.worker_picks[case.worker_id] += 1
        worker = self.names.get(case.worker_id, "unallocated")
        reason = f"{self.needs[case.id].why}; held by {worker}"
        if case.supervisor_id:
            reason += f", supervised by {self.names.get(case.supervisor_id, 'unknown')}"
        if context:
            reason += f". {context}"
        tool = CARERS if case.is_carer else GENERIC
        self.result.picks.append(Pick(auditor, rule, case, tool, reason + ".", peer))


def _supervisors_and_managers_by_team(
    staff: list[StaffRow],
) -> dict[int, dict[str, list[StaffRow]]]:
    """Each team's Practice Supervisors and Team Managers, in staff-id order."""
    teams: defaultdict[int, dict[str, list[StaffRow]]] = defaultdict(lambda: {PS: [], TM: []})
    for person in sorted(staff, key=lambda s: s.staff_id):
        if person.team_id and person.role in (PS, TM):
            teams[person.team_id][person.role].append(person)
    return teams


def _allocate_ps_peer(allocation: _Allocation, supervisors: list[StaffRow]) -> None:
    """ps-peer: each Practice Supervisor audits one case supervised by each other one."""
    for auditor in supervisors:
        for peer in supervisors:
            if peer.id == auditor.id:
                continue
            case = allocation.choose(allocation.by_supervisor[peer.id], auditor)
            allocation.record(
                auditor,
                Rule.PS_PEER,
                case,
                peer,
                f"No open case supervised by {peer.name} can be audited by "
                f"{auditor.name} this month"
                if case is None
                else "",
            )


def _allocate_tm_single_ps(allocation: _Allocation, team_id: int, managers: list[StaffRow]) -> None:
    """tm-single-ps: the Team Manager of a team with one Practice Supervisor audits a case too."""
    for manager in managers:
        case = allocation.choose(allocation.by_team[team_id], manager)
        allocation.record(
            manager,
            Rule.TM_SINGLE_PS,
            case,
            None,
            "The team's only Practice Supervisor has no open case the Team Manager can audit"
            if case is None
            else "",
        )


def _allocate_team_audits(allocation: _Allocation, staff: list[StaffRow]) -> None:
    teams = _supervisors_and_managers_by_team(staff)
    for team_id in sorted(teams):
        supervisors = teams[team_id][PS]
        if len(supervisors) >= 2:
            _allocate_ps_peer(allocation, supervisors)
        elif len(supervisors) == 1:
            _allocate_tm_single_ps(allocation, team_id, teams[team_id][TM])


def _manager_scope(manager: StaffRow) -> tuple[Callable[[CaseRow], bool], str]:
    """Which cases a manager may peer-audit, and the words for where those are."""
    if manager.role == TM:

        def outside_team(case: CaseRow, m: StaffRow = manager) -> bool:
            return not case.is_carer and case.team_id != m.team_id

        return outside_team, "outside their own team"
    if manager.role == CSM:

        def outside_service(case: CaseRow, m: StaffRow = manager) -> bool:
            return not case.is_carer and case.service_area_id != m.service_area_id

        return outside_service, "outside their own service"

    def childrens_case(case: CaseRow) -> bool:
        return not case.is_carer

    return childrens_case, "anywhere in the authority"


def _allocate_manager_peer(allocation: _Allocation, staff: list[StaffRow]) -> None:
    """manager-peer: every TM, CSM, AD and the Director, in that order, does one Generic Audit."""
    role_rank: dict[str, int] = {role: i for i, role in enumerate(MANAGER_ROLES_IN_ORDER)}
    managers = sorted(
        (s for s in staff if s.role in role_rank), key=lambda s: (role_rank[s.role], s.staff_id)
    )
    for manager in managers:
        outside, where = _manager_scope(manager)
        case = allocation.choose(allocation.queue, manager, outside)
        allocation.record(
            manager,
            Rule.MANAGER_PEER,
            case,
            None,
            f"Peer audit {where}"
            if case is not None
            else f"No open children's case {where} is left to audit this month",
        )


def allocate(*, month: dt.date, seed: int, staff: list[StaffRow], cases: list[CaseRow]) -> Result:
    month = month.replace(day=1)
    allocation = _Allocation(month=month, seed=seed, staff=staff, cases=cases)
    _allocate_team_audits(allocation, staff)
    _allocate_manager_peer(allocation, staff)
    return allocation.result
