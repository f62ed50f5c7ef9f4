"""A small hand-built history for the reports: audits, section scales, urgent findings, QA
responses, actions and programme allocations, written as model rows at chosen dates so every
figure can be worked out by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.audit_tools.models import Section
from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import (
    ActionStatus,
    Audit,
    AuditReason,
    AuditStatus,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.factories import CaseFactory, StaffFactory, TeamFactory
from caseaudit.organisation.models import Role
from caseaudit.programme.due import add_months
from caseaudit.programme.models import Allocation, AllocationStatus, MonthStatus, ProgrammeMonth
from caseaudit.responses.models import QAResponse, ResponseStatus


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class History:
    """Builders of report data (`history.audit(...)`, `history.allocation(...)`...)."""

    def __init__(self):
        self.generic = tool_version_published(code="generic")
        self.sections = list(
            Section.objects.filter(version=self.generic).select_related("theme").order_by("order")
        )

    def section(self, theme_code: str) -> Section:
        return next(s for s in self.sections if s.theme.code == theme_code)

    def audit(
        self,
        *,
        case,
        auditor,
        on: dt.date,
        scale: int | None = 7,
        scales: dict | None = None,
        overall: int | None = 7,
        texts: dict | None = None,
        reason=AuditReason.PERMISSIVE,
        status=AuditStatus.COMPLETED,
        tool_code: str = "generic",
        **fields,
    ) -> Audit:
        """A completed Generic Audit on `on`: every section scaled `scale`, except the
        themes named in `scales` ({theme code: scale}); `texts` gives a section's words
        ({theme code: {"working_well": ...}})."""
        when = moment(on)
        version = self.generic if tool_code == "generic" else tool_version_published(code=tool_code)
        audit = Audit.objects.create(
            case=case,
            tool_version=version,
            auditor=auditor,
            reason=reason,
            status=status,
            started_at=when,
            updated_at=when,
            completed_at=when if status == AuditStatus.COMPLETED else None,
            overall_scale=overall,
            **fields,
        )
        scales, texts = scales or {}, texts or {}
        SectionAnswer.objects.bulk_create(
            [
                SectionAnswer(
                    audit=audit,
                    section=s,
                    scale=scales.get(s.theme.code, scale),
                    **texts.get(s.theme.code, {}),
                )
                for s in (self.sections if version == self.generic else version.sections.all())
            ]
        )
        return audit

    def programme(self, month: dt.date, *, confirmed=True) -> ProgrammeMonth:
        programme, _ = ProgrammeMonth.objects.get_or_create(
            month=month.replace(day=1),
            defaults={
                "seed": 1,
                "generated_at": timezone.now(),
                "status": MonthStatus.CONFIRMED if confirmed else MonthStatus.DRAFT,
            },
        )
        return programme

    def allocation(self, *, month, auditor, case, audit=None, confirmed=True, **fields):
        fields.setdefault(
            "status", AllocationStatus.COMPLETED if audit else AllocationStatus.PLANNED
        )
        return Allocation.objects.create(
            programme=self.programme(month, confirmed=confirmed),
            auditor=auditor,
            auditor_team=auditor.team,
            rule="manager-peer",
            case=case,
            tool_code="generic",
            reason="Test",
            audit=audit,
            **fields,
        )

    def response(self, audit, *, status, due_on, submitted_on=None, returned=False):
        submitted = moment(submitted_on, 15) if submitted_on else None
        return QAResponse.objects.create(
            audit=audit,
            case=audit.case,
            worker=audit.case.allocated_worker,
            supervisor=audit.case.allocated_worker.line_manager,
            status=status,
            completed_on=timezone.localdate(audit.completed_at),
            due_on=due_on,
            first_submitted_at=submitted,
            submitted_at=submitted,
            returned_at=submitted if returned else None,
            authorised_at=submitted if status == ResponseStatus.AUTHORISED else None,
        )

    def action(self, audit, *, due_on, status=ActionStatus.OPEN, agreed=False):
        return RestorativeAction.objects.create(
            audit=audit,
            description="Update the chronology.",
            owner=audit.case.allocated_worker,
            due_on=due_on,
            status=status,
            manager_agreed_at=timezone.now() if agreed else None,
        )

    def finding(self, audit, *, raised: dt.datetime, acknowledged: dt.datetime | None = None):
        return UrgentFinding.objects.create(
            audit=audit,
            case=audit.case,
            trigger=f"t{UrgentFinding.objects.count()}",
            reason="Scaled 1",
            scale=1,
            raised_at=raised,
            acknowledged_at=acknowledged,
        )


@pytest.fixture
def history(org):
    return History()


def make_county(org, history):
    """Data in this month and the last, relative to today: `county.add(team=...)` adds a
    case, an audit with words, a finding, a response, an action and an allocation for the
    team's manager; `county.add_team()` adds a whole team with its staff."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)

    class County:
        def add(self, team=None, manager=None, *, good_practice="Good practice here."):
            team = team or org.north_a
            manager = manager or org.tm
            worker = StaffFactory(team=team, role=Role.PRACTITIONER, line_manager=manager)
            for month, day in ((last_month, 3), (this_month, 1)):
                case = CaseFactory(team=team, allocated_worker=worker)
                audit = history.audit(
                    case=case,
                    auditor=org.csm_north,
                    on=month.replace(day=day),
                    scale=4,
                    good_practice=good_practice,
                    family_views="The family felt listened to.",
                    texts={
                        "voice_of_child": {
                            "working_well": "Well.",
                            "worried_about": "Worried.",
                            "needs_to_happen": "Needs.",
                        }
                    },
                )
                history.allocation(month=month, auditor=manager, case=case, audit=audit)
                history.response(
                    audit,
                    status=ResponseStatus.AUTHORISED,
                    due_on=month.replace(day=day + 7),
                    submitted_on=month.replace(day=day + 1),
                )
                history.action(audit, due_on=month.replace(day=day + 7))
                raised = moment(month.replace(day=day))
                history.finding(audit, raised=raised, acknowledged=raised + dt.timedelta(hours=3))
            CaseFactory(team=team, allocated_worker=worker, last_audited_on=None)

        def add_team(self, name):
            team = TeamFactory(name=name, service_area=org.north)
            manager = StaffFactory(team=team, role=Role.TEAM_MANAGER)
            self.add(team, manager)
            return team

    county = County()
    county.add()
    county.add(org.south_a, org.tm_south, good_practice="SOUTHERN-SECRET practice")
    return county


@pytest.fixture
def county(org, history):
    return make_county(org, history)
