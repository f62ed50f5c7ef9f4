from django.conf import settings
from django.urls import reverse

from caseaudit.organisation.models import AUTHORITY_WIDE_ROLES, MANAGER_ROLES
from caseaudit.organisation.selectors import staff_for_user


def navigation_for(user) -> list[tuple[str, str, str]]:
    """The header links a user's role calls for: (key, label, url)."""
    if not user.is_authenticated:
        return []
    items = [("home", "My work", reverse("home")), ("cases", "Cases", reverse("case_list"))]
    items.append(("teams", "Teams", reverse("team_list")))
    staff = staff_for_user(user)
    if user.is_staff or (staff and staff.role in AUTHORITY_WIDE_ROLES | MANAGER_ROLES):
        pass  # programme and reports links arrive with their issues
    return items


def layout(request):
    user = request.user
    return {
        "authority_name": settings.AUTHORITY_NAME,
        "service_name": settings.SERVICE_NAME,
        "current_staff": staff_for_user(user),
        "navigation": navigation_for(user),
    }
