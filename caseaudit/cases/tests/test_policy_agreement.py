"""Who closes a case exists twice: `caseaudit.cases.policy.can_close` (one loaded case, for the
case page and the closing service) and `caseaudit.audits.policy.case_managed_q` with
`CLOSE_ROLES` (a filter on cases). For every persona of the `org` fixture (and a leaver, an
administrator and a CSM placed in a team) and every case they must agree."""

import datetime as dt

from caseaudit.audits.policy import case_managed_q
from caseaudit.cases.models import Case
from caseaudit.cases.policy import can_close
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import CLOSE_ROLES, Role


def test_can_close_agrees_with_case_managed_q(org):
    people = [v for v in vars(org).values() if isinstance(v, Staff)] + [
        StaffFactory(role=Role.TEAM_MANAGER, team=org.north_a, left_on=dt.date(2020, 1, 31)),
        StaffFactory(role=Role.ADMIN, team=None),
        StaffFactory(role=Role.SERVICE_MANAGER, team=org.south_a, service_area=None),
        StaffFactory(role=Role.TEAM_MANAGER, team=None),
    ]
    cases = list(Case.objects.select_related("team"))
    assert len(cases) >= 4
    answers = set()
    for staff in people:
        for case in cases:
            predicate = can_close(staff.user, case)
            query = (
                Case.objects.filter(case_managed_q(staff, CLOSE_ROLES)).filter(pk=case.pk).exists()
            )
            assert predicate == query, (staff.role, staff.name, case.reference)
            answers.add(predicate)
    assert answers == {True, False}
