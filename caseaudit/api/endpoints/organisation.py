"""The staff directory and the teams: what every member of staff sees on the team pages."""

from ninja import Query, Router, Schema
from ninja.pagination import paginate

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
def staff_list(request, filters: Query[StaffFilters]):
    """Current staff: `q` matches a name in part or a staff ID exactly."""
    return staff_directory(search=filters.q.strip(), team_id=filters.team, role=filters.role or "")


@router.get("/teams", response={200: list[TeamOut], **LIST_ERRORS}, summary="List teams")
@paginate(ApiPagination)
def team_list(request):
    return team_directory()
