"""The demo county's campaigns (caseaudit.campaigns): a Safeguarding Assurance Day running
this week, set up and confirmed by the demo CSM through the campaigns' own services, with a
demo Lead Member (an elected councillor) among its auditors; and a thematic audit the demo
Team Manager has drafted but not yet confirmed (its sample shows on its page).

The Lead Member signs in as `lead.member@demo.caseaudit.example` with the demo password and
sees only the cases given to them while the day runs. Skipped when any campaign exists.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from caseaudit.audit_tools.models import Tool
from caseaudit.campaigns import selectors, services
from caseaudit.campaigns.models import Campaign, Purpose
from caseaudit.cases.models import CaseType
from caseaudit.organisation.models import Role, Staff

from .authority import DEMO_PASSWORD, demo_email

LEAD_MEMBER_NAME = "Cllr Ruth Ashworth"
LEAD_MEMBER_STAFF_ID = "LM000001"


def _login(role: str) -> Staff | None:
    return (
        Staff.objects.filter(role=role, user__email=demo_email(role), left_on__isnull=True)
        .select_related("user", "team")
        .first()
    )


def _lead_member() -> Staff:
    """The demo Lead Member, made once (an account and a staff record with no team)."""
    found = _login(Role.LEAD_MEMBER)
    if found is not None:
        return found
    user = get_user_model().objects.create_user(
        username="lead.member",
        email=demo_email(Role.LEAD_MEMBER),
        password=DEMO_PASSWORD,
        first_name="Ruth",
        last_name="Ashworth",
    )
    return Staff.objects.create(
        user=user,
        staff_id=LEAD_MEMBER_STAFF_ID,
        name=LEAD_MEMBER_NAME,
        role=Role.LEAD_MEMBER,
        team=None,
    )


def _data(**values) -> dict:
    blank = {
        "description": "",
        "team_ids": [],
        "case_types": [],
        "worker": None,
        "age_min": None,
        "age_max": None,
        "open_months_min": None,
        "open_months_max": None,
        "last_scale_bands": [],
    }
    return blank | values


def campaigns_demo(*, today: dt.date, rng_seed: int) -> dict[str, int]:
    if Campaign.objects.exists():
        return {}
    csm, ad, tm = (
        _login(Role.SERVICE_MANAGER),
        _login(Role.ASSISTANT_DIRECTOR),
        _login(Role.TEAM_MANAGER),
    )
    generic = Tool.objects.filter(code="generic").first()
    if csm is None or generic is None:
        return {}
    with transaction.atomic():
        lead_member = _lead_member()
        auditors = [lead_member] + ([ad] if ad is not None else [])
        day = services.campaign_create(
            by=csm.user,
            data=_data(
                name="Safeguarding Assurance Day: child protection plans",
                purpose=Purpose.ASSURANCE_DAY,
                description=(
                    "The Lead Member and an Assistant Director audit child protection cases "
                    "open at least six months, with the Generic Audit Tool."
                ),
                starts_on=today,
                ends_on=today + dt.timedelta(days=6),
                tool=generic,
                case_types=[CaseType.CP],
                open_months_min=6,
                sample_size=4,
                seed=rng_seed,
            ),
            auditors=auditors,
        )
        sample = selectors.campaign_sample(campaign=day, today=today)
        made = 0
        if sample.picks:
            services.campaign_confirm(
                campaign=day, by=csm.user, revision=day.revision, fingerprint=sample.fingerprint
            )
            made = len(sample.picks)
        if tm is not None:
            reviewers = [s for s in (csm, ad) if s is not None]
            services.campaign_create(
                by=tm.user,
                data=_data(
                    name="Neglect in the under-fives",
                    purpose=Purpose.THEMES,
                    description="Children under five on a child in need or child protection plan.",
                    starts_on=today + dt.timedelta(days=7),
                    ends_on=today + dt.timedelta(days=35),
                    tool=generic,
                    case_types=[CaseType.CIN, CaseType.CP],
                    age_max=4,
                    sample_size=3,
                    seed=rng_seed + 1,
                ),
                auditors=reviewers,
            )
    return {"campaigns": 2 if tm is not None else 1, "campaign cases": made}
