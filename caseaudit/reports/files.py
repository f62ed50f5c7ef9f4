"""Report files built for a user and a report's filters: one code path for the file made while
the user waits and the one prepared in the background (`services.export_build`). A whole
report as a spreadsheet (XLSX) or the findings report as a PDF."""

import datetime as dt

from django.http import Http404

from caseaudit.organisation.selectors import person_name

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
    return [
        ("Report", REPORT_TITLES[report]),
        ("Scope", scope.label[:1].upper() + scope.label[1:]),
        *filters.describe(),
        ("Produced", now.strftime("%-d %B %Y %H:%M")),
        ("Produced by", person_name(user)),
        ("Marking", "OFFICIAL-SENSITIVE"),
    ]


# What can be prepared: (report, file format). The spreadsheet of a whole year at the national
# scale has hundreds of thousands of rows (half a minute to write); the PDF takes seconds.
FILE_FORMATS = {"xlsx": "a spreadsheet (XLSX)", "pdf": "a PDF"}
PREPARED_FILES = {(report, "xlsx") for report in REPORT_TITLES} | {("findings", "pdf")}
CONTENT_TYPES = {"xlsx": exports.XLSX_TYPE, "pdf": "application/pdf"}


def file_formats_of(report: str) -> list[tuple[str, str]]:
    """The files a report offers to prepare: (format, what it is), the spreadsheet first."""
    return [(f, what) for f, what in FILE_FORMATS.items() if (report, f) in PREPARED_FILES]


def _scope_and_filters(user, report: str, params, today: dt.date):
    scope = report_scope(user)
    if scope is None or report not in scope.reports:
        raise Http404("No reports for you")
    form = ReportFilterForm(
        params or None, scope=scope, today=today, with_theme=report == "quality"
    )
    return scope, form.filters()


def report_xlsx_for(*, user, report: str, params, today: dt.date, now: dt.datetime):
    """The whole report (every row of every table) as a spreadsheet, for `user`'s own scope
    and the filters in `params`: its bytes and file name. Http404 as `findings_pdf_for`."""
    scope, filters = _scope_and_filters(user, report, params, today)
    data = selectors.build_report(
        report=report, scope=scope, filters=filters, today=today, full=True
    )
    content = exports.tables_xlsx(
        data.tables,
        title=REPORT_TITLES[report],
        about=about_rows(report, scope, filters, user, now),
    )
    return content, report_filename(report, filters, ".xlsx")


def report_file_for(*, user, report: str, file_format: str, params, today, now):
    """A file of PREPARED_FILES: its bytes and file name."""
    if (report, file_format) not in PREPARED_FILES:
        raise Http404("No such file")
    if file_format == "pdf":
        return findings_pdf_for(user=user, params=params, today=today, now=now)
    return report_xlsx_for(user=user, report=report, params=params, today=today, now=now)


def report_filename(report: str, filters: ReportFilters, suffix: str) -> str:
    return f"{report}-{filters.start:%Y-%m-%d}-to-{filters.end:%Y-%m-%d}{suffix}"


def findings_pdf_for(*, user, params, today: dt.date, now: dt.datetime) -> tuple[bytes, str]:
    """The findings PDF of `user`'s own scope with the filters in `params` (a QueryDict or a
    dict, as the page's query string): its bytes and file name. Http404 when reports are not
    (or no longer) for the user."""
    scope, filters = _scope_and_filters(user, "findings", params, today)
    data = selectors.build_report(report="findings", scope=scope, filters=filters, today=today)
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
