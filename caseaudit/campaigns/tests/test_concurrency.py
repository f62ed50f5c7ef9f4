"""Two managers confirming the same draft at the same moment (PostgreSQL: real concurrent
transactions): exactly one confirms it; the other gets the conflict, and the sample is
written once."""

import pytest

from caseaudit.audits.tests.concurrency import load_shipped_tools, require_postgresql, run_together
from caseaudit.campaigns import selectors, services
from caseaudit.campaigns.models import Campaign, CampaignCase, CampaignStatus
from caseaudit.cases.models import CaseAssignment
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.notifications.models import Notification

from .helpers import make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_confirmations_at_once_confirm_it_once(org):
    require_postgresql()
    load_shipped_tools()
    draft = make_campaign(by=org.csm_north, auditors=[org.director, org.ps_b], sample_size=3)
    fingerprint = selectors.campaign_sample(campaign=draft).fingerprint

    def confirm(by):
        def call():
            campaign = Campaign.objects.get(pk=draft.pk)
            return services.campaign_confirm(
                campaign=campaign, by=by.user, revision=draft.revision, fingerprint=fingerprint
            )

        return call

    results = run_together([confirm(org.csm_north), confirm(org.director)])
    conflicts = [r for r in results if isinstance(r, TransitionConflict)]
    confirmed = [r for r in results if isinstance(r, Campaign)]
    assert len(conflicts) == 1 and len(confirmed) == 1, results
    assert Campaign.objects.get(pk=draft.pk).status == CampaignStatus.CONFIRMED
    assert CampaignCase.objects.filter(campaign=draft).count() == 3
    assert CaseAssignment.objects.filter(source_id=draft.pk).count() == 3
    assert Notification.objects.filter(kind="campaign_invited").count() == 2
