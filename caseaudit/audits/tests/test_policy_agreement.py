"""The audits app's rules exist twice: as a filter on cases (`case_managed_q`, `finding_case_q`,
used by lists and counts) and as a predicate on one record (`can_reopen`, `can_acknowledge`,
used by pages and services). They must agree: for every persona of the `org` fixture (and a
leaver, an administrator and a CSM placed in a team) and every audit and urgent finding,
`predicate(user, record) == Case.objects.filter(q).filter(pk=record.case_id).exists()`."""

import datetime as dt

import pytest
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits import policy
from caseaudit.audits.models import Audit, AuditReason, AuditStatus, UrgentFinding
from caseaudit.cases.models import Case
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import ACKNOWLEDGE_ROLES, REOPEN_ROLES, Role


def personas(org) -> list[Staff]:
    """Every member of staff of the fixture, plus people at the edges of the rules."""
    extra = [
        StaffFactory(role=Role.TEAM_MANAGER, team=org.north_a, left_on=dt.date(2020, 1, 31)),
        StaffFactory(role=Role.ADMIN, team=None),
        StaffFactory(role=Role.SERVICE_MANAGER, team=org.south_a, service_area=None),
        StaffFactory(role=Role.TEAM_MANAGER, team=None),
    ]
    return [v for v in vars(org).values() if isinstance(v, Staff)] + extra


@pytest.fixture
def audits(org):
    version = tool_version_published(code="generic")
    rows = []
    for case in (org.case, org.colleague_case, org.case_b, org.south_case):
        audit = Audit.objects.create(
            case=case,
            tool_version=version,
            auditor=org.performance,
            reason=AuditReason.PERMISSIVE,
            status=AuditStatus.COMPLETED,
            completed_at=timezone.now(),
        )
        UrgentFinding.objects.create(audit=audit, case=case, trigger="scale", reason="Scaled 1")
        rows.append(audit)
    return rows


def _in(q, case_id: int) -> bool:
    return Case.objects.filter(q).filter(pk=case_id).exists()


def test_the_sets_the_rules_use_are_the_ones_in_roles():
    assert policy.case_managed_q.__defaults__ == (REOPEN_ROLES,)
    assert ACKNOWLEDGE_ROLES < REOPEN_ROLES


def test_can_reopen_agrees_with_case_managed_q(org, audits):
    people = personas(org)
    allowed = set()
    for staff in people:
        for audit in audits:
            predicate = policy.can_reopen(staff.user, audit)
            query = _in(policy.case_managed_q(staff if staff.is_active else None), audit.case_id)
            assert predicate == query, (staff.role, staff.name, audit.case.reference)
            allowed.add((staff.pk, predicate))
    # Both answers occur, so the comparison is not vacuous.
    assert {answer for _, answer in allowed} == {True, False}


def test_can_acknowledge_agrees_with_finding_case_q(org, audits):
    findings = list(UrgentFinding.objects.select_related("case"))
    answers = set()
    for staff in personas(org):
        for finding in findings:
            predicate = policy.can_acknowledge(staff.user, finding)
            query = _in(policy.finding_case_q(staff), finding.case_id)
            assert predicate == query, (staff.role, staff.name, finding.case.reference)
            answers.add(predicate)
    assert answers == {True, False}
