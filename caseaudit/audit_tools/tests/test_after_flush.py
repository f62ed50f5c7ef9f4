"""Transactional tests flush the database after they run; the shipped tools and bands must be
there again for the tests that follow (a post_migrate receiver reloads them)."""

import pytest

from caseaudit.audit_tools.models import ScalingBand, Tool

SHIPPED = {"generic", "closure", "carers", "tac", "iro", "cp-chair"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", [1, 2])
def test_each_transactional_test_starts_with_the_shipped_tools(run):
    assert set(Tool.objects.values_list("code", flat=True)) >= SHIPPED
    assert ScalingBand.objects.count() == 4


@pytest.mark.django_db
def test_an_ordinary_test_after_a_flush_has_them_too():
    assert set(Tool.objects.values_list("code", flat=True)) >= SHIPPED
