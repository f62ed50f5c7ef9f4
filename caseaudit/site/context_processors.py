"""The header of every page: the authority's name, the signed-in member of staff and the
links their role calls for (`navigation_for`; add a header link there)."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from caseaudit.campaigns.policy import can_open_campaigns
from caseaudit.cases.selectors import is_data_protection_officer
from caseaudit.core.urls import reverse_cached
from caseaudit.imports.policy import import_allowed
from caseaudit.jobs.policy import jobs_allowed
from caseaudit.moderation.policy import can_open_moderation_pages
from caseaudit.notifications.selectors import notification_unread_count
from caseaudit.organisation.selectors import staff_for_user
from caseaudit.programme.policy import can_view_programme
from caseaudit.reports.policy import can_view_reports


def navigation_for(user) -> list[tuple[str, str, str]]:
    """The header links a user's role calls for: (key, label, url)."""
    if not user.is_authenticated:
        return []
    reverse = reverse_cached  # argument-less addresses, worked out once
    items = [("home", "My work", reverse("home")), ("cases", "Cases", reverse("case_list"))]
    items.append(("teams", "Teams", reverse("team_list")))
    items.append(("tools", "Tools", reverse("tool_list")))
    staff = staff_for_user(user)
    if staff is not None or user.is_superuser:
        items.append(("responses", "Responses", reverse("response_list")))
    items.append(("due", "Audits due", reverse("due_list")))
    if can_view_programme(user):
        items.append(("programme", "Programme", reverse("programme_index")))
    if can_open_moderation_pages(user):
        items.append(("moderation", "Moderation", reverse("moderation_index")))
    if can_view_reports(user):
        items.append(("reports", "Reports", reverse("report_index")))
    if can_open_campaigns(user):
        items.append(("campaigns", "Campaigns", reverse("campaign_list")))
    if staff is not None:
        items.append(("improvement", "Improvement", reverse("improvement_index")))
    if import_allowed(user):
        items.append(("imports", "Imports", reverse("import_index")))
    if is_data_protection_officer(user):
        items.append(("retention", "Retention", reverse("retention_report")))
    if jobs_allowed(user):
        items.append(("jobs", "Jobs", reverse("job_list")))
    return items


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
