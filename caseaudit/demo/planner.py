"""Which audits the demo history has, and when (`Planner`).

The history is simulated month by month: each past month's programme made by the programme's
own allocation engine over the cases open then, with most of its allocations done; annual and
carers' audits when due; IRO, CP Chair and TAC audits after reviews, conferences and
meetings; a closure audit before each case closed; permissive and thematic audits on top.
The result is a list of `Plan`s (one per audit to write) and the programme months.
"""

import datetime as dt
import math
from collections import defaultdict

from caseaudit.cases.models import CaseType
from caseaudit.organisation.models import Role
from caseaudit.programme import engine
from caseaudit.programme.choices import Rule
from caseaudit.programme.due import add_months, month_end
from caseaudit.programme.selectors import staff_rows

from .county import CaseState, County
from .workdays import WorkingCalendar, months_between

# Permissive and thematic audits on top of the rest, where there is no target (a share).
EXTRA_SHARE = 0.05

# Chances per case and month of the audits that follow reviews, conferences and meetings.
MONTHLY_RATE = {"iro": 1 / 12, "cp_chair": 1 / 10, "tac": 1 / 15}
# Once an annual or carers' audit is due, the chance it is done in each month after.
DUE_DONE_PER_MONTH = 0.6
# The share of a past month's programme allocations done that month.
PROGRAMME_DONE = 0.92
# Above this many open cases the engine is given only the cases it could choose
# (`Planner._candidates`): so many per Practice Supervisor and team, and per manager.
ENGINE_MAX_CASES = 20_000
ENGINE_PER_GROUP = 8
ENGINE_PER_MANAGER = 5
# The tool each kind of audit uses (programme allocations name their own).
KIND_TOOL = {
    "annual": "generic",
    "permissive": "generic",
    "thematic": "generic",
    "closure": "closure",
    "carers": "carers",
    "tac": "tac",
    "iro": "iro",
    "cp_chair": "cp-chair",
}


def programme_kind(tool_code: str, rule: str) -> str:
    """The reason a programme allocation's audit is recorded with, as the programme starts it
    (`programme.services.allocation_reason`): carers' audits with the Carers tool, the Team
    Manager's audit of their own single-PS team permissive, the rest peer audits."""
    if tool_code == "carers":
        return "carers"
    if rule == Rule.TM_SINGLE_PS:
        return "permissive"
    return "peer"


# The follow-up audit of each case type (after reviews, conferences and TAC meetings).
FOLLOW_UP_KIND = {CaseType.CLA: "iro", CaseType.CP: "cp_chair", CaseType.EARLY_HELP: "tac"}


class Plan:
    """One audit to write: of `case` by `auditor` (a Staff pk), finished (or, for a draft, last
    saved) on `day`. `alloc` is the programme allocation it was done for; `force` makes the
    demo logins' own examples ("urgent": an open urgent finding; "actions": open actions)."""

    __slots__ = ("day", "case", "kind", "tool", "auditor", "alloc", "draft", "force", "pk")

    def __init__(self, day, case, kind, tool, auditor, alloc=None, draft=False, force=""):
        self.day, self.case, self.kind, self.tool = day, case, kind, tool
        self.auditor, self.alloc, self.draft, self.force = auditor, alloc, draft, force
        self.pk = None


class Planner:
    """Simulates the months of history and returns the audits to write (`Plan`s) and the
    programme months with their allocations."""

    def __init__(self, org: County, *, today, months, target, rng, perf_user):
        self.org, self.today, self.rng = org, today, rng
        self.current = today.replace(day=1)
        self.start = add_months(self.current, -months + 1)
        self.target = target
        self.perf_user = perf_user
        self.plans: list[Plan] = []
        self.programmes = []  # (month, seed, [(pick, plan or None)])
        self.cal = WorkingCalendar(add_months(self.start, -2), today + dt.timedelta(days=400))

    # Who audits ------------------------------------------------------------------------------

    def _pick(self, options, case, *, other_team=False):
        """Someone from `options` who neither holds nor supervises the case (nor, with
        `other_team`, works in its team), or None."""
        if not options:
            return None
        staff, rnd = self.org.staff, self.rng.random
        for _ in range(8):  # usually the first try: the lists are long, the exclusions few
            chosen = options[int(rnd() * len(options))]
            if (
                chosen != case.worker
                and chosen != case.sup
                and not (other_team and staff[chosen][2] == case.team)
            ):
                return chosen
        allowed = [
            s
            for s in options
            if s != case.worker and s != case.sup and not (other_team and staff[s][2] == case.team)
        ]
        return self.rng.choice(allowed) if allowed else None

    def auditor_for(self, kind: str, case: CaseState):
        org, pick = self.org, self._pick
        role = org.by_role
        if kind == "iro":
            return pick(role[Role.IRO], case)
        if kind == "cp_chair":
            return pick(role[Role.CP_CHAIR], case)
        if kind == "closure":
            # The team's manager, or one of its Practice Supervisors (not the worker's own).
            chosen = pick(org.pss[case.team], case) if self.rng.random() < 0.4 else None
            return chosen or pick(org.tms[case.team] or org.csms[case.area], case)
        if kind == "carers":
            # Another Practice Supervisor of the team, another carers' team's manager, or the CSM.
            r = self.rng.random()
            if r < 0.45:
                chosen = pick(org.pss[case.team], case)
            elif r < 0.85:
                chosen = pick(org.carer_tms, case, other_team=True)
            else:
                chosen = pick(org.csms[case.area], case)
            return chosen or pick(org.tms[case.team] + org.csms[case.area], case)
        if kind == "tac":
            # A manager or Practice Supervisor of another early help team, or the CSM.
            chosen = None
            if self.rng.random() < 0.7:
                chosen = pick(org.early_help_staff, case, other_team=True)
            return chosen or pick(org.csms[case.area], case) or pick(org.tms[case.team], case)
        r = self.rng.random()
        if kind == "annual":
            if r < 0.4:
                chosen = pick(org.area_tms[case.area], case, other_team=True)
            elif r < 0.65:
                chosen = pick(org.area_pss[case.area], case, other_team=True)
            elif r < 0.85:
                chosen = pick(role[Role.PERFORMANCE], case)
            else:
                chosen = pick(role[Role.AUDITOR], case)
            return chosen or pick(role[Role.PERFORMANCE], case)
        if kind == "permissive":
            if r < 0.5:
                chosen = pick(org.tms[case.team], case)
            elif r < 0.8:
                chosen = pick(org.csms[case.area], case)
            else:
                chosen = pick(role[Role.ASSISTANT_DIRECTOR], case)
            return chosen or pick(role[Role.PERFORMANCE], case)
        # thematic
        if r < 0.7:
            return pick(role[Role.PERFORMANCE], case)
        return pick(role[Role.ASSISTANT_DIRECTOR], case) or pick(role[Role.PERFORMANCE], case)

    def add(self, day, case, kind, *, tool=None, auditor=None, alloc=None, draft=False, force=""):
        tool = tool or KIND_TOOL[kind]
        if case.type not in self.org.tools[tool].applies_to:
            return None
        auditor = auditor or self.auditor_for(kind, case)
        if auditor is None:
            return None
        plan = Plan(day, case, kind, tool, auditor, alloc, draft, force)
        self.plans.append(plan)
        return plan

    # The simulation --------------------------------------------------------------------------

    def _due(self, case: CaseState) -> dt.date:
        base = case.panel if case.is_carer and case.panel else case.opened
        if case.last and case.last > base:
            base = case.last
        return add_months(base, 12)

    def run(self) -> None:
        """Simulate the months of history (filling `plans` and `programmes`)."""
        self.months = months_between(self.start, self.today)
        self.index = {m: i for i, m in enumerate(self.months)}
        scheduled = self._prepare()
        staff = staff_rows()
        overdue: list[CaseState] = []
        for i, month in enumerate(self.months):
            last = min(month_end(month), self.today)
            if month < self.current:  # this month's programme is generated by seed_demo
                for plan in self._programme(month, staff):
                    self._mark(plan, i)
            for day, case, kind in scheduled.get(i, []):
                plan = self.add(day, case, kind)
                if plan is not None:
                    self._mark(plan, i)
            overdue = self._due_audits(i, month, last, overdue)
        self._extra()
        self._demo_people()

    def _month_index(self, day: dt.date) -> int:
        """The index of `day`'s month in the history (0 before it, len(months) after it)."""
        return 0 if day < self.start else self.index.get(day.replace(day=1), len(self.months))

    def _prepare(self) -> dict:
        """Each case's last audit and due date at the start; the cases by the month their
        annual or carers' audit falls due (`due_in`); returns the audits that follow reviews,
        conferences, meetings and closure, by month."""
        cases = self.org.cases
        # Each case's last audit before the history: what the previous system recorded.
        for case in cases:
            if case.imported and case.imported < self.start:
                case.last = case.imported
            case.due = self._due(case)
        # A case may be listed in more than one month: each time its due date is worked out
        # again.
        self.due_in = defaultdict(list)
        for case in cases:
            self.due_in[self._month_index(case.due)].append(case)
        scheduled = defaultdict(list)
        for case in cases:
            self._schedule(case, self.months, self.index, scheduled)
        return scheduled

    def _mark(self, plan: Plan, i: int) -> None:
        """Month `i` audited `plan.case`: move its last audit and due date on."""
        case = plan.case
        case.audited_month = i
        if case.last is None or plan.day > case.last:
            case.last = plan.day
            case.due = self._due(case)
            self.due_in[max(i + 1, self._month_index(case.due))].append(case)

    def _due_audits(self, i, month, last, overdue) -> list[CaseState]:
        """Annual and carers' audits due by the end of month `i` (`last`): most done within a
        month or two; the rest carry over as overdue (returned)."""
        rng, cal = self.rng, self.cal
        candidates, overdue, seen = overdue + self.due_in.pop(i, []), [], set()
        for case in candidates:
            if case.id in seen or case.audited_month == i:
                continue
            seen.add(case.id)
            if case.last_day < month or (case.closed and case.closed <= last):
                continue
            due = case.due
            if due > last:
                self.due_in[max(i + 1, self._month_index(due))].append(case)
                continue
            if rng.random() >= DUE_DONE_PER_MONTH:
                overdue.append(case)
                continue
            first = max(month, due - dt.timedelta(days=20), case.opened)
            day = cal.between(rng, first, min(last, case.last_day))
            plan = day and self.add(day, case, "carers" if case.is_carer else "annual")
            if plan is None:
                overdue.append(case)
                continue
            self._mark(plan, i)
        return overdue

    def _schedule(self, case, months, index, scheduled) -> None:
        """Add to `scheduled` (by month index) the case's closure audit and the audits that
        follow its reviews, conferences or meetings (at its type's monthly rate)."""
        rng, cal = self.rng, self.cal
        first = max(self.start, case.opened + dt.timedelta(days=10))
        if case.closed and self.start + dt.timedelta(days=10) <= case.closed <= self.today:
            day = cal.on_or_before(case.closed - dt.timedelta(days=rng.randint(1, 10)))
            if day >= max(self.start, case.opened):
                scheduled[index[day.replace(day=1)]].append((day, case, "closure"))
        kind = FOLLOW_UP_KIND.get(case.type)
        if kind is None or first > case.last_day:
            return
        rate = MONTHLY_RATE[kind]
        log_keep = math.log(1 - rate)
        i = index[first.replace(day=1)]
        while True:
            i += int(math.log(1 - rng.random()) / log_keep)
            if i >= len(months):
                return
            month = months[i]
            day = cal.between(rng, max(month, first), min(month_end(month), case.last_day))
            if day is None:
                return
            scheduled[i].append((day, case, kind))
            i += 1

    def _programme(self, month: dt.date, staff) -> list[Plan]:
        """The month's programme as the engine would have made it then, and the audits done."""
        rng, cal = self.rng, self.cal
        last = month_end(month)
        cases = [
            c
            for c in self.org.cases
            if c.opened < month and (c.closed is None or c.closed > last) and c.last_day >= last
        ]
        if len(cases) > ENGINE_MAX_CASES:
            cases = self._candidates(cases, last, staff)
        rows = [
            engine.CaseRow(
                c.id, c.ref, c.team, c.area, c.worker, c.sup, c.is_carer, c.opened, c.last, c.panel
            )
            for c in cases
        ]
        seed = rng.randrange(2**31)
        result = engine.allocate(month=month, seed=seed, staff=staff, cases=rows)
        done, picks = [], []
        for pick in result.picks:
            plan = None
            if pick.case is not None and rng.random() < PROGRAMME_DONE:
                case = self.org.case_by_id[pick.case.id]
                day = cal.between(rng, month, min(last, self.today, case.last_day))
                if day is not None:
                    plan = self.add(
                        day,
                        case,
                        programme_kind(pick.tool_code, pick.rule),
                        tool=pick.tool_code,
                        auditor=pick.auditor.id,
                        alloc=True,
                    )
            if plan is not None:
                done.append(plan)
            picks.append((pick, plan))
        self.programmes.append((month, seed, picks))
        return done

    def _candidates(self, cases: list[CaseState], last: dt.date, staff) -> list[CaseState]:
        """The cases the engine could choose from, at the national scale: those first in its
        order of need (due, never audited, longest since the last audit) for each Practice
        Supervisor and team, and enough for every manager. The engine then chooses as usual;
        given every open case it takes three seconds a month there."""

        def need(c: CaseState) -> int:
            if c.due <= last:
                return c.due.toordinal()
            if c.last is None:
                return 10_000_000 + c.opened.toordinal()
            return 20_000_000 + c.last.toordinal()

        cases = sorted(cases, key=need)
        managers = sum(1 for s in staff if s.role in engine.MANAGER_ROLES_IN_ORDER)
        by_supervisor, by_team = defaultdict(int), defaultdict(int)
        chosen = []
        for n, c in enumerate(cases):
            if (
                n < ENGINE_PER_MANAGER * managers
                or by_supervisor[c.sup] < ENGINE_PER_GROUP
                or by_team[c.team] < ENGINE_PER_GROUP
            ):
                chosen.append(c)
                by_supervisor[c.sup] += 1
                by_team[c.team] += 1
        return chosen

    def _extra(self) -> None:
        """Permissive and thematic audits on top; at the large scales as many as make the
        total the target (or, if there are already more, some of the follow-up audits go)."""
        rng, cal = self.rng, self.cal
        count = len(self.plans)
        wanted = self.target - count if self.target else int(count * EXTRA_SHARE)
        if wanted < 0:
            droppable = [
                i for i, p in enumerate(self.plans) if p.kind in ("iro", "cp_chair", "tac")
            ]
            drop = set(rng.sample(droppable, min(-wanted, len(droppable))))
            self.plans = [p for i, p in enumerate(self.plans) if i not in drop]
            return
        # Spread evenly over the days of the history (not over each case's life, which would
        # crowd them into recent months): a day, then a children's case open that day.
        children = [c for c in self.org.cases if not c.is_carer]
        days = [d for d in cal.days if self.start <= d <= self.today]
        rnd, ten_days = rng.random, dt.timedelta(days=10)
        follow_up = FOLLOW_UP_KIND
        tries = wanted * 10
        while wanted > 0 and tries > 0 and children:
            tries -= 1
            day = days[int(rnd() * len(days))]
            for _ in range(50):
                case = children[int(rnd() * len(children))]
                if case.opened + ten_days <= day <= case.last_day:
                    break
            else:
                continue
            kind = follow_up.get(case.type) if rnd() < 0.5 else None
            kind = kind or ("permissive" if rnd() < 0.6 else "thematic")
            if self.add(day, case, kind) is not None:
                wanted -= 1

    def _demo_people(self) -> None:
        """What the demo logins should find: the practitioner two recent audits of their
        cases with actions to answer, one of which raised an urgent finding their Team
        Manager and Practice Supervisor have not acknowledged yet."""
        org, cal = self.org, self.cal
        practitioner = next(
            (pk for pk, s in org.staff.items() if s[5].startswith("practitioner@")), None
        )
        if practitioner is None:
            return
        theirs = [
            c for c in org.cases if c.worker == practitioner and c.closed is None and not c.is_carer
        ][:2]
        for n, case in enumerate(theirs):
            day = cal.on_or_before(self.today - dt.timedelta(days=2 + 5 * n))
            other_tms = [
                m for t in org.teams_in_area[case.area] if t != case.team for m in org.tms[t]
            ]
            auditor = self._pick(other_tms, case) or self._pick(org.by_role[Role.PERFORMANCE], case)
            self.add(day, case, "annual", auditor=auditor, force="urgent" if n == 0 else "actions")
