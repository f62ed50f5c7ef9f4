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
