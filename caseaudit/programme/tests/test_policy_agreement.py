"""Who sees which programme months and allocations, and who may chase one, each exist twice in
`caseaudit.programme.policy`: a filter (`month_visible_q`, `allocation_visible_q`,
`allocation_chase_q`, for the pages' lists) and a predicate (`can_view_month`,
`can_view_allocation`, `can_chase_allocation`, for one record). For every persona of the `org`
fixture (and Business Support of another team, a leaver, an administrator, a Team Manager
without a team, a superuser) and every month and allocation - of a draft and confirmed months,
planned, started, done and cancelled, filled and unfilled, a Team Manager's own - they must
agree."""

import datetime as dt

from django.utils import timezone

from caseaudit.factories import CaseFactory, StaffFactory, UserFactory
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import Role
from caseaudit.programme import policy, services
from caseaudit.programme.due import add_months
from caseaudit.programme.models import Allocation, AllocationStatus, ProgrammeMonth

TODAY = timezone.localdate()
THIS = TODAY.replace(day=1)


def _people(org):
    staff = [v for v in vars(org).values() if isinstance(v, Staff)] + [
        StaffFactory(role=Role.BUSINESS_SUPPORT, team=org.north_b),
        StaffFactory(role=Role.TEAM_MANAGER, team=org.north_a, left_on=dt.date(2020, 1, 31)),
        StaffFactory(role=Role.ADMIN, team=None),
        StaffFactory(role=Role.TEAM_MANAGER, team=None),
        StaffFactory(role=Role.BUSINESS_SUPPORT, team=None),
    ]
    return [s.user for s in staff] + [UserFactory(is_superuser=True, is_staff=True)]


def _programme(org):
    for worker in (org.worker, org.colleague, org.worker_b, org.outsider):
        CaseFactory.create_batch(3, team=worker.team, allocated_worker=worker)
    old = services.programme_generate(month=add_months(THIS, -13), seed=1)
    services.programme_confirm(programme=old, by=None)
    last = services.programme_generate(month=add_months(THIS, -1), seed=2)
    services.programme_confirm(programme=last, by=None)
    services.programme_generate(month=THIS, seed=3)  # a draft
    rows = list(Allocation.objects.filter(programme=last, case__isnull=False).order_by("pk"))
    Allocation.objects.filter(pk=rows[0].pk).update(status=AllocationStatus.STARTED)
    Allocation.objects.filter(pk=rows[1].pk).update(status=AllocationStatus.COMPLETED)
    Allocation.objects.filter(pk=rows[2].pk).update(status=AllocationStatus.CANCELLED)
    Allocation.objects.create(
        programme=last, auditor=org.tm_south, rule="manager-peer", case=None, reason="None."
    )
    return list(Allocation.objects.select_related("programme"))


def test_allocation_visibility_and_chase_agree(org):
    allocations = _programme(org)
    seen, chased = set(), set()
    for user in _people(org):
        visible_q = policy.allocation_visible_q(user)
        chase_q = policy.allocation_chase_q(user)
        for allocation in allocations:
            one = Allocation.objects.filter(pk=allocation.pk)
            visible = visible_q is not None and one.filter(visible_q).exists()
            assert policy.can_view_allocation(user, allocation) == visible, (user, allocation)
            chase = one.filter(chase_q).exists()
            assert policy.can_chase_allocation(user, allocation) == chase, (user, allocation)
            assert not chase or visible  # nobody chases what they do not see
            seen.add(visible)
            chased.add(chase)
    assert seen == {True, False} and chased == {True, False}


def test_month_visibility_agrees(org):
    _programme(org)
    months = list(ProgrammeMonth.objects.all())
    assert len(months) == 3
    answers = set()
    for user in _people(org):
        visible_q = policy.month_visible_q(user, today=TODAY)
        for programme in months:
            query = visible_q is not None and (
                ProgrammeMonth.objects.filter(visible_q).filter(pk=programme.pk).exists()
            )
            assert policy.can_view_month(user, programme, today=TODAY) == query, (user, programme)
            answers.add(query)
    assert answers == {True, False}


def test_who_sees_the_team_s_programme(org):
    """The rule in words: the whole programme for CSMs and above, Performance and admins; their
    team's for a Team Manager and Business Support; nothing for anyone else."""
    whole = {org.csm_north, org.director, org.performance}
    team = {org.tm, org.tm_b, org.tm_south, org.business_support}
    for staff in [v for v in vars(org).values() if isinstance(v, Staff)]:
        assert policy.can_view_whole_programme(staff.user) is (staff in whole), staff.role
        assert (policy.programme_team(staff.user) == staff) is (staff in team), staff.role
        assert policy.can_view_programme(staff.user) is (staff in whole | team), staff.role
