import pytest

from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role


@pytest.fixture
def lead_member(db):
    """An elected councillor with lead responsibility for children's services."""
    return StaffFactory(role=Role.LEAD_MEMBER, team=None, name="Cllr Lead Member")
