"""This app's rows of the access-control matrix (caseaudit/core/access_matrix.py explains the
personas and statuses; caseaudit/core/tests/test_access_matrix.py asks them).

The world has two campaigns of the North service, set up by its CSM (csm_north): `campaign`,
confirmed and running, whose one case (North B's, not the worker's) is the Lead Member's to
audit; and `campaign_draft`, a draft. They are managed by the CSM, an AD, the Director and
Performance Assurance (not by a TM: the scope is the service's, not a team's)."""

from caseaudit.campaigns.models import CampaignCase
from caseaudit.core.access_matrix import GET, POST, E, Entry

from .helpers import make_campaign

CAMPAIGN = {"pk": "@campaign.pk"}
DRAFT = {"pk": "@campaign_draft.pk"}
# The campaign's managers: the service's CSM, Performance Assurance and the Director.
MANAGERS = "404 404 404 200 404 404 404 200 404 200 404 404 302"

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    #                                    own sup team svc col oth out perf adm aud bs  bso lead anon
    E("campaign_list", GET,               "404 200 200 200 404 200 404 200 404 200 404 404 200 302",
      note="who may set one up (TM, CSM, AD, Director, Performance) or be invited (an auditing "
      "role, a Lead Member)"),
    E("campaign_create", GET,             "404 404 200 200 404 200 404 200 404 200 404 404 302",
      note="a TM (their team), a CSM (their service), an AD, the Director, Performance"),
    E("campaign_create", POST,            "404 404 200 200 404 200 404 200 404 200 404 404 302",
      note="posted empty: the form again, with its errors"),
    E("campaign_detail", GET,             "404 404 404 200 404 404 404 200 404 200 404 404 200 302",
      CAMPAIGN, note="its managers (progress) and the Lead Member invited (their case only)"),
    E("campaign_detail", GET,             MANAGERS, DRAFT, variant="draft",
      note="a draft and its sample: its managers only"),
    E("campaign_edit", GET,               MANAGERS, DRAFT),
    E("campaign_edit", POST,              MANAGERS, DRAFT,
      note="posted empty: the form again, with its errors"),
    E("campaign_confirm", POST,           "404 404 404 302 404 404 404 302 404 302 404 404 302",
      DRAFT, note="posted empty: back to the draft with the conflict's message"),
    E("campaign_close", POST,             "404 404 404 302 404 404 404 302 404 302 404 404 404 302",
      CAMPAIGN, note="its managers, not the Lead Member (posted empty: back with the error)"),
    E("campaign_report", GET,             "404 404 404 200 404 404 404 200 404 200 404 404 404 302",
      CAMPAIGN, note="its managers: a Lead Member sees no report"),
    E("campaign_case_start", POST,        "404 404 404 404 404 404 404 404 404 404 404 404 302 302",
      {"pk": "@campaign_case.pk"}, note="the auditor given the case (the Lead Member) only"),
    E("api:campaign_list", GET,           "200 200 200 200 200 200 200 200 200 200 200 200 200 401",
      note="the campaigns each manages or is invited to (empty for most)"),
    E("api:campaign_detail", GET,         "404 404 404 200 404 404 404 200 404 200 404 404 200 401",
      {"campaign_id": "@campaign.pk"}),
)
# fmt: on


def add_to_world(world) -> None:
    """Add this app's records to the matrix's world (the `org` fixture's people and records,
    built once per test module), as attributes the entries' "@" paths name."""
    world.campaign = make_campaign(
        by=world.csm_north,
        auditors=[world.lead_member],
        team_ids=[world.north_b.pk],
        sample_size=1,
        purpose="assurance_day",
        name="Safeguarding Assurance Day",
        confirm=True,
    )
    world.campaign_case = CampaignCase.objects.get(campaign=world.campaign)
    assert world.campaign_case.case_id != world.case.pk
    world.campaign_draft = make_campaign(
        by=world.csm_north, auditors=[world.director], name="Draft themes"
    )
