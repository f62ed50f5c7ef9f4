"""The demo authority as the history needs it, loaded once in plain values (`County`): its
staff by role and place, its cases with the state the simulation moves on, and the published
audit tools with their sections and questions."""

import datetime as dt
from collections import defaultdict

from caseaudit.audit_tools.models import ToolVersion, VersionStatus
from caseaudit.audit_tools.selectors import band_for, scaling_bands
from caseaudit.cases.models import Case, CaseType, SubjectType
from caseaudit.organisation.models import Role, Staff

from .authority import DEMO_MARKER_AREA

CASE_COLUMNS = (
    "pk",
    "reference",
    "case_type",
    "subject_type",
    "team_id",
    "team__service_area_id",
    "allocated_worker_id",
    "allocated_worker__line_manager_id",
    "opened_on",
    "closed_on",
    "first_panel_on",
    "last_audited_on",
    "date_of_birth",
    "contact_relationship",
)
STAFF_COLUMNS = (
    "pk",
    "user_id",
    "role",
    "team_id",
    "service_area_id",
    "team__service_area_id",
    "line_manager_id",
    "staff_id",
    "user__email",
)


class CaseState:
    """One case: what the records say (`ref`, `type`, `team`, `area`, `worker`, `sup` (the
    worker's supervisor), dates, `imported`: the last audit date before the history) and what
    the simulation has reached (`last` audit, `due` date, `audited_month`)."""

    __slots__ = (
        "id",
        "ref",
        "type",
        "is_carer",
        "team",
        "area",
        "worker",
        "sup",
        "opened",
        "closed",
        "panel",
        "imported",
        "term",
        "speaks",
        "relationship",
        "last_day",
        "last",
        "due",
        "audited_month",
    )


class ToolShape:
    """A published tool version: its sections (id, title, theme code, scaled, [questions as
    (id, kind, choices)]) in order, and the questions that must be answered (`required`)."""

    def __init__(self, version, bands):
        self.version_id = version.pk
        self.code = version.tool.code
        self.name = version.tool.name
        self.number = version.number
        self.applies_to = set(version.tool.applies_to or [])
        self.sections = []
        self.required: set[int] = set()
        for section in version.sections.all():
            questions = [(q.pk, q.kind, list(q.choices or [])) for q in section.questions.all()]
            self.required |= {q.pk for q in section.questions.all() if q.required}
            self.sections.append(
                (section.pk, section.title, section.theme.code, section.scaled, questions)
            )
        self.scaled = [s for s in self.sections if s[3]]


class County:
    """Everything the history needs to know about the demo authority, in plain values.

    `staff`: pk -> (user id, role, team, area, line manager, email); `cases` in pk order."""

    def __init__(self, today: dt.date):
        self.today = today
        self._load_staff()
        team_types, team_area = self._load_cases()
        self._index_teams(team_types, team_area)
        self._load_tools()

    def _load_staff(self) -> None:
        self.staff = {}
        self.tms, self.pss = defaultdict(list), defaultdict(list)
        self.csms, self.by_role = defaultdict(list), defaultdict(list)
        rows = (
            Staff.objects.active()
            .filter(user__is_active=True)
            .values_list(*STAFF_COLUMNS)
            .order_by("staff_id")
        )
        for pk, user_id, role, team, area, team_area, manager, _sid, email in rows:
            self.staff[pk] = (user_id, role, team, area or team_area, manager, email)
            self.by_role[role].append(pk)
            if role == Role.TEAM_MANAGER and team:
                self.tms[team].append(pk)
            elif role == Role.PRACTICE_SUPERVISOR and team:
                self.pss[team].append(pk)
            elif role == Role.SERVICE_MANAGER and (area or team_area):
                self.csms[area or team_area].append(pk)

    def _load_cases(self):
        """The demo cases; returns the count of each case type per team and each team's area."""
        today = self.today
        demo_cases = Case.objects.filter(team__service_area__code__startswith=DEMO_MARKER_AREA)
        self.cases = []
        team_types = defaultdict(lambda: defaultdict(int))
        team_area = {}
        for row in demo_cases.values_list(*CASE_COLUMNS).order_by("pk"):
            c = CaseState()
            (
                c.id,
                c.ref,
                c.type,
                subject,
                c.team,
                c.area,
                c.worker,
                c.sup,
                c.opened,
                c.closed,
                c.panel,
                c.imported,
                dob,
                c.relationship,
            ) = row
            c.is_carer = subject != SubjectType.CHILD
            # Old enough for their views in their own words to be quoted.
            c.speaks = not c.is_carer and (dob is None or (today - dob).days >= 5 * 365)
            if c.is_carer:
                c.term = "the carers"
            elif c.type == CaseType.CARE_LEAVER or (
                dob is not None and (today - dob).days >= 13 * 365
            ):
                c.term = "the young person"
            else:
                c.term = "the child"
            # No audit but the closure audit in the last days before a case closed.
            c.last_day = min(today, c.closed - dt.timedelta(days=11)) if c.closed else today
            c.last = None
            c.audited_month = -1
            self.cases.append(c)
            team_types[c.team][c.type] += 1
            team_area[c.team] = c.area
        self.case_by_id = {c.id: c for c in self.cases}
        return team_types, team_area

    def _index_teams(self, team_types, team_area) -> None:
        """Who is where, for choosing auditors quickly."""
        self.teams_in_area = defaultdict(list)
        for team, area in team_area.items():
            self.teams_in_area[area].append(team)
        self.carer_teams = [
            t for t, types in team_types.items() if types.get("fostering") or types.get("adoption")
        ]
        self.early_help_teams = [
            t
            for t, types in team_types.items()
            if types.get("early_help", 0) * 2 > sum(types.values())
        ]
        self.area_tms, self.area_pss = defaultdict(list), defaultdict(list)
        for area, teams in self.teams_in_area.items():
            for team in teams:
                self.area_tms[area] += self.tms[team]
                self.area_pss[area] += self.pss[team]
        self.carer_tms = [m for t in self.carer_teams for m in self.tms[t]]
        self.early_help_staff = [
            s for t in self.early_help_teams for s in self.tms[t] + self.pss[t]
        ]

    def _load_tools(self) -> None:
        """The scaling bands, and the published version of each tool."""
        bands = scaling_bands()
        self.bands = bands
        self.band_names = {
            s: (band_for(score=s, bands=bands).name if band_for(score=s, bands=bands) else "")
            for s in range(11)
        }
        self.urgent_scales = {
            s for s in range(11) if (b := band_for(score=s, bands=bands)) and b.urgent
        }
        if not self.urgent_scales:
            self.urgent_scales = {0, 1, 2}
        # Scales whose band needs restorative actions (a section scaled so needs one for it).
        self.action_scales = {
            s for s in range(11) if (b := band_for(score=s, bands=bands)) and b.actions_required
        }
        versions = (
            ToolVersion.objects.filter(status=VersionStatus.PUBLISHED)
            .select_related("tool")
            .prefetch_related("sections__theme", "sections__questions")
        )
        self.tools = {v.tool.code: ToolShape(v, bands) for v in versions}
