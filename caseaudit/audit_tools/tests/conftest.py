import pytest

from caseaudit.audit_tools import services
from caseaudit.audit_tools.models import Tool
from caseaudit.factories import StaffFactory
from caseaudit.organisation.models import Role


@pytest.fixture
def admin(db):
    """A system administrator (staff role, not a Django superuser)."""
    return StaffFactory(role=Role.ADMIN, team=None)


@pytest.fixture
def generic(db):
    return Tool.objects.get(code="generic")


@pytest.fixture
def draft(generic, admin):
    """Draft version 2 of the Generic Audit Tool, copied from the published version 1."""
    return services.tool_version_draft_create(tool=generic, by=admin.user)
