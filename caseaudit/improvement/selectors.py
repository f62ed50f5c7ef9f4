"""Reads of findings reports, improvement actions, good practice and follow-up audits, each
scoped to the user (`policy`): out of scope is a 404."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404

from caseaudit.audit_tools.models import Theme
from caseaudit.audits.models import Audit, SectionAnswer
from caseaudit.cases.selectors import case_get
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import ServiceArea, Staff
from caseaudit.organisation.roles import Role
from caseaudit.programme.models import FollowUp, FollowUpStatus
from caseaudit.reports.scope import ReportFilters, ReportScope
from caseaudit.reports.text import excerpt

from . import policy
from .models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    ActionUpdate,
    FindingsReport,
    GoodPractice,
    GoodPracticeStatus,
    ImprovementAction,
    ReportEvent,
    ReportStatus,
)

# --- findings reports ---------------------------------------------------------------------


def report_list(*, user: Actor) -> QuerySet[FindingsReport]:
    """The reports the user may open: drafts they write or review, published ones in scope."""
    return (
        FindingsReport.objects.filter(policy.report_visible_q(user))
        .select_related("author", "reviewer", "service", "team")
        .annotate(action_count=Count("actions"))
        .order_by("-period_end", "-pk")
    )


def report_get(*, user: Actor, pk: int) -> FindingsReport:
    report = (
        FindingsReport.objects.filter(policy.report_visible_q(user), pk=pk)
        .select_related(
            "author", "author__user", "reviewer", "published_by", "service", "team", "previous"
        )
        .first()
    )
    if report is None:
        raise Http404("No such findings report")
    return report


def published_report_list(*, user: Actor) -> QuerySet[FindingsReport]:
    """The published reports the user reads (the API's list)."""
    return (
        FindingsReport.objects.filter(policy.report_visible_q(user), status=ReportStatus.PUBLISHED)
        .select_related("author", "reviewer", "service", "team")
        .order_by("-period_end", "-pk")
    )


def published_report_get(*, user: Actor, pk: int) -> FindingsReport:
    report = published_report_list(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404("No such findings report")
    return report


def report_actions(*, report: FindingsReport) -> list[ImprovementAction]:
    return list(report.actions.select_related("owner", "theme").order_by("number"))


def report_history(*, report: FindingsReport) -> QuerySet[ReportEvent]:
    return report.events.select_related("by__staff").order_by("at", "pk")


def previous_report_of(*, report: FindingsReport) -> FindingsReport | None:
    """The last report of the same scope published before `report` (for a published one, the
    one recorded when it was published)."""
    if report.is_published:
        return report.previous
    return (
        FindingsReport.objects.filter(
            Q(status=ReportStatus.PUBLISHED)
            & Q(scope_kind=report.scope_kind)
            & Q(service_id=report.service_id)
            & Q(team_id=report.team_id)
        )
        .exclude(pk=report.pk)
        .order_by("-published_at", "-pk")
        .first()
    )


def previous_actions_rows(*, report: FindingsReport | None) -> list[dict[str, Any]]:
    """The actions of `report` (the previous report) and where they stand now, as rows."""
    if report is None:
        return []
    return [
        {
            "number": a.number,
            "text": a.text,
            "owner": a.owner.name,
            "due_on": a.due_on.isoformat(),
            "status": a.status,
            "status_label": ActionStatus(a.status).label,
        }
        for a in report.actions.select_related("owner").order_by("number")
    ]


def reviewer_choices(*, report: FindingsReport) -> QuerySet[Staff]:
    return Staff.objects.filter(policy.reviewer_q(report)).order_by("name")


def action_owner_choices(*, report: FindingsReport) -> QuerySet[Staff]:
    """Who may own an action of the report: current managers and Performance Assurance, in
    its scope (anyone in the authority for the authority's report)."""
    q = Q(
        left_on__isnull=True,
        role__in=[
            Role.PRACTICE_SUPERVISOR,
            Role.TEAM_MANAGER,
            Role.SERVICE_MANAGER,
            Role.ASSISTANT_DIRECTOR,
            Role.DIRECTOR,
            Role.PERFORMANCE,
            Role.BUSINESS_SUPPORT,
        ],
    )
    if report.service_id:
        q &= (
            Q(service_area_id=report.service_id)
            | Q(team__service_area_id=report.service_id)
            | Q(role__in=[Role.ASSISTANT_DIRECTOR, Role.DIRECTOR, Role.PERFORMANCE])
        )
    return Staff.objects.filter(q).order_by("name")


# --- improvement actions --------------------------------------------------------------------


def action_board(
    *, user: Actor, service_id: int | None = None, status: str = "", today: dt.date
) -> QuerySet[ImprovementAction]:
    """The improvement actions the user may see, by service (of the report) and status;
    "overdue" as a status: open and past their due date."""
    qs = ImprovementAction.objects.filter(policy.action_visible_q(user))
    if service_id:
        qs = qs.filter(report__service_id=service_id)
    if status == "overdue":
        qs = qs.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
    elif status in ActionStatus.values:
        qs = qs.filter(status=status)
    return qs.select_related("report", "report__service", "report__team", "owner").order_by(
        F("report__service__name").asc(nulls_first=True), "due_on", "report_id", "number"
    )


def action_services(*, user: Actor) -> QuerySet[ServiceArea]:
    """The services of the actions the user may see (the board's filter)."""
    return ServiceArea.objects.filter(
        pk__in=ImprovementAction.objects.filter(policy.action_visible_q(user)).values(
            "report__service_id"
        )
    ).order_by("name")


def action_get(*, user: Actor, pk: int) -> ImprovementAction:
    action = (
        ImprovementAction.objects.filter(policy.action_visible_q(user), pk=pk)
        .select_related(
            "report", "report__author", "report__service", "report__team", "owner", "theme"
        )
        .first()
    )
    if action is None:
        raise Http404("No such improvement action")
    return action


def action_updates(*, action: ImprovementAction) -> QuerySet[ActionUpdate]:
    return action.updates.select_related("by").order_by("-at", "-pk")


# --- good practice ----------------------------------------------------------------------------


def audit_for_good_practice(*, user: Actor, pk: int) -> Audit:
    """A completed audit the user audited (404 otherwise: the page is its auditor's)."""
    staff = policy._staff(user)
    if staff is None:
        raise Http404("No such audit")
    audit = (
        Audit.objects.filter(pk=pk, auditor_id=staff.pk)
        .select_related("case", "case__team", "auditor")
        .first()
    )
    if audit is None:
        raise Http404("No such audit")
    case_get(user=user, pk=audit.case_id)  # still in their scope (logs a refusal if not)
    return audit


def good_practice_of_audit(*, audit: Audit) -> GoodPractice | None:
    return GoodPractice.objects.filter(audit=audit).select_related("theme", "decided_by").first()


def good_practice_to_decide(*, user: Actor) -> QuerySet[GoodPractice]:
    staff = policy._staff(user)
    return (
        GoodPractice.objects.filter(
            policy.good_practice_decider_q(staff), status=GoodPracticeStatus.PUT_FORWARD
        )
        .select_related("audit__case", "theme", "put_forward_by", "team")
        .order_by("put_forward_at", "pk")
    )


def good_practice_get_to_decide(*, user: Actor, pk: int) -> GoodPractice:
    staff = policy._staff(user)
    item = (
        GoodPractice.objects.filter(policy.good_practice_decider_q(staff), pk=pk)
        .select_related(
            "audit__case", "audit__case__allocated_worker", "theme", "put_forward_by", "team"
        )
        .first()
    )
    if item is None:
        raise Http404("No such good practice")
    return item


@dataclass
class LibraryItem:
    pk: int
    title: str
    theme: str
    team: str
    service: str
    shared_on: dt.date | None
    text: str


def good_practice_library(*, user: Actor, theme_id: int | None = None) -> list[LibraryItem]:
    """Shared good practice in the user's library, anonymised: the child's or family's names
    replaced by [name] (the reports' own excerpting), and no case reference."""
    qs = GoodPractice.objects.filter(policy.library_q(user))
    if theme_id:
        qs = qs.filter(theme_id=theme_id)
    rows = qs.order_by("theme__order", "theme__name", "-decided_at", "-pk").values(
        "pk",
        "title",
        "text",
        "decided_at",
        theme_name=F("theme__name"),
        team_name=F("team__name"),
        service_name=F("team__service_area__name"),
        display_name=F("audit__case__display_name"),
    )[:200]
    return [
        LibraryItem(
            pk=r["pk"],
            title=excerpt(r["title"], display_name=r["display_name"], length=120),
            theme=r["theme_name"],
            team=r["team_name"],
            service=r["service_name"],
            shared_on=r["decided_at"].date() if r["decided_at"] else None,
            text=excerpt(r["text"], display_name=r["display_name"], length=2000),
        )
        for r in rows
    ]


def library_themes(*, user: Actor) -> QuerySet[Theme]:
    return Theme.objects.filter(
        pk__in=GoodPractice.objects.filter(policy.library_q(user)).values("theme_id")
    ).order_by("order", "name")


# --- follow-up audits: distance travelled ------------------------------------------------------


@dataclass
class Travelled:
    """Cases audited twice (an audit in the lowest band and its follow-up), by team and theme."""

    by_team: list[dict[str, Any]] = field(default_factory=list)
    by_theme: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)


def _delta(first: Any, then: Any) -> float | None:
    if first is None or then is None:
        return None
    return round(float(then) - float(first), 1)


def distance_travelled(*, scope: ReportScope, filters: ReportFilters) -> Travelled:
    """For the follow-ups done in the period (their follow-up audit completed in it) of cases
    in the reporting scope: the average overall scale of the first audit and of the follow-up,
    and the change, by team and overall; and by theme, the same of their sections' scales.
    A follow-up done counts once; three queries whatever the number of cases."""
    done = FollowUp.objects.filter(
        scope.case_q(filters),
        status=FollowUpStatus.DONE,
        done_audit__isnull=False,
    ).filter(filters.when_q("done_audit__completed_at"))
    if filters.tool is not None:
        done = done.filter(done_audit__tool_version__tool_id=filters.tool.pk)
    by_team: list[dict[str, Any]] = [
        dict(row)
        for row in done.values(team=F("case__team__name"))
        .annotate(
            cases=Count("case_id", distinct=True),
            followups=Count("pk"),
            first=Avg("audit__overall_scale"),
            then=Avg("done_audit__overall_scale"),
            improved=Count("pk", filter=Q(done_audit__overall_scale__gt=F("audit__overall_scale"))),
        )
        .order_by("team")
    ]
    totals: dict[str, Any] = done.aggregate(
        cases=Count("case_id", distinct=True),
        followups=Count("pk"),
        first=Avg("audit__overall_scale"),
        then=Avg("done_audit__overall_scale"),
        improved=Count("pk", filter=Q(done_audit__overall_scale__gt=F("audit__overall_scale"))),
    )
    # Sections: each theme's average scale in the first audits and in their follow-ups.
    pairs = done.values("audit_id", "done_audit_id")
    firsts = (
        SectionAnswer.objects.filter(audit_id__in=pairs.values("audit_id"), scale__isnull=False)
        .values(theme=F("section__theme__name"), order=F("section__theme__order"))
        .annotate(avg=Avg("scale"), n=Count("pk"))
    )
    thens = (
        SectionAnswer.objects.filter(
            audit_id__in=pairs.values("done_audit_id"), scale__isnull=False
        )
        .values(theme=F("section__theme__name"), order=F("section__theme__order"))
        .annotate(avg=Avg("scale"), n=Count("pk"))
    )
    themes: dict[str, dict[str, Any]] = {}
    for name, rows in (("first", firsts), ("then", thens)):
        for r in rows:
            themes.setdefault(r["theme"], {"theme": r["theme"], "order": r["order"]})[name] = r[
                "avg"
            ]
    by_theme = [
        {
            "theme": t["theme"],
            "first": _round(t.get("first")),
            "then": _round(t.get("then")),
            "change": _delta(t.get("first"), t.get("then")),
        }
        for t in sorted(themes.values(), key=lambda t: (t["order"] or 0, t["theme"]))
    ]
    for counted in [*by_team, totals]:
        counted["change"] = _delta(counted["first"], counted["then"])
        counted["first"], counted["then"] = _round(counted["first"]), _round(counted["then"])
    return Travelled(by_team=by_team, by_theme=by_theme, totals=totals)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def followups_by_status(*, scope: ReportScope, filters: ReportFilters) -> dict[str, int]:
    """Follow-ups scheduled in the period (of audits completed in it), by status."""
    rows = (
        FollowUp.objects.filter(scope.case_q(filters))
        .filter(filters.when_q("audit__completed_at"))
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(FollowUpStatus.values, 0)
    counts.update({r["status"]: r["n"] for r in rows})
    return counts
