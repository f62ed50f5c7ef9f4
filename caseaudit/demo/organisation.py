"""The demo authority's organisation and cases: service areas, teams, staff and case records.

Generated from a fixed seed with fake English names (Faker, en_GB), so the same scale always
gives the same county. Rows are inserted in bulk so the large scales build in minutes.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from faker import Faker

from caseaudit.cases.models import Case, CaseType, SubjectType
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team
from caseaudit.organisation.roles import TEAM_ROLES

from .authority import DEMO_EMAIL_DOMAIN, DEMO_MARKER_AREA, DEMO_PASSWORD, Scale, demo_email

# Each service area's team kinds, cycled; the first two areas between them hold every kind,
# so even the small scale has cases of every type.
AREA_NAMES = [
    ("Safeguarding North", ["assessment", "safeguarding", "early_help", "safeguarding"]),
    ("Children in Care and Permanence", ["cic", "leaving_care", "fostering", "adoption", "cic"]),
    ("Safeguarding South", ["assessment", "safeguarding", "early_help"]),
    ("Disabled Children and Young People", ["assessment", "cic"]),
    ("Early Help", ["early_help"]),
]
TEAM_KIND_NAMES = {
    "assessment": "Assessment",
    "safeguarding": "Safeguarding",
    "cic": "Children in Care",
    "leaving_care": "Leaving Care",
    "early_help": "Early Help",
    "fostering": "Fostering",
    "adoption": "Adoption",
}
TEAM_KIND_CASE_TYPES = {
    "assessment": [CaseType.CIN, CaseType.CIN, CaseType.CP],
    "safeguarding": [CaseType.CP, CaseType.CP, CaseType.CIN],
    "cic": [CaseType.CLA],
    "leaving_care": [CaseType.CARE_LEAVER],
    "early_help": [CaseType.EARLY_HELP],
    "fostering": [CaseType.FOSTERING],
    "adoption": [CaseType.ADOPTION],
}
CARER_KINDS = ("fostering", "adoption")
PLACES = ["Lincoln", "Boston", "Grantham", "Louth", "Spalding", "Sleaford", "Skegness", "Stamford"]
# Practice Supervisors per team, cycled so the county has teams with one, two and three.
PS_PER_TEAM = [2, 1, 3, 2, 2, 1, 3, 2]
RELATIONSHIPS = ["Mother", "Father", "Grandmother", "Aunt", "Stepfather", "Kinship carer"]


class OrganisationBuilder:
    """Builds the demo authority's organisation and cases (`build`), in bulk."""

    def __init__(self, scale: Scale, seed: int, today: dt.date):
        self.scale = scale
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.today = today
        self.password = make_password(DEMO_PASSWORD)
        self.users = []
        self.staff = []
        self.seq = 0

    def person(self, role: str, *, team=None, area=None, manager=None, email=None) -> Staff:
        self.seq += 1
        name = self.fake.name()
        staff_id = f"S{self.seq:06d}"
        user = get_user_model()(
            username=staff_id.lower(),
            email=email or f"{staff_id.lower()}@{DEMO_EMAIL_DOMAIN}",
            password=self.password,
            first_name=name.split(" ")[0],
            last_name=name.split(" ")[-1],
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        staff = Staff(
            user=user, staff_id=staff_id, name=name, role=role, team=team, service_area=area
        )
        staff._manager = manager
        self.users.append(user)
        self.staff.append(staff)
        return staff

    def build(self) -> dict:
        director = self.person(Role.DIRECTOR)
        ads = [self.person(Role.ASSISTANT_DIRECTOR, manager=director) for _ in range(2)]
        areas, teams, team_kinds = self._areas_and_teams()
        workers_by_team = self._staff_teams(areas, teams, ads)
        self._specialists(ads)
        self._name_demo_logins(teams)
        self._save_people()
        cases = self._cases(teams, team_kinds, workers_by_team)
        return {
            "service_areas": len(areas),
            "teams": len(teams),
            "staff": len(self.staff),
            "cases": len(cases),
        }

    def _areas_and_teams(self):
        """The service areas and their teams (saved), and each team's kind by its code."""
        s = self.scale
        areas, teams, team_kinds = [], [], {}
        for a in range(s.areas):
            base_name, _kinds = AREA_NAMES[a % len(AREA_NAMES)]
            name = base_name if a < len(AREA_NAMES) else f"{base_name} {a // len(AREA_NAMES) + 1}"
            areas.append(ServiceArea(code=f"{DEMO_MARKER_AREA}{a + 1}", name=name))
        ServiceArea.objects.bulk_create(areas)
        for t in range(s.teams):
            area_index = t % s.areas
            kinds = AREA_NAMES[area_index % len(AREA_NAMES)][1]
            kind = kinds[(t // s.areas) % len(kinds)]
            place = PLACES[(t // s.areas) % len(PLACES)]
            team = Team(
                code=f"t{t + 1:03d}",
                name=f"{TEAM_KIND_NAMES[kind]} {place} {t + 1}",
                service_area=areas[area_index],
            )
            teams.append(team)
            team_kinds[team.code] = kind
        Team.objects.bulk_create(teams)
        return areas, teams, team_kinds

    def _staff_teams(self, areas, teams, ads) -> dict:
        """A Children's Service Manager per area; per team a Team Manager, its Practice
        Supervisors, practitioners and (in one team of five) Business Support. Returns the
        practitioners by team code."""
        s = self.scale
        csms = [
            self.person(Role.SERVICE_MANAGER, area=area, manager=ads[i % len(ads)])
            for i, area in enumerate(areas)
        ]
        workers_by_team = {}
        for t, team in enumerate(teams):
            csm = csms[t % s.areas]
            tm = self.person(Role.TEAM_MANAGER, team=team, manager=csm)
            pss = [
                self.person(Role.PRACTICE_SUPERVISOR, team=team, manager=tm)
                for _ in range(PS_PER_TEAM[t % len(PS_PER_TEAM)])
            ]
            workers = [
                self.person(Role.PRACTITIONER, team=team, manager=pss[i % len(pss)])
                for i in range(s.practitioners_per_team)
            ]
            if t % 5 == 0:
                self.person(Role.BUSINESS_SUPPORT, team=team, manager=tm)
            workers_by_team[team.code] = workers
        return workers_by_team

    def _specialists(self, ads) -> None:
        """IROs, CP Chairs, Performance Assurance, auditors and an administrator."""
        s = self.scale
        for role, count in [
            (Role.IRO, max(2, s.teams // 8)),
            (Role.CP_CHAIR, max(2, s.teams // 10)),
            (Role.PERFORMANCE, 3),
            (Role.AUDITOR, 2),
            (Role.ADMIN, 1),
        ]:
            for _ in range(count):
                self.person(role, manager=ads[0] if role != Role.ADMIN else None)

    def _save_people(self) -> None:
        """The accounts and staff in bulk, then their line managers."""
        get_user_model().objects.bulk_create(self.users, batch_size=2000)
        for staff in self.staff:
            staff.user_id = staff.user.pk
        Staff.objects.bulk_create(self.staff, batch_size=2000)
        for staff in self.staff:
            staff.line_manager = staff._manager
        Staff.objects.bulk_update(
            [st for st in self.staff if st.line_manager], ["line_manager"], batch_size=2000
        )

    def _cases(self, teams, team_kinds, workers_by_team) -> list[Case]:
        """Children's cases (open, then closed) and carer households, shared out round the
        teams of their kind and each team's practitioners (saved)."""
        s = self.scale
        child_teams = [t for t in teams if team_kinds[t.code] not in CARER_KINDS]
        carer_teams = [t for t in teams if team_kinds[t.code] in CARER_KINDS]
        cases = []
        for i in range(s.open_cases + s.closed_cases):
            team = child_teams[i % len(child_teams)]
            cases.append(
                self._child_case(
                    i,
                    team,
                    team_kinds[team.code],
                    workers_by_team[team.code][(i // len(child_teams)) % s.practitioners_per_team],
                    closed=i >= s.open_cases,
                )
            )
        for i in range(s.carers if carer_teams else 0):
            team = carer_teams[i % len(carer_teams)]
            cases.append(
                self._carer_case(
                    i,
                    team,
                    team_kinds[team.code],
                    workers_by_team[team.code][(i // len(carer_teams)) % s.practitioners_per_team],
                )
            )
        Case.objects.bulk_create(cases, batch_size=5000)
        return cases

    def _name_demo_logins(self, teams):
        """Give one member of staff per role a memorable demo login.

        The practitioner, their PS and their TM are in the first team, so their views overlap;
        the CSM runs that team's service.
        """
        first_team = teams[0]
        chosen = {}
        for staff in self.staff:
            if staff.role in chosen:
                continue
            if staff.role in TEAM_ROLES:
                if staff.team is not first_team:
                    continue
                if staff.role == Role.PRACTITIONER and staff._manager is not chosen.get(
                    Role.PRACTICE_SUPERVISOR
                ):
                    continue
            if staff.role == Role.SERVICE_MANAGER and staff.service_area is not (
                first_team.service_area
            ):
                continue
            chosen[staff.role] = staff
        for role, staff in chosen.items():
            staff.user.email = demo_email(role)

    def _child_case(self, i, team, kind, worker, closed):
        rng, fake = self.rng, self.fake
        case_type = rng.choice(TEAM_KIND_CASE_TYPES[kind])
        age_years = {
            CaseType.CARE_LEAVER: rng.randint(18, 24),
            CaseType.EARLY_HELP: rng.randint(0, 15),
        }.get(case_type, rng.randint(0, 17))
        dob = self.today - dt.timedelta(days=age_years * 365 + rng.randint(0, 364))
        max_open_days = max(30, min(5 * 365, (self.today - dob).days))
        opened = self.today - dt.timedelta(days=rng.randint(7, max_open_days))
        closed_on = None
        if closed:
            closed_on = min(self.today, opened + dt.timedelta(days=rng.randint(30, 700)))
        last_audited = None
        if rng.random() < 0.6 and (self.today - opened).days > 60:
            last_audited = self.today - dt.timedelta(
                days=rng.randint(10, min(600, (self.today - opened).days))
            )
        surname = fake.last_name()
        return Case(
            reference=f"C{100000 + i}",
            display_name=f"{fake.first_name()} {surname}",
            subject_type=SubjectType.CHILD,
            case_type=case_type,
            date_of_birth=dob,
            opened_on=opened,
            closed_on=closed_on,
            team=team,
            allocated_worker=worker,
            last_audited_on=last_audited,
            contact_name=f"{fake.first_name()} {surname}",
            contact_relationship=rng.choice(RELATIONSHIPS),
            contact_phone=f"07700 900{rng.randint(0, 999):03d}",
            contact_email=f"family{i}@example.com",
            contact_address=fake.address(),
        )

    def _carer_case(self, i, team, kind, worker):
        rng, fake = self.rng, self.fake
        surname = fake.last_name()
        panel = self.today - dt.timedelta(days=rng.randint(60, 8 * 365))
        opened = panel - dt.timedelta(days=rng.randint(90, 240))
        last_audited = None
        if (self.today - panel).days > 365 and rng.random() < 0.7:
            last_audited = self.today - dt.timedelta(days=rng.randint(20, 500))
        is_fostering = kind == "fostering"
        return Case(
            reference=f"{'F' if is_fostering else 'A'}{200000 + i}",
            display_name=f"{surname} household",
            subject_type=SubjectType.FOSTER_CARER if is_fostering else SubjectType.ADOPTER,
            case_type=CaseType.FOSTERING if is_fostering else CaseType.ADOPTION,
            opened_on=opened,
            team=team,
            allocated_worker=worker,
            first_panel_on=panel,
            last_audited_on=last_audited,
            contact_name=f"{fake.first_name()} {surname}",
            contact_relationship="Carer",
            contact_phone=f"07700 900{rng.randint(0, 999):03d}",
            contact_email=f"carers{i}@example.com",
            contact_address=fake.address(),
        )
