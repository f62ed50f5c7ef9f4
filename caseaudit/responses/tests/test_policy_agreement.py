"""Who authorises a QA response exists twice: `authoriser_q` (a filter on responses, for the
lists) and `can_authorise` (one loaded response, for the pages and services). For every
persona of the `org` fixture (and a leaver) and every response - including one supervised by
someone other than the worker's line manager and one whose worker is a Team Manager - they
must agree."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import Audit, AuditReason, AuditStatus
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import Role
from caseaudit.responses import policy
from caseaudit.responses.models import QAResponse, ResponseStatus


def personas(org) -> list[Staff]:
    leaver = StaffFactory(role=Role.TEAM_MANAGER, team=org.north_a, left_on=dt.date(2020, 1, 31))
    return [v for v in vars(org).values() if isinstance(v, Staff)] + [leaver]


@pytest.fixture
def responses(org):
    version = tool_version_published(code="generic")
    today = timezone.localdate()
    tm_case = CaseFactory(team=org.north_a, allocated_worker=org.tm)
    people = [
        (org.case, org.worker, org.ps1),
        (org.colleague_case, org.colleague, org.tm),  # supervised by the TM, not the line manager
        (org.case_b, org.worker_b, org.ps_b),
        (org.south_case, org.outsider, org.ps_south),
        (tm_case, org.tm, org.csm_north),  # the Team Manager's own response
    ]
    rows = []
    for case, worker, supervisor in people:
        audit = Audit.objects.create(
            case=case,
            tool_version=version,
            auditor=org.performance,
            reason=AuditReason.PERMISSIVE,
            status=AuditStatus.COMPLETED,
            completed_at=timezone.now(),
        )
        rows.append(
            QAResponse.objects.create(
                audit=audit,
                case=case,
                worker=worker,
                supervisor=supervisor,
                status=ResponseStatus.SUBMITTED,
                completed_on=today,
                due_on=today + dt.timedelta(days=20),
            )
        )
    return rows


def test_can_authorise_agrees_with_authoriser_q(org, responses):
    answers = set()
    for staff in personas(org):
        for response in responses:
            predicate = policy.can_authorise(staff, response)
            query = (
                QAResponse.objects.filter(policy.authoriser_q(staff))
                .filter(pk=response.pk)
                .exists()
            )
            assert predicate == query, (staff.role, staff.name, response.case.reference)
            answers.add(predicate)
    assert answers == {True, False}
