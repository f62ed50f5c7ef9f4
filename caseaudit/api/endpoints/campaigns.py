"""/api/v1/ operations of caseaudit.campaigns: the campaigns you manage or are invited to,
and one campaign with its cases (all of them for its managers, your own for an auditor),
through the campaigns app's scoped selectors, as the pages use them."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Path, Router, Schema
from ninja.pagination import paginate

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.campaigns import selectors
from caseaudit.campaigns.models import Campaign
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.organisation.selectors import staff_for_user

from ..api import LIST_ERRORS, READ_ERRORS, ApiPagination
from ..schemas import MAX_ID, CaseRef, StaffRef

router = Router(tags=["campaigns"])
CampaignId = Path(..., ge=1, le=MAX_ID)


class CampaignOut(Schema):
    id: int
    name: str
    purpose: str = Field(description='"themes", "staff", "learning" or "assurance_day".')
    purpose_label: str
    phase: str = Field(
        description='"draft", "upcoming", "running", "ended" or "closed" (closed early).'
    )
    starts_on: dt.date
    ends_on: dt.date
    tool: str = Field(description="The audit tool's code.")
    sample_size: int

    # A campaign model (the list) or the detail's dict: each field read from either.
    @staticmethod
    def resolve_purpose_label(obj: Any) -> str:
        return obj["purpose_label"] if isinstance(obj, dict) else obj.get_purpose_display()

    @staticmethod
    def resolve_phase(obj: Any) -> str:
        return obj["phase"] if isinstance(obj, dict) else obj.phase()

    @staticmethod
    def resolve_tool(obj: Any) -> str:
        return obj["tool"] if isinstance(obj, dict) else obj.tool.code


class CampaignCaseOut(Schema):
    position: int = Field(description="Its place in the draw.")
    case: CaseRef
    auditor: StaffRef
    reason: str = Field(description="Why the case was chosen, and given to this auditor.")
    audit: int | None = Field(description="The campaign's audit of the case, once started.")
    audit_status: str = Field(description='"not_started", "draft" or "completed".')


class CampaignDetailOut(CampaignOut):
    manages: bool = Field(description="Whether you manage it (else you are invited to it).")
    criteria: list[str] = Field(description="Its criteria, in words (managers only).")
    sample_explanation: str = Field(description="How the sample was drawn (managers only).")
    cases: list[CampaignCaseOut] = Field(
        description="Its cases once confirmed: all of them for its managers, your own for an "
        "auditor."
    )
    started: int
    completed: int


def _campaign(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "purpose": campaign.purpose,
        "purpose_label": campaign.get_purpose_display(),
        "phase": campaign.phase(),
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "tool": campaign.tool.code,
        "sample_size": campaign.sample_size,
    }


@router.get(
    "/campaigns", response={200: list[CampaignOut], **LIST_ERRORS}, summary="List campaigns"
)
@paginate(ApiPagination)
def campaign_list(request: AuthenticatedHttpRequest) -> QuerySet[Campaign]:
    """The campaigns you manage (a TM their team's, a CSM their service's, an AD, the
    Director and Performance Assurance every one) or are invited to (a Lead Member: only
    while it runs), newest first. No case is named here."""
    return selectors.campaign_list(user=request.user)


@router.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignDetailOut, **READ_ERRORS},
    summary="A campaign",
)
def campaign_detail(
    request: AuthenticatedHttpRequest, campaign_id: int = CampaignId
) -> dict[str, Any]:
    """A campaign you manage or are invited to (404 otherwise), with its cases and each one's
    audit: all of them for its managers, your own for an invited auditor."""
    access = selectors.campaign_get(user=request.user, pk=campaign_id)
    campaign = access.campaign
    access_record(
        request=request, object_type=AccessObjectType.CASE_LIST, object_id=f"campaign-{campaign.pk}"
    )
    cases: list[dict[str, Any]] = []
    started = completed = 0
    if not campaign.is_draft and (access.manages or access.invited):
        auditor = None if access.manages else staff_for_user(request.user)
        progress = selectors.campaign_progress(campaign=campaign, auditor=auditor)
        started, completed = progress.started, progress.completed
        for row in progress.rows:
            status = "not_started" if row.audit is None else row.audit.status
            cases.append(
                {
                    "position": row.item.position,
                    "case": {"id": row.item.case_id, "reference": row.item.case.reference},
                    "auditor": {
                        "id": row.item.auditor_id,
                        "staff_id": row.item.auditor.staff_id,
                        "name": row.item.auditor.name,
                    },
                    "reason": row.item.reason,
                    "audit": row.audit.pk if row.audit else None,
                    "audit_status": status,
                }
            )
    return {
        **_campaign(campaign),
        "manages": access.manages,
        "criteria": selectors.campaign_criteria_words(campaign=campaign) if access.manages else [],
        "sample_explanation": campaign.sample_explanation if access.manages else "",
        "cases": cases,
        "started": started,
        "completed": completed,
    }
