"""The header of every page: the authority's name, the signed-in member of staff and the
links their role calls for (`navigation_for`; add a header link there)."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from caseaudit.campaigns.policy import can_open_campaigns
from caseaudit.cases.selectors import is_data_protection_officer
from caseaudit.imports.policy import import_allowed
from caseaudit.jobs.policy import jobs_allowed
from caseaudit.moderation.policy import can_open_moderation_pages
from caseaudit.notifications.selectors import notification_unread_count
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.programme.policy import can_view_programme
from caseaudit.reports.policy import can_view_reports

# Every header link, by key: (label, view name).
_LINKS = {
    "home": ("My work", "home"),
    "cases": ("Cases", "case_list"),
    "teams": ("Teams", "team_list"),
    "tools": ("Tools", "tool_list"),
    "responses": ("Responses", "response_list"),
    "due": ("Audits due", "due_list"),
    "programme": ("Programme", "programme_index"),
    "moderation": ("Moderation", "moderation_index"),
    "reports": ("Reports", "report_index"),
    "campaigns": ("Campaigns", "campaign_list"),
    "improvement": ("Improvement", "improvement_index"),
    "imports": ("Imports", "import_index"),
    "retention": ("Retention", "retention_report"),
    "jobs": ("Jobs", "job_list"),
}


@functools.lru_cache(maxsize=256)
def _link(key: str, urlconf: str | None, prefix: str) -> tuple[str, str, str]:
    """A header link as (key, label, url) for this URLconf and script prefix: worked out once,
    not a `reverse` per link on every page."""
    label, name = _LINKS[key]
    return key, label, reverse(name, urlconf=urlconf)


def navigation_for(user) -> list[tuple[str, str, str]]:
    """The header links a user's role calls for: (key, label, url)."""
    if not user.is_authenticated:
        return []
    keys = ["home", "cases", "teams", "tools"]
    staff = staff_for_user(user)
    if staff is not None or user.is_superuser:
        keys.append("responses")
    keys.append("due")
    if can_view_programme(user):
        keys.append("programme")
    if can_open_moderation_pages(user):
        keys.append("moderation")
    if can_view_reports(user):
        keys.append("reports")
    if can_open_campaigns(user):
        keys.append("campaigns")
    if staff is not None:
        keys.append("improvement")
    if import_allowed(user):
        keys.append("imports")
    if is_data_protection_officer(user):
        keys.append("retention")
    if jobs_allowed(user):
        keys.append("jobs")
    urlconf, prefix = get_urlconf(settings.ROOT_URLCONF), get_script_prefix()
    return [_link(key, urlconf, prefix) for key in keys]


def layout(request):
    user = request.user
    staff = staff_for_user(user)
    return {
        "authority_name": settings.AUTHORITY_NAME,
        "service_name": settings.SERVICE_NAME,
        "current_staff": staff,
        "navigation": navigation_for(user),
        # One COUNT query, and only when a page shows it.
        "unread_notifications": SimpleLazyObject(lambda: notification_unread_count(staff=staff))
        if staff is not None
        else 0,
    }
