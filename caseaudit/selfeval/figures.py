"""The figures of a self-evaluation pack, computed once (when the draft is started and on
"refresh figures") into the pack's JSON snapshot: pages, files and the comparison with a later
pack read that, never the audits.

`pack_figures` reuses the reports' selectors over a whole-authority reporting scope narrowed
to the pack's service, so a figure here is the figure the reports show for the same period
and service:
- What we know: `reports.selectors.findings_report` (audits, overall grades by band, themes
  and the auditors' words, urgent findings and how fast they were acknowledged; its good
  practice), a month-by-month count of grades by band (one grouped query), good practice
  shared (`improvement.GoodPractice`), and the family's feedback
  (`reports.selectors.family_voice.family_voice_figures`). An audit's overall scale is its
  final grade: a completed moderation replaces the auditor's with the moderator's.
- How we know: programme compliance and coverage (`reports.selectors.compliance_report`),
  who audits (by role, and whether from outside the case's team: one grouped query),
  moderation and agreement (`moderation.agreement.agreement_report`), QA responses
  (`reports.selectors.responses.responses_overview`) and practitioners' reflections.
- What we are doing: improvement actions (`improvement.ImprovementAction` of published
  findings reports of the scope), follow-up audits and the distance travelled
  (`improvement.selectors`), and thematic audits coming up (`campaigns.Campaign`).

A fixed number of queries whatever the number of cases and audits.
"""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, Q

from caseaudit.campaigns.models import PHASE_LABELS, Campaign, CampaignStatus
from caseaudit.improvement.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    GoodPractice,
    GoodPracticeStatus,
    ImprovementAction,
    ReportStatus,
)
from caseaudit.improvement.selectors import distance_travelled, followups_by_status
from caseaudit.moderation.agreement import agreement_report
from caseaudit.moderation.selectors import grades_changed, moderations_for_report
from caseaudit.organisation.models import ServiceArea
from caseaudit.organisation.roles import Role
from caseaudit.reports.periods import CUSTOM, month_label
from caseaudit.reports.scope import ReportFilters, ReportScope
from caseaudit.reports.selectors import (
    completed_audits,
    compliance_report,
    findings_report,
    month_of,
)
from caseaudit.reports.selectors.family_voice import family_voice_figures
from caseaudit.reports.selectors.responses import responses_overview
from caseaudit.reports.tables import percent
from caseaudit.reports.text import excerpt

FIGURES_VERSION = 1
THEMES_NAMED = 3  # the strongest and the weakest themes named in each part
EXCERPTS_PER_THEME = 2
GOOD_PRACTICE_SHOWN = 6
ACTIONS_SHOWN = 15
CAMPAIGNS_SHOWN = 10


@dataclass(frozen=True)
class WholeAuthority:
    """Who the figures are counted for: the authority itself, every case (the reporting
    scope of an authority-wide reader), whoever asks. Not a person: nothing is logged."""

    is_authenticated: bool = True
    is_superuser: bool = True
    pk: None = None
    _staff_cache: None = None


def authority_scope() -> ReportScope:
    return ReportScope(WholeAuthority(), None, "the whole authority", Q(), Q(), Q(), True, True)


def filters_for(
    *, service: ServiceArea | None, period_start: dt.date, period_end: dt.date
) -> ReportFilters:
    return ReportFilters(start=period_start, end=period_end, period=CUSTOM, service=service)


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _long(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def pack_figures(
    *, scope: ServiceArea | None, period_start: dt.date, period_end: dt.date, today: dt.date
) -> dict[str, Any]:
    """The pack's figures for `scope` (a service, or None: the whole authority) and the period
    (both days included), as at `today`, as JSON-ready data."""
    reading = authority_scope()
    filters = filters_for(service=scope, period_start=period_start, period_end=period_end)
    know = _what_we_know(reading, filters, today)
    how = _how_we_know(reading, filters, today, audits=know["audits"])
    doing = _what_we_are_doing(reading, filters, today, service=scope)
    audits = know["audits"]
    return _json(
        {
            "version": FIGURES_VERSION,
            "computed_on": today.isoformat(),
            "period": {
                "start": period_start.isoformat(),
                "end": period_end.isoformat(),
                "label": filters.label,
            },
            "scope": {
                "service_id": scope.pk if scope else None,
                "label": f"the {scope.name} service" if scope else "the whole authority",
            },
            "source": (
                f"Source: {audits:,} audit{'s' if audits != 1 else ''} completed "
                f"{_long(period_start)} to {_long(period_end)}, figures as at {_long(today)}"
            ),
            "know": know,
            "how": how,
            "doing": doing,
        }
    )


# --- What we know ---------------------------------------------------------------------------


def _what_we_know(scope: ReportScope, filters: ReportFilters, today: dt.date) -> dict[str, Any]:
    findings = findings_report(scope=scope, filters=filters, today=today)
    f = findings.figures
    bands = findings.bands
    scaled = f["scaled"]
    themes: list[dict[str, Any]] = [
        {
            "theme": t.theme,
            "n": t.n,
            "average": t.average,
            "band": t.band.name if t.band else "",
            # Anonymised: the words only (the child's and family's names are already [name]),
            # no case reference.
            "working_well": _words(t.working_well),
            "worries": _words(t.worries),
        }
        for t in findings.themes
        if t.average is not None
    ]
    ranked = sorted(themes, key=lambda t: (-t["average"], t["theme"]))
    voice = family_voice_figures(scope=scope, filters=filters, today=today)
    return {
        "audits": f["audits"],
        "cases": f["cases"],
        "scaled": scaled,
        "average": f["average"],
        "bands": [
            {
                "name": b.name,
                "range": f"{b.min_score}–{b.max_score}",
                "urgent": b.urgent,
                "audits": f[f"band_{b.pk}"],
                "share": percent(f[f"band_{b.pk}"], scaled),
            }
            for b in bands
        ],
        "trend": _band_trend(scope, filters, bands),
        "grades_changed": grades_changed(audits=completed_audits(scope=scope, filters=filters)),
        "themes": ranked,
        **_strongest_and_weakest(ranked),
        "good_practice": _good_practice(scope, filters),
        "family": {key: voice[key] for key in ("sent", "answered", "rate", "average")}
        | {"with_feedback": voice["with_feedback"]},
        "urgent": {
            "raised": f["urgent_raised"],
            "open": f["urgent_open"],
            "within_day": f["urgent_within_day"],
            "median_hours": f["urgent_median_hours"],
            "reminded": f["urgent_reminded"],
            "escalated": f["urgent_to_csm"] + f["urgent_to_ad"],
        },
    }


def _words(excerpts: list) -> list[str]:
    """The first few different texts of a theme's excerpts (words only: no case named)."""
    return list(dict.fromkeys(text for _link, text, _scale in excerpts))[:EXCERPTS_PER_THEME]


def _strongest_and_weakest(ranked: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The best and the worst scaled themes (up to THEMES_NAMED each, never one in both)."""
    k = min(THEMES_NAMED, max(1, len(ranked) // 2))
    strongest = [t["theme"] for t in ranked[:k]]
    weakest = [t["theme"] for t in ranked[::-1][: min(k, len(ranked) - len(strongest))]]
    return {"strongest": strongest, "weakest": weakest}


def _band_trend(scope: ReportScope, filters: ReportFilters, bands: list) -> dict[str, Any]:
    """Audits completed each month of the period, by the band of their overall scale."""
    months = filters.months
    counts = {
        f"band_{b.pk}": Count(
            "pk", filter=Q(overall_scale__gte=b.min_score, overall_scale__lte=b.max_score)
        )
        for b in bands
    }
    rows: dict[Any, dict[str, Any]] = {
        r["month"]: dict(r)
        for r in completed_audits(scope=scope, filters=filters)
        .annotate(month=month_of(field_name="completed_at", months=months))
        .values("month")
        .annotate(**counts)
        .order_by()
    }
    return {
        "months": [m.isoformat() for m in months],
        "labels": [month_label(m) for m in months],
        "series": [
            {
                "band": b.name,
                "values": [rows[m][f"band_{b.pk}"] if m in rows else 0 for m in months],
            }
            for b in bands
        ],
    }


def _good_practice(scope: ReportScope, filters: ReportFilters) -> dict[str, Any]:
    """Good practice the auditors recorded in the period's audits, how much of it was put
    forward to share and shared, and the latest shared items, anonymised (as the good-practice
    library shows them)."""
    recorded = completed_audits(scope=scope, filters=filters).exclude(good_practice="").count()
    items = GoodPractice.objects.filter(filters.when_q("audit__completed_at"))
    if filters.service is not None:
        items = items.filter(team__service_area_id=filters.service.pk)
    counts = items.aggregate(
        put_forward=Count("pk"),
        shared=Count("pk", filter=Q(status=GoodPracticeStatus.SHARED)),
    )
    shared = (
        items.filter(status=GoodPracticeStatus.SHARED)
        .order_by("-decided_at", "-pk")
        .values("title", "text", theme_name=F("theme__name"), name=F("audit__case__display_name"))[
            :GOOD_PRACTICE_SHOWN
        ]
    )
    return counts | {
        "recorded": recorded,
        "items": [
            {
                "title": excerpt(r["title"], display_name=r["name"], length=120),
                "theme": r["theme_name"],
                "text": excerpt(r["text"], display_name=r["name"], length=400),
            }
            for r in shared
        ],
    }


# --- How we know ----------------------------------------------------------------------------


def _how_we_know(
    scope: ReportScope, filters: ReportFilters, today: dt.date, *, audits: int
) -> dict[str, Any]:
    compliance = compliance_report(scope=scope, filters=filters, today=today).figures
    moderation = agreement_report(
        moderations=moderations_for_report(
            case_q=scope.case_q(filters, prefix="audit__case__"),
            start_at=filters.start_at,
            end_before=filters.end_before,
        ),
        by_auditor=False,
    ).figures
    responses = responses_overview(scope=scope, filters=filters, today=today)
    reflected = _reflections(scope, filters)
    return {
        "programme": {
            key: compliance[key]
            for key in ("expected", "done", "completion", "overdue", "other", "teams_behind")
        }
        | {"teams_due": compliance["teams_due"]},
        "coverage": {
            key: compliance[key] for key in ("open", "audited", "not_audited", "coverage")
        },
        "auditors": _who_audits(scope, filters),
        "moderation": {
            "moderated": moderation["moderated"],
            "share": percent(moderation["moderated"], audits),
            "pairs": moderation["pairs"],
            "exact_agreement": moderation["exact_agreement"],
            "within_one": moderation["within_one"],
            "mean_difference": moderation["mean_difference"],
            "alpha": moderation["alpha_ordinal"],
            "grades_changed": moderation["grades_changed"],
            "grades_changed_count": moderation["grades_changed_count"],
        },
        "practitioners": {
            "responses": responses["responses"],
            "on_time": responses["responses_on_time"],
            "overdue": responses["responses_overdue"],
            **reflected,
        },
    }


def _reflections(scope: ReportScope, filters: ReportFilters) -> dict[str, Any]:
    """Collaborative audits: the practitioner invited in, and their reflection written."""
    counts = completed_audits(scope=scope, filters=filters).aggregate(
        audits=Count("pk"),
        invited=Count("pk", filter=Q(collaboration__isnull=False)),
        reflected=Count("pk", filter=Q(collaboration__reflected_at__isnull=False)),
    )
    return {
        "invited": counts["invited"],
        "invited_pct": percent(counts["invited"], counts["audits"]),
        "reflected": counts["reflected"],
        "reflected_pct": percent(counts["reflected"], counts["audits"]),
    }


def _who_audits(scope: ReportScope, filters: ReportFilters) -> dict[str, Any]:
    """The period's audits by their auditor's role, and how many were done by someone from
    outside the case's team (no team of their own, or another team)."""
    outside = Q(auditor__team__isnull=True) | ~Q(auditor__team_id=F("case__team_id"))
    rows = list(
        completed_audits(scope=scope, filters=filters)
        .values(role=F("auditor__role"))
        .annotate(audits=Count("pk"), independent=Count("pk", filter=outside))
        .order_by("-audits", "role")
    )
    total = sum(r["audits"] for r in rows)
    independent = sum(r["independent"] for r in rows)
    labels = dict(Role.choices)
    return {
        "rows": [
            {
                "role": labels.get(r["role"], r["role"] or "Unknown"),
                "audits": r["audits"],
                "share": percent(r["audits"], total),
                "independent": r["independent"],
            }
            for r in rows
        ],
        "total": total,
        "independent": independent,
        "independent_pct": percent(independent, total),
    }


# --- What we are doing ----------------------------------------------------------------------


def _what_we_are_doing(
    scope: ReportScope, filters: ReportFilters, today: dt.date, *, service: ServiceArea | None
) -> dict[str, Any]:
    followups = followups_by_status(scope=scope, filters=filters)
    travelled = distance_travelled(scope=scope, filters=filters)
    return {
        "actions": _actions(filters, today, service=service),
        "followups": {
            "scheduled": followups.get("scheduled", 0),
            "done": followups.get("done", 0),
            "cancelled": followups.get("cancelled", 0),
            "travelled": {
                key: travelled.totals.get(key)
                for key in ("cases", "followups", "first", "then", "change", "improved")
            },
            "by_theme": travelled.by_theme,
        },
        "campaigns": _campaigns(filters, today, service=service),
    }


def _actions(
    filters: ReportFilters, today: dt.date, *, service: ServiceArea | None
) -> dict[str, Any]:
    """The improvement actions of the published findings reports of the scope (a service's:
    its own reports and its teams'): where they stand today, and the open ones soonest due."""
    actions = ImprovementAction.objects.filter(report__status=ReportStatus.PUBLISHED)
    if service is not None:
        actions = actions.filter(report__service_id=service.pk)
    open_q = Q(status__in=OPEN_ACTION_STATUSES)
    counts = actions.aggregate(
        total=Count("pk"),
        not_started=Count("pk", filter=Q(status=ActionStatus.NOT_STARTED)),
        in_progress=Count("pk", filter=Q(status=ActionStatus.IN_PROGRESS)),
        completed=Count("pk", filter=Q(status=ActionStatus.COMPLETED)),
        completed_in_period=Count(
            "pk", filter=Q(status=ActionStatus.COMPLETED) & filters.when_q("completed_at")
        ),
        overdue=Count("pk", filter=open_q & Q(due_on__lt=today)),
    )
    labels = dict(ActionStatus.choices)
    rows = (
        actions.filter(open_q)
        .order_by("due_on", "report_id", "number")
        .values(
            "number",
            "text",
            "status",
            "due_on",
            owner_name=F("owner__name"),
            report_title=F("report__title"),
        )[:ACTIONS_SHOWN]
    )
    return counts | {
        "rows": [
            {
                "report": r["report_title"],
                "number": r["number"],
                "text": excerpt(r["text"], length=200),
                "owner": r["owner_name"],
                "due_on": r["due_on"].isoformat(),
                "status": labels.get(r["status"], r["status"]),
                "overdue": r["due_on"] < today,
            }
            for r in rows
        ]
    }


def _campaigns(
    filters: ReportFilters, today: dt.date, *, service: ServiceArea | None
) -> dict[str, Any]:
    """Thematic audits (campaigns) confirmed or being planned that end today or later, the
    soonest first; and how many ran in the period. A service's: those drawn from it or from
    the whole authority."""
    campaigns = Campaign.objects.exclude(status=CampaignStatus.CLOSED)
    if service is not None:
        campaigns = campaigns.filter(
            Q(scope_service_id=service.pk)
            | Q(scope_team__service_area_id=service.pk)
            | Q(scope_service__isnull=True, scope_team__isnull=True)
        )
    ran = campaigns.filter(
        status=CampaignStatus.CONFIRMED, starts_on__lte=filters.end, ends_on__gte=filters.start
    ).count()
    coming = (
        campaigns.filter(ends_on__gte=today)
        .select_related("tool")
        .order_by("starts_on", "pk")[:CAMPAIGNS_SHOWN]
    )
    return {
        "ran_in_period": ran,
        "coming": [
            {
                "name": c.name,
                "purpose": c.get_purpose_display(),
                "description": excerpt(c.description, length=200),
                "starts_on": c.starts_on.isoformat(),
                "ends_on": c.ends_on.isoformat(),
                "tool": c.tool.name,
                "sample_size": c.sample_size,
                "phase": PHASE_LABELS[c.phase(today)],
            }
            for c in coming
        ],
    }
