"""Writes of campaigns: set one up, change its draft, confirm it (the sample is fixed, its
cases assigned and the auditors told), close it early, and start one of its audits. Each in
one transaction, recorded in the campaign's history (`CampaignEvent`)."""

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.selectors import scaling_bands
from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit, AuditReason
from caseaudit.cases.models import AssignmentSource, CaseAssignment, CaseType
from caseaudit.core.exceptions import TransitionConflict, not_allowed
from caseaudit.core.typing import User
from caseaudit.notifications.models import NotificationKind
from caseaudit.notifications.services import notify
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from . import policy, selectors
from .models import (
    Campaign,
    CampaignAuditor,
    CampaignCase,
    CampaignEvent,
    CampaignEventKind,
    CampaignStatus,
    Purpose,
)
from .sample import NEVER

SAMPLE_SIZE_MAX = 200
SEED_MAX = 999_999
# The campaign's own fields a draft's form sets (auditors apart).
FIELDS = (
    "name",
    "purpose",
    "description",
    "starts_on",
    "ends_on",
    "tool",
    "team_ids",
    "case_types",
    "worker",
    "age_min",
    "age_max",
    "open_months_min",
    "open_months_max",
    "last_scale_bands",
    "sample_size",
    "seed",
)


def _clean(
    *, scope: policy.Scope, data: dict[str, Any], auditors: list[Staff], today: dt.date
) -> dict[str, Any]:
    """The draft's fields, checked against the rules (ValidationError by field)."""
    errors: dict[str, str] = {}
    values = {name: data.get(name) for name in FIELDS}
    if not (values["name"] or "").strip():
        errors["name"] = "Enter the campaign's name"
    values["name"] = (values["name"] or "").strip()
    values["description"] = (values["description"] or "").strip()
    if values["purpose"] not in Purpose.values:
        errors["purpose"] = "Choose the campaign's purpose"
    starts, ends = values["starts_on"], values["ends_on"]
    if not isinstance(starts, dt.date):
        errors["starts_on"] = "Enter the day the campaign starts"
    if not isinstance(ends, dt.date):
        errors["ends_on"] = "Enter the day the campaign ends"
    elif ends < today:
        errors["ends_on"] = "The campaign must end today or later"
    elif isinstance(starts, dt.date) and ends < starts:
        errors["ends_on"] = "The campaign must end on or after the day it starts"
    tool = values["tool"]
    if tool is None or not selectors.campaign_tools().filter(pk=tool.pk).exists():
        errors["tool"] = "Choose a published tool a campaign may use"
    team_ids = sorted({int(t) for t in values["team_ids"] or []})
    if team_ids:
        allowed = set(selectors.scope_teams(scope=scope).values_list("pk", flat=True))
        if not set(team_ids) <= allowed:
            errors["team_ids"] = f"Choose teams within {scope.label}"
    values["team_ids"] = team_ids
    case_types = sorted(set(values["case_types"] or []))
    if not set(case_types) <= set(CaseType.values):
        errors["case_types"] = "Choose case types from the list"
    values["case_types"] = case_types
    worker = values["worker"]
    if (
        worker is not None
        and not selectors.scope_workers(scope=scope).filter(pk=worker.pk).exists()
    ):
        errors["worker"] = f"Choose someone who holds cases within {scope.label}"
    for low, high, label in (
        ("age_min", "age_max", "age"),
        ("open_months_min", "open_months_max", "time open"),
    ):
        lowest, highest = values[low], values[high]
        if isinstance(lowest, int) and isinstance(highest, int) and lowest > highest:
            errors[high] = f"The highest {label} must not be below the lowest"
    bands = sorted(set(values["last_scale_bands"] or []))
    known = {band.code for band in scaling_bands()} | {NEVER}
    if not set(bands) <= known:
        errors["last_scale_bands"] = "Choose bands from the list"
    values["last_scale_bands"] = bands
    size = values["sample_size"]
    if not isinstance(size, int) or not 1 <= size <= SAMPLE_SIZE_MAX:
        errors["sample_size"] = f"Enter how many cases, from 1 to {SAMPLE_SIZE_MAX}"
    seed = values["seed"]
    if seed is None:
        values["seed"] = secrets.randbelow(SEED_MAX) + 1
    elif not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        errors["seed"] = f"Enter a seed from 0 to {SEED_MAX}, or leave it empty"
    if not auditors:
        errors["auditors"] = "Invite at least one auditor"
    elif not all(policy.may_be_invited(staff) for staff in auditors):
        errors["auditors"] = "Invite only current staff who audit, or Lead Members"
    if errors:
        raise ValidationError(errors)
    return values


def _event(campaign: Campaign, by: User, kind: str, **detail: Any) -> None:
    CampaignEvent.objects.create(campaign=campaign, by=by, kind=kind, detail=detail)


def _set_auditors(campaign: Campaign, auditors: list[Staff]) -> None:
    wanted = {staff.pk for staff in auditors}
    campaign.invitations.exclude(staff_id__in=wanted).delete()
    have = set(campaign.invitations.values_list("staff_id", flat=True))
    CampaignAuditor.objects.bulk_create(
        CampaignAuditor(campaign=campaign, staff_id=pk) for pk in sorted(wanted - have)
    )


def campaign_create(*, by: User, data: dict[str, Any], auditors: list[Staff]) -> Campaign:
    """Set up a draft campaign within the creator's scope (policy.creator_scope)."""
    staff = staff_for_user(by)
    scope = policy.creator_scope(staff)
    if staff is None or scope is None:
        raise not_allowed("Your role does not set up campaigns.")
    with transaction.atomic():
        values = _clean(scope=scope, data=data, auditors=auditors, today=timezone.localdate())
        campaign = Campaign.objects.create(
            **values,
            scope_team=scope.team,
            scope_service=scope.service,
            created_by=staff,
        )
        _set_auditors(campaign, auditors)
        _event(campaign, by, CampaignEventKind.CREATED, auditors=sorted(a.pk for a in auditors))
        return campaign


def _require_manager(by: User, campaign: Campaign) -> None:
    if not policy.can_manage(staff_for_user(by), campaign):
        raise not_allowed("Only the campaign's managers can do this.")


def campaign_update(
    *, campaign: Campaign, by: User, revision: int, data: dict[str, Any], auditors: list[Staff]
) -> Campaign:
    """Change a draft: a compare-and-set on its status and the revision the form read."""
    _require_manager(by, campaign)
    with transaction.atomic():
        scope = selectors.scope_of(campaign)
        values = _clean(scope=scope, data=data, auditors=auditors, today=timezone.localdate())
        updated = Campaign.objects.filter(
            pk=campaign.pk, status=CampaignStatus.DRAFT, revision=revision
        ).update(**values, revision=F("revision") + 1)
        if updated != 1:
            raise TransitionConflict(
                "Someone changed or confirmed this campaign while you were editing it: look at "
                "it again before you change it."
            )
        campaign.refresh_from_db()
        _set_auditors(campaign, auditors)
        _event(
            campaign,
            by,
            CampaignEventKind.CHANGED,
            fields=list(FIELDS),
            auditors=sorted(a.pk for a in auditors),
        )
        return campaign


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _assign_cases(campaign: Campaign, sample: selectors.Sample) -> dict[int, int]:
    """Each picked case fixed to its auditor for the campaign's dates (the case scope's
    `CaseAssignment`); returns how many cases each auditor (by staff id) is given."""
    starts_at = _midnight(campaign.starts_on)
    ends_at = _midnight(campaign.ends_on + dt.timedelta(days=1))
    counts: dict[int, int] = {}
    for pick in sample.picks:
        assignment = CaseAssignment.objects.create(
            case_id=pick.case.id,
            staff_id=pick.auditor.id,
            source=AssignmentSource.CAMPAIGN,
            source_id=campaign.pk,
            tool_code=campaign.tool.code,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        CampaignCase.objects.create(
            campaign=campaign,
            case_id=pick.case.id,
            auditor_id=pick.auditor.id,
            position=pick.position,
            reason=pick.reason,
            assignment=assignment,
        )
        counts[pick.auditor.id] = counts.get(pick.auditor.id, 0) + 1
    return counts


def _invite_auditors(campaign: Campaign, counts: dict[int, int]) -> None:
    """Tell each auditor how many cases they are asked to audit (once each: idempotent)."""
    url = reverse("campaign_detail", args=[campaign.pk])
    for staff in Staff.objects.filter(pk__in=counts).select_related("user"):
        n = counts[staff.pk]
        notify(
            recipient=staff,
            kind=NotificationKind.CAMPAIGN_INVITED,
            subject=f"You are asked to audit {n} case{'s' if n != 1 else ''}: {campaign.name}",
            body=(
                f"{campaign.name} ({campaign.get_purpose_display()}) runs from "
                f"{_day(campaign.starts_on)} to {_day(campaign.ends_on)}. You are asked "
                f"to audit {n} case{'s' if n != 1 else ''} with the {campaign.tool.name}: "
                "open the campaign to see them and start each audit."
            ),
            url=url,
            idempotency_key=f"campaign_invited:{campaign.pk}:{staff.pk}",
        )


def campaign_confirm(*, campaign: Campaign, by: User, revision: int, fingerprint: str) -> Campaign:
    """Confirm the draft as previewed: the sample is drawn again and must be the one the
    preview showed (`fingerprint`), and the draft still at `revision` (compare-and-set). Its
    cases are then fixed, each assigned to its auditor for the campaign's dates (the case
    scope's `CaseAssignment`), and each auditor is told."""
    _require_manager(by, campaign)
    today = timezone.localdate()
    with transaction.atomic():
        locked = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("tool", "scope_team", "scope_service", "worker")
            .get(pk=campaign.pk)
        )
        if locked.status != CampaignStatus.DRAFT or locked.revision != revision:
            raise TransitionConflict(
                "This campaign was changed or confirmed since you looked at it: look at it again."
            )
        if locked.ends_on < today:
            raise ValidationError({"ends_on": "The campaign's end has passed: change its dates."})
        sample = selectors.campaign_sample(campaign=locked, today=today)
        if sample.fingerprint != fingerprint:
            raise TransitionConflict(
                "The cases that match the criteria have changed since your preview: look at "
                "the sample again, then confirm it."
            )
        if not sample.picks:
            raise ValidationError("No case matches the criteria: change them, then confirm.")
        now = timezone.now()
        explanation = selectors.sample_explanation(campaign=locked, sample=sample)
        updated = Campaign.objects.filter(
            pk=locked.pk, status=CampaignStatus.DRAFT, revision=revision
        ).update(
            status=CampaignStatus.CONFIRMED,
            confirmed_by=by,
            confirmed_at=now,
            sample_explanation=explanation,
            revision=F("revision") + 1,
        )
        if updated != 1:  # pragma: no cover - the row is locked (PostgreSQL) or written once
            raise TransitionConflict("This campaign was confirmed a moment ago.")
        locked.refresh_from_db()
        counts = _assign_cases(locked, sample)
        _event(
            locked,
            by,
            CampaignEventKind.CONFIRMED,
            cases=sample.case_ids,
            seed=locked.seed,
            fingerprint=fingerprint,
        )
        _invite_auditors(locked, counts)
        return locked


def campaign_close(*, campaign: Campaign, by: User, reason: str) -> Campaign:
    """Close a confirmed campaign before its end: its cases leave the auditors' case scope
    now (a Lead Member's at once). A compare-and-set on its confirmed status."""
    _require_manager(by, campaign)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the campaign is closed early"})
    with transaction.atomic():
        now = timezone.now()
        updated = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.CONFIRMED).update(
            status=CampaignStatus.CLOSED,
            closed_by=by,
            closed_at=now,
            closed_reason=reason,
            revision=F("revision") + 1,
        )
        if updated != 1:
            raise TransitionConflict("This campaign is not running: it may be closed already.")
        assignments = CaseAssignment.objects.filter(
            source=AssignmentSource.CAMPAIGN, source_id=campaign.pk, ends_at__gt=now
        )
        assignments.filter(starts_at__gt=now).update(starts_at=now)
        assignments.update(ends_at=now)
        campaign.refresh_from_db()
        _event(campaign, by, CampaignEventKind.CLOSED, reason=reason)
        return campaign


def campaign_audit_start(*, item: CampaignCase, by: User) -> Audit:
    """The invited auditor starts their audit of one of the campaign's cases, with its tool,
    as a thematic audit (audits.services.audit_start checks who may audit it). A draft they
    already have with that tool is the one to continue (ValidationError code
    "draft_exists", as audit_start)."""
    staff = staff_for_user(by)
    if staff is None or staff.pk != item.auditor_id:
        raise not_allowed("Only the auditor this case was given to can start its audit.")
    campaign = item.campaign
    if not campaign.is_live:
        raise ValidationError("The campaign is not running, so its audits cannot be started.")
    with transaction.atomic():
        audit = audit_services.audit_start(
            case=item.case,
            auditor=staff,
            tool_code=campaign.tool.code,
            reason=AuditReason.THEMATIC,
        )
        _event(campaign, by, CampaignEventKind.AUDIT_STARTED, case=item.case_id, audit=audit.pk)
        return audit
