"""Building campaigns for the tests (and the access matrix's world)."""

import datetime as dt

from django.utils import timezone

from caseaudit.audit_tools.models import Tool
from caseaudit.campaigns import selectors, services
from caseaudit.campaigns.models import Campaign, Purpose


def campaign_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "name": "Neglect themes",
        "purpose": Purpose.THEMES,
        "description": "",
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=13),
        "tool": Tool.objects.get(code="generic"),
        "team_ids": [],
        "case_types": [],
        "worker": None,
        "age_min": None,
        "age_max": None,
        "open_months_min": None,
        "open_months_max": None,
        "last_scale_bands": [],
        "sample_size": 2,
        "seed": 42,
    }
    data.update(overrides)
    return data


def make_campaign(*, by, auditors, confirm=False, **overrides) -> Campaign:
    """A draft campaign set up by `by` (a Staff), confirmed as previewed if `confirm`."""
    campaign = services.campaign_create(
        by=by.user, data=campaign_data(**overrides), auditors=list(auditors)
    )
    if confirm:
        sample = selectors.campaign_sample(campaign=campaign)
        campaign = services.campaign_confirm(
            campaign=campaign,
            by=by.user,
            revision=campaign.revision,
            fingerprint=sample.fingerprint,
        )
    return campaign
