"""Report files built for a user and a report's filters: one code path for the file made while
the user waits and the one prepared in the background (`services.export_build`)."""

import datetime as dt

from django.http import Http404

from . import exports, selectors
from .forms import ReportFilterForm
from .scope import ReportFilters, ReportScope, report_scope

REPORT_TITLES = {
    "compliance": "Programme compliance",
    "responses": "QA responses and actions",
    "quality": "Practice quality",
    "findings": "Findings report",
}


def about_rows(report: str, scope: ReportScope, filters: ReportFilters, user, now: dt.datetime):
    """The "About" rows of a file: the report, its scope and filters, when and by whom."""
    from caseaudit.organisation.selectors import staff_for_user

    staff = staff_for_user(user)
    return [
        ("Report", REPORT_TITLES[report]),
        ("Scope", scope.label[:1].upper() + scope.label[1:]),
        *filters.describe(),
        ("Produced", now.strftime("%-d %B %Y %H:%M")),
        ("Produced by", staff.name if staff else user.get_username()),
        ("Marking", "OFFICIAL-SENSITIVE"),
    ]


def report_filename(report: str, filters: ReportFilters, suffix: str) -> str:
    return f"{report}-{filters.start:%Y-%m-%d}-to-{filters.end:%Y-%m-%d}{suffix}"


def findings_pdf_for(*, user, params, today: dt.date, now: dt.datetime) -> tuple[bytes, str]:
    """The findings PDF of `user`'s own scope with the filters in `params` (a QueryDict or a
    dict, as the page's query string): its bytes and file name. Http404 when reports are not
    (or no longer) for the user."""
    scope = report_scope(user)
    if scope is None:
        raise Http404("No reports for you")
    form = ReportFilterForm(params or None, scope=scope, today=today, with_theme=False)
    filters = form.filters()
    data = selectors.findings_report(scope=scope, filters=filters, today=today)
    content = exports.findings_pdf(
        {
            "report": data,
            "title": REPORT_TITLES["findings"],
            "scope": scope,
            "filters": filters,
            "about": about_rows("findings", scope, filters, user, now),
            "today": today,
        }
    )
    return content, report_filename("findings", filters, ".pdf")
