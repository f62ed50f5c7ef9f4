"""Improvement in the demo county: a findings report of last quarter written by Performance
Assurance's demo login, reviewed by the Director and published through the improvement app's
own services (its figures frozen, its four recommendations tracked improvement actions: one
done with its evidence, one in progress, one overdue); the follow-up audits the history's
audits in the lowest band call for (done where a later audit of the case followed); and good
practice from the history put forward, most of it shared in the library.

Deterministic from the seed; skipped when any findings report exists.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from caseaudit.audit_tools.models import Theme
from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.improvement import services
from caseaudit.improvement.models import (
    ActionStatus,
    FindingsReport,
    GoodPractice,
    GoodPracticeStatus,
    ScopeKind,
)
from caseaudit.organisation.models import Role, Staff
from caseaudit.programme.due import add_months
from caseaudit.programme.followups import followup_months, lowest_band
from caseaudit.programme.models import FollowUp, FollowUpStatus
from caseaudit.reports.periods import LAST_QUARTER, period_range

from .authority import demo_email

GOOD_PRACTICE_ITEMS = 8
OVERVIEW = (
    "Audits completed last quarter show practice that is mostly good or requires improvement, "
    "with strong direct work with children and thoughtful risk analysis in many records.\n\n"
    "Chronologies and case summaries are too often out of date, and plans do not always say "
    "who will do what by when. Where a case was scaled inadequate, the follow-up audits show "
    "most records moving in the right direction.\n\n"
    "The recommendations below are owned by named managers and tracked on the improvement "
    "actions board; the next report will say where each stands."
)
RECOMMENDATIONS = (
    "Every open case has a chronology updated at least monthly, checked in supervision.",
    "Plans name who will do what by when, and are reviewed at each core group or review.",
    "The voice of the child is recorded in the child's own words after every visit.",
    "Case summaries are rewritten at each transfer between teams.",
)


def _first(role: str) -> Staff | None:
    return (
        Staff.objects.active().filter(role=role).select_related("user").order_by("staff_id").first()
    )


def improvement_demo(*, today: dt.date, rng_seed: int) -> dict[str, int]:
    if FindingsReport.objects.exists():
        return {}
    performance = (
        Staff.objects.filter(role=Role.PERFORMANCE, user__email=demo_email(Role.PERFORMANCE))
        .select_related("user")
        .first()
    ) or _first(Role.PERFORMANCE)
    director = _first(Role.DIRECTOR) or _first(Role.ASSISTANT_DIRECTOR)
    owners = [
        s
        for s in (
            _first(Role.SERVICE_MANAGER),
            _first(Role.TEAM_MANAGER),
            _first(Role.ASSISTANT_DIRECTOR),
            _first(Role.PRACTICE_SUPERVISOR),
        )
        if s is not None
    ]
    if performance is None or director is None or not owners:
        return {}
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts["follow-up audits"] = _followups()
        counts["good practice shared"] = _good_practice(rng_seed)
        counts["improvement actions"] = _report(today, performance, director, owners)
    return counts


def _report(today: dt.date, performance: Staff, director: Staff, owners: list[Staff]) -> int:
    start, end = period_range(LAST_QUARTER, today)
    user = performance.user
    report = services.report_create(
        by=user,
        title=f"Findings report, {start:%B} to {end:%B %Y}",
        scope_kind=ScopeKind.AUTHORITY,
        service=None,
        team=None,
        period_start=start,
        period_end=end,
    )
    themes = list(Theme.objects.order_by("order")[: len(RECOMMENDATIONS)])
    dues = (-10, 20, 45, 75)  # days from today: the first is overdue
    report = services.report_save(
        report=report,
        by=user,
        revision=report.revision,
        title=report.title,
        overview=OVERVIEW,
        recommendations=[
            services.RecommendationIn(
                text=text,
                owner=owners[i % len(owners)],
                due_on=today + dt.timedelta(days=dues[i]),
                theme=themes[i] if i < len(themes) else None,
            )
            for i, text in enumerate(RECOMMENDATIONS)
        ],
    )
    report = services.report_send_for_review(report=report, by=user, reviewer=director)
    report = services.report_review(
        report=report, by=director.user, approve=True, comment="Clear and well evidenced."
    )
    report = services.report_publish(report=report, by=user)
    actions = list(report.actions.select_related("owner__user").order_by("number"))
    services.action_update(
        action=actions[1],
        by=actions[1].owner.user,
        status=ActionStatus.COMPLETED,
        note="Plan template changed; team managers briefed at the managers' meeting.",
        evidence="Managers' meeting minutes, item 4; the new plan template on the intranet.",
        evidence_url="https://intranet.example.gov.uk/childrens-services/plan-template",
    )
    services.action_update(
        action=actions[2],
        by=actions[2].owner.user,
        status=ActionStatus.IN_PROGRESS,
        note="Practice workshop on recording the child's words held with two teams so far.",
    )
    return len(actions)


def _followups() -> int:
    """A follow-up for each history audit in the lowest band: done by the case's next audit
    where there was one, else scheduled (the due page and the programme show those)."""
    band = lowest_band()
    if band is None or FollowUp.objects.exists():
        return 0
    audits = list(
        Audit.objects.filter(status=AuditStatus.COMPLETED, completed_at__isnull=False)
        .order_by("case_id", "completed_at", "pk")
        .values_list("pk", "case_id", "completed_at", "overall_scale")
    )
    months = followup_months()
    rows = []
    for index, (pk, case_id, completed_at, scale) in enumerate(audits):
        if scale is None or not band.min_score <= scale <= band.max_score:
            continue
        following = audits[index + 1] if index + 1 < len(audits) else None
        later = following if following and following[1] == case_id else None
        rows.append(
            FollowUp(
                case_id=case_id,
                audit_id=pk,
                due_on=add_months(timezone.localdate(completed_at), months),
                created_at=completed_at,
                status=FollowUpStatus.DONE if later else FollowUpStatus.SCHEDULED,
                done_audit_id=later[0] if later else None,
                done_at=later[2] if later else None,
            )
        )
    FollowUp.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _good_practice(rng_seed: int) -> int:
    """Good practice from well scaled audits put forward by their auditors; most shared by the
    case's Team Manager, the others waiting for them."""
    rng = random.Random(rng_seed)
    audits = list(
        Audit.objects.filter(status=AuditStatus.COMPLETED, overall_scale__gte=8)
        .exclude(good_practice="")
        .select_related("case", "auditor")
        .order_by("-completed_at", "pk")[:60]
    )
    rng.shuffle(audits)
    themes = list(Theme.objects.order_by("order"))
    managers = {
        s.team_id: s
        for s in Staff.objects.active().filter(role=Role.TEAM_MANAGER).order_by("-staff_id")
    }
    shared = 0
    for n, audit in enumerate(audits[:GOOD_PRACTICE_ITEMS]):
        manager = managers.get(audit.case.team_id)
        share = manager is not None and manager.pk != audit.auditor_id and n % 4 != 3
        now = timezone.now()
        GoodPractice.objects.create(
            audit=audit,
            theme=themes[n % len(themes)],
            title=_title(audit.good_practice),
            text=audit.good_practice,
            team_id=audit.case.team_id,
            put_forward_by=audit.auditor,
            put_forward_at=min(audit.completed_at + dt.timedelta(days=2), now),
            status=GoodPracticeStatus.SHARED if share else GoodPracticeStatus.PUT_FORWARD,
            decided_by=manager if share else None,
            decided_at=min(audit.completed_at + dt.timedelta(days=5), now) if share else None,
        )
        shared += share
    return shared


def _title(text: str) -> str:
    """A short title from the good practice the auditor wrote: its first clause."""
    first = text.split(",")[0].split(".")[0].strip()
    if len(first) <= 60:
        return first or "Good practice"
    return first[:60].rsplit(" ", 1)[0] + "…"
