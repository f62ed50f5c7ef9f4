"""The staff directory and the teams: what every member of staff sees on the team pages."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from caseaudit.organisation.models import Staff, Team

from ..api import LIST_ERRORS, ApiPagination
from ..schemas import Id, RoleValue, SearchText, StaffOut, TeamOut
from ..selectors import staff_directory, team_directory

router = Router(tags=["organisation"])


class StaffFilters(Schema):
    q: SearchText = ""
    team: Id | None = None
    role: RoleValue | None = None


@router.get("/staff", response={200: list[StaffOut], **LIST_ERRORS}, summary="List staff")
@paginate(ApiPagination)
def staff_list(request: HttpRequest, filters: Query[StaffFilters]) -> QuerySet[Staff]:
    """Current staff: `q` matches a name in part or a staff ID exactly."""
    return staff_directory(search=filters.q.strip(), team_id=filters.team, role=filters.role or "")


@router.get("/teams", response={200: list[TeamOut], **LIST_ERRORS}, summary="List teams")
@paginate(ApiPagination)
def team_list(request: HttpRequest) -> list[Team]:
    return team_directory()
