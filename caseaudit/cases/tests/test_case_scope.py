"""Who sees which case: the selector rules, persona by persona."""

import pytest

from caseaudit.cases.selectors import case_visible_qs
from caseaudit.factories import StaffFactory, UserFactory
from caseaudit.organisation.models import Role


def visible(staff_or_user, org):
    user = getattr(staff_or_user, "user", staff_or_user)
    names = {
        org.case.pk: "case",
        org.colleague_case.pk: "colleague_case",
        org.case_b.pk: "case_b",
        org.south_case.pk: "south_case",
    }
    return {names[pk] for pk in case_visible_qs(user).values_list("pk", flat=True)}


ALL = {"case", "colleague_case", "case_b", "south_case"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("worker", {"case"}),
        ("colleague", {"colleague_case"}),
        ("ps1", {"case"}),  # supervises the worker only
        ("ps2", {"colleague_case"}),
        ("tm", {"case", "colleague_case"}),  # their team
        ("business_support", {"case", "colleague_case"}),
        ("tm_b", {"case_b"}),
        ("csm_north", {"case", "colleague_case", "case_b"}),  # their service
        ("outsider", {"south_case"}),
        ("iro", {"colleague_case"}),  # looked-after cases only
        ("cp_chair", {"case_b"}),  # child protection cases only
        ("performance", ALL),
        ("director", ALL),
    ],
)
def test_each_persona_sees_exactly_their_scope(org, persona, expected):
    assert visible(getattr(org, persona), org) == expected


def test_user_without_staff_record_sees_nothing(org):
    assert visible(UserFactory(), org) == set()


def test_staff_who_left_see_nothing(org):
    org.worker.left_on = org.case.opened_on
    org.worker.save()
    assert visible(org.worker, org) == set()


def test_superuser_sees_everything(org):
    assert visible(UserFactory(is_superuser=True), org) == ALL


def test_assistant_director_and_admin_see_everything(org):
    for role in (Role.ASSISTANT_DIRECTOR, Role.ADMIN):
        assert visible(StaffFactory(role=role, team=None), org) == ALL


def test_commissioned_auditor_sees_nothing_until_given_work(org):
    assert visible(StaffFactory(role=Role.AUDITOR, team=None), org) == set()


def test_scope_is_built_once_per_person_and_follows_a_change(org):
    from caseaudit.cases.selectors import case_scope

    user = org.tm.user
    user = type(user).objects.get(pk=user.pk)  # as a request loads it
    first = case_scope(user)
    assert case_scope(user) is first  # the page's other selectors reuse it
    next_request = type(user).objects.get(pk=user.pk)
    assert case_scope(next_request) is first  # and the person's next pages
    assert visible(user, org) == {"case", "colleague_case"}
    # It holds no cases: one allocated since is in it.
    from caseaudit.factories import CaseFactory

    new = CaseFactory(team=org.south_a, allocated_worker=org.tm)
    assert case_scope(user) is first
    assert new in case_visible_qs(user)
    # The same staff record with another role: its scope is built again.
    from caseaudit.organisation.selectors import staff_for_user

    staff_for_user(user).role = Role.PRACTITIONER
    assert case_scope(user) is not first
    assert set(case_visible_qs(user)) == {new}  # their own case only, not the team's
