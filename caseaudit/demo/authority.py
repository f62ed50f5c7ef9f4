"""The demo authority's fixed facts: its scales, its logins and how to recognise it.

Everything else in the app is generated from these and a seed, so the same scale always gives
the same county.
"""

from dataclasses import dataclass

from caseaudit.organisation.models import Role, ServiceArea

# Printed for the demo logins on purpose (README, `manage.py seed_demo`).
DEMO_PASSWORD = "caseaudit-demo-2026"  # noqa: S105  # nosec B105
DEMO_EMAIL_DOMAIN = "demo.caseaudit.example"
# Service area codes of the demo authority start with this (how its data is recognised).
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
    # The benchmark's "county": about 10,000 open cases (9,400 children's and 600
    # carer households) and 500 staff; "national": 200,000 cases.
    "large": Scale("large", 5, 52, 6, 9400, 1500, 600),
    "national": Scale("national", 20, 800, 6, 172000, 20000, 8000),
}

# One memorable login per role (`demo_email`).
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
