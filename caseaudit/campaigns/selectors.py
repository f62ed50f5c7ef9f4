"""Reads of campaigns, always scoped to the user (policy.py says who sees what)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand, Tool, VersionStatus
from caseaudit.audit_tools.selectors import band_for, scaling_bands
from caseaudit.audits.models import (
    Audit,
    AuditStatus,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.audits.start_rules import TOOL_REASON
from caseaudit.cases.models import Case, CaseType
from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff, Team
from caseaudit.organisation.roles import CAMPAIGN_AUDITOR_ROLES
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.reports.selectors.findings import band_of_average

from . import policy
from .models import Campaign, CampaignAuditor, CampaignCase, CampaignEvent, CampaignStatus
from .sample import AuditorRow, Band, CaseRow, Criteria, Sample, criteria_words, draw

NOTHING = Q(pk__in=[])
CASE_TYPE_LABELS = {value: str(label) for value, label in CaseType.choices}


# --- Which campaigns a person sees --------------------------------------------------------


def _invited_q(staff: Staff) -> Q:
    """The confirmed campaigns `staff` is invited to; a Lead Member's only while they run."""
    q = Q(
        pk__in=CampaignAuditor.objects.filter(staff=staff).values("campaign_id"),
        status__in=(CampaignStatus.CONFIRMED, CampaignStatus.CLOSED),
    )
    if policy.sees_only_while_running(staff):
        today = timezone.localdate()
        q &= Q(status=CampaignStatus.CONFIRMED, starts_on__lte=today, ends_on__gte=today)
    return q


def campaign_list(*, user: Actor) -> QuerySet[Campaign]:
    """The campaigns the user manages or is invited to (newest first)."""
    staff = staff_for_user(user)
    if staff is None:
        return Campaign.objects.none()
    return (
        Campaign.objects.filter(policy.campaign_managed_q(staff) | _invited_q(staff))
        .select_related("tool", "scope_team", "scope_service", "created_by")
        .annotate(case_count=Count("cases"))
        .order_by("-starts_on", "-id")
    )


def has_campaigns(*, user: Actor) -> bool:
    """Whether the user may set up a campaign or sees one they are invited to (the header's
    link, the list page)."""
    staff = staff_for_user(user)
    if staff is None:
        return False
    if policy.creator_scope(staff) is not None:
        return True
    return Campaign.objects.filter(_invited_q(staff)).exists()


@dataclass
class CampaignAccess:
    campaign: Campaign
    manages: bool  # may change, confirm, close and read the report
    invited: bool  # has cases to audit in it


def campaign_get(*, user: Actor, pk: int) -> CampaignAccess:
    """The campaign, if the user manages it or is invited to it; otherwise 404."""
    staff = staff_for_user(user)
    if staff is None:
        raise Http404("No such campaign")
    managed = policy.campaign_managed_q(staff)
    campaign = (
        Campaign.objects.select_related(
            "tool", "scope_team", "scope_service", "created_by", "worker"
        )
        .annotate(
            managed=managed,
            invited=_invited_q(staff),
        )
        .filter(Q(managed) | _invited_q(staff), pk=pk)
        .first()
    )
    if campaign is None:
        raise Http404("No such campaign")
    return CampaignAccess(
        campaign=campaign,
        manages=bool(campaign.managed),
        invited=bool(campaign.invited),
    )


def campaign_case_get(*, user: Actor, pk: int) -> CampaignCase:
    """One of the user's own campaign cases in a running campaign (to start its audit)."""
    staff = staff_for_user(user)
    if staff is None:
        raise Http404("No such case")
    today = timezone.localdate()
    item = (
        CampaignCase.objects.select_related(
            "campaign", "campaign__tool", "case", "case__team", "auditor", "assignment"
        )
        .filter(
            pk=pk,
            auditor=staff,
            campaign__status=CampaignStatus.CONFIRMED,
            campaign__starts_on__lte=today,
            campaign__ends_on__gte=today,
        )
        .first()
    )
    if item is None:
        raise Http404("No such case")
    return item


# --- Choices for the form ------------------------------------------------------------------


def campaign_tools() -> QuerySet[Tool]:
    """The tools a campaign may use: published, and not kept for one reason of their own
    (the Closure Record, Carers, IRO and CP Chair tools: a campaign's audits are thematic)."""
    published = Tool.objects.filter(versions__status=VersionStatus.PUBLISHED)
    return (
        Tool.objects.filter(pk__in=published.values("pk"))
        .exclude(code__in=list(TOOL_REASON))
        .order_by("name")
    )


def scope_cases(*, scope: policy.Scope) -> QuerySet[Case]:
    """The open cases of a campaign's scope."""
    qs = Case.objects.filter(closed_on__isnull=True)
    if scope.team is not None:
        qs = qs.filter(team=scope.team)
    elif scope.service is not None:
        qs = qs.filter(team__service_area=scope.service)
    return qs


def scope_teams(*, scope: policy.Scope) -> QuerySet[Team]:
    qs = Team.objects.select_related("service_area")
    if scope.team is not None:
        return qs.filter(pk=scope.team.pk)
    if scope.service is not None:
        return qs.filter(service_area=scope.service)
    return qs.order_by("service_area__name", "name")


def scope_workers(*, scope: policy.Scope) -> QuerySet[Staff]:
    """Who holds open cases in the scope (the "held by" criterion)."""
    return Staff.objects.filter(
        pk__in=scope_cases(scope=scope).values("allocated_worker_id"), left_on__isnull=True
    ).order_by("name")


def invitable_staff() -> QuerySet[Staff]:
    """Who may be invited: current staff in a campaign auditing role (docs/campaigns.md)."""
    return Staff.objects.filter(role__in=CAMPAIGN_AUDITOR_ROLES, left_on__isnull=True).order_by(
        "name", "pk"
    )


def scope_of(campaign: Campaign) -> policy.Scope:
    return policy.Scope(team=campaign.scope_team, service=campaign.scope_service)


# --- The sample ----------------------------------------------------------------------------


def _bands() -> list[Band]:
    return [Band(b.code, b.name, b.min_score, b.max_score) for b in scaling_bands()]


def criteria_of(campaign: Campaign) -> Criteria:
    return Criteria(
        team_ids=frozenset(campaign.team_ids or ()),
        case_types=frozenset(campaign.case_types or ()),
        worker_id=campaign.worker_id,
        age_min=campaign.age_min,
        age_max=campaign.age_max,
        open_months_min=campaign.open_months_min,
        open_months_max=campaign.open_months_max,
        last_scale_bands=frozenset(campaign.last_scale_bands or ()),
    )


def _pool_rows(campaign: Campaign) -> list[CaseRow]:
    """The open cases of the campaign's scope its tool applies to, as plain rows with their
    last completed audit's overall scale (one query)."""
    last = Audit.objects.filter(
        case_id=OuterRef("pk"), status=AuditStatus.COMPLETED, overall_scale__isnull=False
    ).order_by("-completed_at", "-pk")
    qs = (
        scope_cases(scope=scope_of(campaign))
        .filter(case_type__in=list(campaign.tool.applies_to or []))
        .annotate(
            last_scale=Subquery(last.values("overall_scale")[:1]),
            last_scaled_at=Subquery(last.values("completed_at")[:1]),
        )
        .values_list(
            "pk",
            "reference",
            "team_id",
            "team__name",
            "case_type",
            "date_of_birth",
            "opened_on",
            "allocated_worker_id",
            "allocated_worker__name",
            "allocated_worker__line_manager_id",
            "last_scale",
            "last_scaled_at",
        )
        .order_by("pk")
    )
    rows = []
    for pk, ref, team_id, team, ctype, dob, opened, worker, wname, sup, scale, at in qs:
        rows.append(
            CaseRow(
                id=pk,
                reference=ref,
                team_id=team_id,
                team_name=team,
                case_type=ctype,
                case_type_label=CASE_TYPE_LABELS.get(ctype, ctype),
                date_of_birth=dob,
                opened_on=opened,
                worker_id=worker,
                worker_name=wname or "",
                supervisor_id=sup,
                last_scale=scale,
                last_scaled_on=timezone.localdate(at) if at is not None else None,
            )
        )
    return rows


def campaign_sample(*, campaign: Campaign, today: dt.date | None = None) -> Sample:
    """The sample the campaign's criteria and seed draw today, from the data as it is now
    (the preview; confirming draws it again and compares)."""
    auditors = [
        AuditorRow(staff.pk, staff.name)
        for staff in Staff.objects.filter(
            pk__in=campaign.invitations.values("staff_id"), left_on__isnull=True
        )
    ]
    return draw(
        cases=_pool_rows(campaign),
        criteria=criteria_of(campaign),
        auditors=auditors,
        size=campaign.sample_size,
        seed=campaign.seed,
        today=today or timezone.localdate(),
        bands=_bands(),
    )


def campaign_criteria_words(*, campaign: Campaign) -> list[str]:
    team_names = dict(Team.objects.filter(pk__in=campaign.team_ids or []).values_list("pk", "name"))
    return criteria_words(
        criteria_of(campaign),
        team_names=team_names,
        case_type_labels=CASE_TYPE_LABELS,
        worker_name=campaign.worker.name if campaign.worker is not None else None,
        bands=_bands(),
    )


def sample_explanation(*, campaign: Campaign, sample: Sample) -> str:
    scope = scope_of(campaign)
    words = (
        f"Drawn from {sample.pool} open case{'s' if sample.pool != 1 else ''} "
        f"{scope.where} that the {campaign.tool.name} applies to and that match: "
        + "; ".join(campaign_criteria_words(campaign=campaign))
        + f". Ordered at random with seed {campaign.seed} (the same cases and seed give the "
        f"same order), and the first {len(sample.picks)} taken"
    )
    if sample.passed_over:
        words += (
            f", passing over {len(sample.passed_over)} held or supervised by every invited auditor"
        )
    return words + "."


# --- Progress and the campaign's audits ----------------------------------------------------


def campaign_audits(*, campaign: Campaign) -> QuerySet[Audit]:
    """The campaign's audits: each by the auditor a case was given to, of that case, with the
    campaign's tool, started once the campaign was confirmed and before its assignment ended;
    discarded drafts left out."""
    if campaign.confirmed_at is None:
        return Audit.objects.none()
    mine = CampaignCase.objects.filter(
        campaign=campaign,
        case_id=OuterRef("case_id"),
        auditor_id=OuterRef("auditor_id"),
        assignment__ends_at__gt=OuterRef("started_at"),
    )
    return (
        Audit.objects.filter(
            Exists(mine),
            tool_version__tool_id=campaign.tool_id,
            started_at__gte=campaign.confirmed_at,
        )
        .exclude(status=AuditStatus.DISCARDED)
        .order_by("started_at", "pk")
    )


@dataclass
class ProgressRow:
    item: CampaignCase
    audit: Audit | None

    @property
    def state(self) -> str:
        if self.audit is None:
            return "Not started"
        return "Completed" if self.audit.status == AuditStatus.COMPLETED else "Started"


@dataclass
class Progress:
    rows: list[ProgressRow]
    auditors: list[dict[str, Any]]
    cases: int
    started: int
    completed: int


def campaign_progress(*, campaign: Campaign, auditor: Staff | None = None) -> Progress:
    """The campaign's cases with each one's audit (not started, started, completed) and a
    count per auditor; `auditor` narrows it to that person's own cases. Three queries."""
    items = list(
        CampaignCase.objects.filter(campaign=campaign)
        .filter(Q(auditor=auditor) if auditor is not None else Q())
        .select_related("case", "case__team", "auditor", "assignment")
        .order_by("position")
    )
    audits: dict[tuple[int, int], Audit] = {}
    for audit in campaign_audits(campaign=campaign).only(
        "pk", "case_id", "auditor_id", "status", "started_at", "completed_at", "overall_scale"
    ):
        key = (audit.case_id, audit.auditor_id)
        # A completed audit counts before a draft of the same case by the same auditor.
        kept = audits.get(key)
        if kept is None or (
            kept.status != AuditStatus.COMPLETED and audit.status == AuditStatus.COMPLETED
        ):
            audits[key] = audit
    rows = [ProgressRow(item, audits.get((item.case_id, item.auditor_id))) for item in items]
    by_auditor: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = by_auditor.setdefault(
            row.item.auditor_id,
            {"staff": row.item.auditor, "cases": 0, "started": 0, "completed": 0},
        )
        entry["cases"] += 1
        if row.audit is not None:
            entry["started"] += 1
            if row.audit.status == AuditStatus.COMPLETED:
                entry["completed"] += 1
    started = sum(1 for r in rows if r.audit is not None)
    completed = sum(1 for r in rows if r.audit and r.audit.status == AuditStatus.COMPLETED)
    return Progress(
        rows=rows,
        auditors=sorted(by_auditor.values(), key=lambda e: (e["staff"].name, e["staff"].pk)),
        cases=len(rows),
        started=started,
        completed=completed,
    )


def campaign_events(*, campaign: Campaign) -> list[CampaignEvent]:
    """The campaign's history, oldest first (its managers' page)."""
    return list(campaign.events.select_related("by__staff").order_by("at", "id"))


def campaign_invitations(*, campaign: Campaign) -> list[CampaignAuditor]:
    return list(campaign.invitations.select_related("staff", "staff__team").order_by("staff__name"))


# --- The campaign's report -----------------------------------------------------------------


@dataclass
class ThemeRow:
    theme: str
    n: int
    average: float | None
    band: ScalingBand | None
    working_well: int
    worried_about: int


@dataclass
class CampaignReport:
    figures: dict[str, Any]
    bands: list[tuple[ScalingBand, int]]
    themes: list[ThemeRow] = field(default_factory=list)


def _one_decimal(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def campaign_report(*, campaign: Campaign) -> CampaignReport:
    """The quality and findings figures of the campaign's completed audits only: how many,
    the average overall scale and its band, the overall scales by band, each theme's average
    section scale and band (with how many sections say what is working well and what worries
    the auditor), urgent findings raised and still open, and restorative actions set.
    Five queries, whatever the number of audits."""
    bands = scaling_bands()
    completed = campaign_audits(campaign=campaign).filter(status=AuditStatus.COMPLETED)
    band_counts = {
        f"band_{band.pk}": Count(
            "pk", filter=Q(overall_scale__gte=band.min_score, overall_scale__lte=band.max_score)
        )
        for band in bands
    }
    overview = completed.aggregate(
        audits=Count("pk"),
        cases=Count("case_id", distinct=True),
        average=Avg("overall_scale"),
        **band_counts,
    )
    ids = completed.values("pk")
    theme_rows = (
        SectionAnswer.objects.filter(audit_id__in=ids, section__scaled=True)
        .values(theme=F("section__theme__name"), order=F("section__theme__order"))
        .annotate(
            n=Count("pk", filter=Q(scale__isnull=False)),
            avg=Avg("scale"),
            working_well=Count("pk", filter=~Q(working_well="")),
            worried_about=Count("pk", filter=~Q(worried_about="")),
        )
        .order_by("order", "theme")
    )
    findings = UrgentFinding.objects.filter(audit_id__in=ids, withdrawn_at__isnull=True).aggregate(
        raised=Count("pk"),
        still_open=Count("pk", filter=Q(acknowledged_at__isnull=True)),
    )
    actions = RestorativeAction.objects.filter(audit_id__in=ids).count()
    average = _one_decimal(overview["average"])
    overall_band = band_of_average(average=overview["average"], bands=bands)
    return CampaignReport(
        figures={
            "audits": overview["audits"],
            "cases": overview["cases"],
            "average": average,
            "band": overall_band,
            "urgent_raised": findings["raised"],
            "urgent_open": findings["still_open"],
            "actions": actions,
        },
        bands=[(band, overview[f"band_{band.pk}"]) for band in bands],
        themes=[
            ThemeRow(
                theme=row["theme"],
                n=row["n"],
                average=_one_decimal(row["avg"]),
                band=band_for(score=int(row["avg"] + 0.5), bands=bands)
                if row["avg"] is not None
                else None,
                working_well=row["working_well"],
                worried_about=row["worried_about"],
            )
            for row in theme_rows
        ],
    )


def campaign_cases_visible(*, user: Actor, campaign: Campaign) -> QuerySet[Case]:
    """The campaign's cases the user may see (the case scope): what the pages link to."""
    return case_visible_qs(user).filter(
        pk__in=CampaignCase.objects.filter(campaign=campaign).values("case_id")
    )
