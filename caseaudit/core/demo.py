"""A synthetic authority for demonstration, development and benchmarks.

Everything is generated from a fixed seed with fake English names, so the same scale always
gives the same county. Rows are inserted in bulk so the large scales build in minutes.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from caseaudit.cases.models import Case, CaseType, SubjectType
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team

DEMO_PASSWORD = "caseaudit-demo-2026"  # noqa: S105 - printed for the demo logins on purpose
DEMO_EMAIL_DOMAIN = "demo.caseaudit.example"
DEMO_MARKER_AREA = "demo-"


@dataclass(frozen=True)
class Scale:
    name: str
    areas: int
    teams: int
    practitioners_per_team: int
    open_cases: int
    closed_cases: int
    carers: int


SCALES = {
    "small": Scale("small", 2, 8, 4, 200, 30, 20),
    "county": Scale("county", 4, 25, 6, 3000, 400, 200),
    # The benchmark's "county" (issue 9): about 10,000 open cases (9,400 children's and 600
    # carer households) and 500 staff; "national": 200,000 cases.
    "large": Scale("large", 5, 52, 6, 9400, 1500, 600),
    "national": Scale("national", 20, 800, 6, 172000, 20000, 8000),
}

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
PLACES = ["Lincoln", "Boston", "Grantham", "Louth", "Spalding", "Sleaford", "Skegness", "Stamford"]
# Practice Supervisors per team, cycled so the county has teams with one, two and three.
PS_PER_TEAM = [2, 1, 3, 2, 2, 1, 3, 2]
RELATIONSHIPS = ["Mother", "Father", "Grandmother", "Aunt", "Stepfather", "Kinship carer"]

DEMO_ROLES = [
    Role.PRACTITIONER,
    Role.PRACTICE_SUPERVISOR,
    Role.TEAM_MANAGER,
    Role.SERVICE_MANAGER,
    Role.ASSISTANT_DIRECTOR,
    Role.DIRECTOR,
    Role.IRO,
    Role.CP_CHAIR,
    Role.PERFORMANCE,
    Role.BUSINESS_SUPPORT,
    Role.AUDITOR,
    Role.ADMIN,
]


def demo_email(role: str) -> str:
    return f"{role.replace('_', '.')}@{DEMO_EMAIL_DOMAIN}"


def is_seeded() -> bool:
    return ServiceArea.objects.filter(code__startswith=DEMO_MARKER_AREA).exists()


class _Builder:
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
        s = self.scale
        director = self.person(Role.DIRECTOR)
        ads = [self.person(Role.ASSISTANT_DIRECTOR, manager=director) for _ in range(2)]
        areas, teams = [], []
        team_kinds = {}
        for a in range(s.areas):
            base_name, kinds = AREA_NAMES[a % len(AREA_NAMES)]
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
            self.person(Role.BUSINESS_SUPPORT, team=team, manager=tm) if t % 5 == 0 else None
            workers_by_team[team.code] = workers
        for role, count in [
            (Role.IRO, max(2, s.teams // 8)),
            (Role.CP_CHAIR, max(2, s.teams // 10)),
            (Role.PERFORMANCE, 3),
            (Role.AUDITOR, 2),
            (Role.ADMIN, 1),
        ]:
            for _ in range(count):
                self.person(role, manager=ads[0] if role != Role.ADMIN else None)

        self._name_demo_logins(teams)
        get_user_model().objects.bulk_create(self.users, batch_size=2000)
        for staff in self.staff:
            staff.user_id = staff.user.pk
        Staff.objects.bulk_create(self.staff, batch_size=2000)
        for staff in self.staff:
            staff.line_manager = staff._manager
        Staff.objects.bulk_update(
            [st for st in self.staff if st.line_manager], ["line_manager"], batch_size=2000
        )

        child_teams = [t for t in teams if team_kinds[t.code] not in ("fostering", "adoption")]
        carer_teams = [t for t in teams if team_kinds[t.code] in ("fostering", "adoption")]
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
        return {
            "service_areas": len(areas),
            "teams": len(teams),
            "staff": len(self.staff),
            "cases": len(cases),
        }

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
            if staff.role in (Role.PRACTITIONER, Role.PRACTICE_SUPERVISOR, Role.TEAM_MANAGER):
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


def seed_demo(
    *,
    scale: str = "county",
    seed: int = 2026,
    today: dt.date | None = None,
    history: bool = False,
    responses: bool | None = None,
    log=None,
) -> dict:
    """Build the demo county in one transaction. Does nothing if it is already there.

    With `history` (as `manage.py seed_demo` does) it also gets its audit history, this month's
    programme (generated and confirmed, some of it started or done) and, where the responses
    app provides them, the QA responses (`seed_history`); each step is skipped if done before.
    `responses`: make the QA responses (None: when the history is small enough).
    `log(message)` is told each step's time."""
    today = today or timezone.localdate()
    counts = {}
    if not is_seeded():
        started = time.monotonic()
        with transaction.atomic():
            counts = _Builder(SCALES[scale], seed, today).build()
        if log:
            log(f"  organisation and cases: {time.monotonic() - started:.1f}s")
    if history:
        counts |= seed_history(scale=scale, seed=seed, today=today, responses=responses, log=log)
    return counts


# Above this many audits in the history the QA responses are not made: `responses_demo`
# writes each response on its own, which would take many minutes at the large scales.
RESPONSES_DEMO_MAX_AUDITS = 10_000


def seed_history(
    *, scale: str, seed: int, today: dt.date, responses: bool | None = None, log=None
) -> dict:
    """The demo county's audit history, this month's confirmed programme with some of its
    audits started or done, and the QA responses. Each step is skipped when already done."""
    from caseaudit.audits.demo import audits_demo, audits_demo_programme
    from caseaudit.programme.models import ProgrammeMonth
    from caseaudit.programme.services import programme_confirm, programme_generate

    try:
        from caseaudit.responses.demo import responses_demo
    except ImportError:  # the responses app has no demo history (yet)
        responses_demo = None

    def step(name, started):
        if log:
            log(f"  {name}: {time.monotonic() - started:.1f}s")

    counts = {}
    started = time.monotonic()
    if responses is None:
        responses = audits_expected(scale) <= RESPONSES_DEMO_MAX_AUDITS
    with_responses = responses_demo is not None and responses
    made = audits_demo(
        today=today, scale_name=scale, rng_seed=seed, resolve_actions=not with_responses
    )
    if made:
        counts["audits"] = made["audits"]
        step(f"audit history ({made['audits']} audits)", started)

    started = time.monotonic()
    month = today.replace(day=1)
    programme = ProgrammeMonth.objects.filter(month=month).first()
    performance = (
        Staff.objects.filter(role=Role.PERFORMANCE, user__email=demo_email(Role.PERFORMANCE))
        .select_related("user")
        .first()
    )
    user = performance.user if performance else None
    if programme is None:
        programme = programme_generate(month=month, by=user, seed=seed)
        programme = programme_confirm(programme=programme, by=user)
        counts["programme allocations"] = programme.allocations.count()
        step(f"programme for {month:%B %Y} generated and confirmed", started)
    if programme.is_confirmed:
        started = time.monotonic()
        done = audits_demo_programme(
            programme=programme, today=today, rng_seed=seed, resolve_actions=not with_responses
        )
        if done:
            step(
                f"this month's audits ({done['allocations started']} started, "
                f"{done['allocations completed']} completed)",
                started,
            )

    if with_responses:
        started = time.monotonic()
        made_responses = responses_demo(today=today)
        if made_responses:
            counts["QA responses"] = sum(v for k, v in made_responses.items() if k != "overdue")
            step(f"QA responses ({counts['QA responses']})", started)
    elif log and made:
        if responses_demo is None:
            why = "the responses app has no demo history"
        elif responses is False:
            why = "not asked for"
        else:
            why = f"more than {RESPONSES_DEMO_MAX_AUDITS:,} audits"
        log(f"  QA responses: not made ({why}); restorative actions resolved with the history")

    from caseaudit.reports.services import summary_is_built, summary_rebuild

    if counts or not summary_is_built():  # the history was written with bulk inserts
        started = time.monotonic()
        rows = summary_rebuild()
        step(f"report summary ({rows} rows)", started)
    return counts


def audits_expected(scale: str) -> int:
    """Roughly how many audits the history of a scale has (to choose what else to make)."""
    from caseaudit.audits.demo import TARGET_AUDITS

    if scale in TARGET_AUDITS:
        return TARGET_AUDITS[scale]
    s = SCALES[scale]
    return s.open_cases + s.closed_cases + s.carers
