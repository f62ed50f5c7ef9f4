"""Who may see which reports, over what: each manager sees their own scope only.

A report's cases are the user's case scope (`caseaudit.cases.selectors.case_scope`, reused,
never re-implemented) narrowed to their role's own cases, so the cases someone can open only
because they audit them or hold an allocation elsewhere do not count in their team's figures:
- a Practice Supervisor: their own cases and their supervisees';
- a Team Manager: their team's; a Children's Service Manager: their service's;
- Business Support: their team's (the team on their staff record), in the activity reports
  only (`ACTIVITY_REPORTS`: programme compliance, QA responses and actions), never the reports
  made of the audits' scales and text (practice quality, findings);
- Assistant Directors, the Director, Performance Assurance and administrators: every case.
Staff-level figures (the programme) cover the same people: a Practice Supervisor themselves and
those they supervise, a Team Manager and Business Support their team, a CSM their service, the
others everyone.
Anyone else (practitioners, IROs, CP Chairs, auditors) has no reports: 404.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from caseaudit.audit_tools.models import Theme, Tool
from caseaudit.cases.models import Case
from caseaudit.cases.selectors import case_scope
from caseaudit.organisation.models import ServiceArea, Staff, Team
from caseaudit.organisation.roles import (
    ACTIVITY_REPORT_ROLES,
    AUTHORITY_WIDE_ROLES,
    REPORT_ROLES,
    Role,
)
from caseaudit.organisation.selectors import staff_for_user

from .periods import LAST_12_MONTHS, months_between, period_label, period_range

NOTHING = Q(pk__in=[])
# The reports, by their keys. The activity reports say who audited what and when and what is
# overdue (the programme, QA responses and actions): never a word an auditor wrote nor a
# scale. Practice quality and the findings report are made of the audits' scales and text.
REPORTS = frozenset({"compliance", "responses", "quality", "findings"})
ACTIVITY_REPORTS = frozenset({"compliance", "responses"})


@dataclass(frozen=True)
class ReportScope:
    user: Any
    staff: Staff | None
    label: str
    own_cases: Q  # on Case: the role's own cases
    staff_q: Q  # on Staff: whose programme figures
    team_q: Q  # on Team: the teams offered as filters
    authority_wide: bool = False
    # The own cases are exactly the cases of the teams in `team_q` (every team, a TM's team, a
    # CSM's service): figures kept per team (the scale summary) can answer for this scope.
    by_team: bool = False
    # The reports the user may open (`REPORTS`; Business Support: `ACTIVITY_REPORTS` only).
    reports: frozenset[str] = field(default_factory=lambda: REPORTS)

    def cases(self) -> QuerySet[Case]:
        """The cases the reports cover: the user's case scope and their role's own cases."""
        return Case.objects.filter(case_scope(self.user)).filter(self.own_cases)

    def case_q(self, filters: "ReportFilters", prefix: str = "case__") -> Q:
        """A filter on a model related to Case (`prefix` leads to it): the case is in the
        report's scope and matches the filters. When the user's case scope is every case the
        filters apply by join; otherwise through a subquery of the scoped cases."""
        if not case_scope(self.user) and not self.own_cases:  # both empty: every case
            return filters.case_q(prefix)
        return Q(**{f"{prefix}in": self.cases().filter(filters.case_q()).values("pk")})

    def staff_qs(self) -> QuerySet[Staff]:
        return Staff.objects.filter(self.staff_q)

    def teams(self) -> QuerySet[Team]:
        return Team.objects.filter(self.team_q).order_by("name")

    def services(self) -> QuerySet[ServiceArea]:
        return ServiceArea.objects.filter(
            pk__in=Team.objects.filter(self.team_q).values("service_area_id")
        ).order_by("name")


def report_scope(user) -> ReportScope | None:
    """The user's reporting scope; None when reports are not for them."""
    if not user.is_authenticated:
        return None
    staff = staff_for_user(user)
    if staff is None:
        if user.is_superuser:
            return ReportScope(user, None, "the whole authority", Q(), Q(), Q(), True, True)
        return None
    role = staff.role
    if role not in REPORT_ROLES and not user.is_superuser:
        return None
    if role in AUTHORITY_WIDE_ROLES or user.is_superuser:
        return ReportScope(user, staff, "the whole authority", Q(), Q(), Q(), True, True)
    if role == Role.PRACTICE_SUPERVISOR:
        return ReportScope(
            user,
            staff,
            "your cases and your supervisees' cases",
            Q(allocated_worker=staff) | Q(allocated_worker__line_manager=staff),
            Q(pk=staff.pk) | Q(line_manager=staff),
            Q(pk=staff.team_id) if staff.team_id else NOTHING,
        )
    if role == Role.TEAM_MANAGER:
        if not staff.team_id:
            return ReportScope(user, staff, "no team", NOTHING, Q(pk=staff.pk), NOTHING)
        return ReportScope(
            user,
            staff,
            f"team {staff.team.name}",
            Q(team_id=staff.team_id),
            Q(team_id=staff.team_id) | Q(pk=staff.pk),
            Q(pk=staff.team_id),
            by_team=True,
        )
    if role in ACTIVITY_REPORT_ROLES:
        # Business Support: their own team's cases and people, as its Team Manager (the team
        # on their staff record; none without one), in the activity reports only.
        if not staff.team_id:
            return ReportScope(
                user, staff, "no team", NOTHING, NOTHING, NOTHING, reports=ACTIVITY_REPORTS
            )
        return ReportScope(
            user,
            staff,
            f"team {staff.team.name}",
            Q(team_id=staff.team_id),
            Q(team_id=staff.team_id),
            Q(pk=staff.team_id),
            by_team=True,
            reports=ACTIVITY_REPORTS,
        )
    area = staff.effective_service_area_id
    if not area:
        return ReportScope(user, staff, "no service", NOTHING, Q(pk=staff.pk), NOTHING)
    name = staff.service_area.name if staff.service_area_id else staff.team.service_area.name
    return ReportScope(
        user,
        staff,
        f"the {name} service",
        Q(team__service_area_id=area),
        Q(team__service_area_id=area) | Q(service_area_id=area) | Q(pk=staff.pk),
        Q(service_area_id=area),
        by_team=True,
    )


def report_scope_or_404(user, report: str | None = None) -> ReportScope:
    """The user's reporting scope; 404 when reports are not for them, or (`report` given) that
    report is not (Business Support: practice quality and the findings report)."""
    scope = report_scope(user)
    if scope is None or (report is not None and report not in scope.reports):
        raise Http404("No reports for you")
    return scope


@dataclass(frozen=True)
class ReportFilters:
    """The filters every report takes. Dates are inclusive."""

    start: dt.date
    end: dt.date
    period: str = LAST_12_MONTHS
    service: ServiceArea | None = None
    team: Team | None = None
    case_type: str = ""
    tool: Tool | None = None
    theme: Theme | None = None
    params: dict = field(default_factory=dict)

    @classmethod
    def default(cls, today: dt.date) -> "ReportFilters":
        start, end = period_range(LAST_12_MONTHS, today)
        return cls(start=start, end=end)

    @property
    def start_at(self) -> dt.datetime:
        """The first moment of the period, in the authority's time zone."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime:
        """The first moment after the period."""
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.start, self.end)

    @property
    def label(self) -> str:
        return period_label(self.start, self.end)

    def case_q(self, prefix: str = "") -> Q:
        """The team, service and case type filters on a Case (`prefix` leads to it, e.g.
        "audit__case__")."""
        q = Q()
        if self.team is not None:
            q &= Q(**{f"{prefix}team_id": self.team.pk})
        if self.service is not None:
            q &= Q(**{f"{prefix}team__service_area_id": self.service.pk})
        if self.case_type:
            q &= Q(**{f"{prefix}case_type": self.case_type})
        return q

    def when_q(self, field_name: str) -> Q:
        """`field_name` (a date-time) falls in the period."""
        return Q(**{f"{field_name}__gte": self.start_at, f"{field_name}__lt": self.end_before})

    def describe(self) -> list[tuple[str, str]]:
        """The filters in force, as (label, value) pairs for the page and the PDF."""
        from caseaudit.cases.models import CaseType

        rows = [("Period", self.label)]
        if self.service is not None:
            rows.append(("Service", self.service.name))
        if self.team is not None:
            rows.append(("Team", self.team.name))
        if self.case_type:
            rows.append(("Case type", CaseType(self.case_type).label))
        if self.tool is not None:
            rows.append(("Tool", self.tool.name))
        if self.theme is not None:
            rows.append(("Theme", self.theme.name))
        return rows
