import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.audit_tools.models import Section
from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import Audit, AuditReason, AuditStatus, SectionAnswer


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class Audits:
    """Completed Generic Audits written as rows at chosen dates."""

    def __init__(self):
        self.version = tool_version_published(code="generic")
        self.sections = list(Section.objects.filter(version=self.version).order_by("order"))
        self.scaled = [s for s in self.sections if s.scaled]

    def make(self, *, case, auditor, on: dt.date, scale: int = 7, overall: int = 7, scales=None):
        when = moment(on)
        audit = Audit.objects.create(
            case=case,
            tool_version=self.version,
            auditor=auditor,
            reason=AuditReason.PERMISSIVE,
            status=AuditStatus.COMPLETED,
            started_at=when,
            updated_at=when,
            completed_at=when,
            overall_scale=overall,
            summary="The plan is clear and the child is seen.",
            voice_of_child="Heard.",
        )
        scales = scales or {}
        SectionAnswer.objects.bulk_create(
            [
                SectionAnswer(
                    audit=audit,
                    section=s,
                    scale=scales.get(s.pk, scale) if s.scaled else None,
                    working_well=f"Working well in {s.title}.",
                )
                for s in self.sections
            ]
        )
        return audit


@pytest.fixture
def audits(db):
    return Audits()
