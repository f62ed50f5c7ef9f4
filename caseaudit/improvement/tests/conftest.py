"""Fixtures of the improvement tests: completed audits made directly (their scales and
texts are what these tests are about), and a findings report at each step of its life."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import Audit, AuditReason, AuditStatus, SectionAnswer
from caseaudit.improvement import services
from caseaudit.improvement.models import FindingsReport, ScopeKind


def completed_audit(
    *,
    case,
    auditor,
    scale: int,
    when: dt.datetime | None = None,
    good_practice: str = "",
    section_scale: int | None = None,
) -> Audit:
    """A completed Generic Audit of `case` with an overall scale and its scaled sections all
    at `section_scale` (default: the overall scale)."""
    version = tool_version_published(code="generic")
    when = when or timezone.now()
    audit = Audit.objects.create(
        case=case,
        tool_version=version,
        auditor=auditor,
        reason=AuditReason.PERMISSIVE,
        status=AuditStatus.COMPLETED,
        started_at=when - dt.timedelta(hours=2),
        completed_at=when,
        overall_scale=scale,
        good_practice=good_practice,
        summary="Summary.",
    )
    section_scale = scale if section_scale is None else section_scale
    for section in version.sections.filter(scaled=True).order_by("order")[:3]:
        SectionAnswer.objects.create(
            audit=audit,
            section=section,
            scale=section_scale,
            working_well="The plan is clear.",
            worried_about="The chronology is out of date.",
            needs_to_happen="Update the chronology.",
        )
    return audit


def draft_report(org, *, author=None, kind=ScopeKind.AUTHORITY, service=None, team=None):
    today = timezone.localdate()
    return services.report_create(
        by=(author or org.performance).user,
        title="Quarterly findings",
        scope_kind=kind,
        service=service,
        team=team,
        period_start=today - dt.timedelta(days=90),
        period_end=today,
    )


def written_report(org, **kwargs) -> FindingsReport:
    report = draft_report(org, **kwargs)
    today = timezone.localdate()
    return services.report_save(
        report=report,
        by=report.author.user,
        revision=report.revision,
        title="Quarterly findings",
        overview="Practice is improving; chronologies lag behind.",
        recommendations=[
            services.RecommendationIn(
                text="Every chronology updated monthly.",
                owner=org.tm,
                due_on=today + dt.timedelta(days=30),
            ),
            services.RecommendationIn(
                text="Direct work recorded in every visit.",
                owner=org.csm_north,
                due_on=today + dt.timedelta(days=60),
            ),
        ],
    )


def published_report(org, **kwargs) -> FindingsReport:
    report = written_report(org, **kwargs)
    report = services.report_send_for_review(
        report=report, by=report.author.user, reviewer=org.director
    )
    report = services.report_review(report=report, by=org.director.user, approve=True, comment="")
    return services.report_publish(report=report, by=report.author.user)


@pytest.fixture
def audit_low(org):
    """A completed audit of the worker's case scaled 1 (the lowest band), by the Director."""
    return completed_audit(case=org.case, auditor=org.director, scale=1)
