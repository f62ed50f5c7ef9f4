"""Report pages and their files. Each is for managers, Business Support (the activity reports
only) and Performance Assurance (others get a 404), shows the user's own scope, and is written
to the access log: a page as a view, a PDF, spreadsheet or CSV file as an export.

Each report's own address shows it at a glance (a few headline figures beside the period
before's, one chart and what they mean: `selectors.headlines`, `text`); its tables are on its
tabs, a page each (`tabs`), which keep the filters in their links."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.downloads import attachment

from . import exports, selectors, services
from .files import (
    CONTENT_TYPES,
    FILE_FORMATS,
    REPORT_TITLES,
    file_formats_of,
    findings_pdf_for,
    report_filename,
    report_xlsx_for,
)
from .forms import ReportFilterForm, filter_querystring
from .models import ExportStatus, ReportExport
from .periods import PERIOD_CHOICES, QUICK_PICKS
from .scope import ReportFilters, ReportScope, report_scope_or_404
from .selectors.grades import grades_changed_count
from .selectors.headlines import Glance, previous_filters, previous_label, report_glance
from .tabs import TAB_TABLES, TABS, tab_label
from .text import figure_change, figure_value, glance_lead, glance_sentences

# The report pages that show the audits' overall scales (grades).
GRADE_REPORTS = frozenset({"quality", "findings"})


def _setup(request: HttpRequest, report: str):
    scope = report_scope_or_404(request.user, report)
    today = timezone.localdate()
    form = ReportFilterForm(
        request.GET or None, scope=scope, today=today, with_theme=report == "quality"
    )
    return scope, today, form, form.filters()


def _context(
    request: HttpRequest,
    report: str,
    scope: ReportScope,
    form: ReportFilterForm,
    filters: ReportFilters,
    today: dt.date,
) -> dict[str, Any]:
    """What every page of a report shows: its header, filters and tabs."""
    query = filter_querystring(filters)
    return {
        "report_key": report,
        "title": REPORT_TITLES[report],
        "scope": scope,
        "form": form,
        "filters": filters,
        "query": query,
        "quick_picks": [
            (key, label, filter_querystring(filters, period=key)) for key, label in QUICK_PICKS
        ],
        "file_formats": file_formats_of(report),
        "my_files": selectors.report_exports_mine(user=request.user, report=report),
        "today": today,
        "tabs": TABS[report],
        "tab_url": f"report_{report}_tab",
        "overview_url": reverse(f"report_{report}"),
        "nav_active": "reports",
    }


def _glance(request: HttpRequest, report: str) -> HttpResponse:
    """A report at a glance: its headline figures beside the period before's, one chart and
    what they mean; the tables are on its tabs."""
    scope, today, form, filters = _setup(request, report)
    glance = report_glance(report=report, scope=scope, filters=filters, today=today)
    access_record(request=request, object_type=AccessObjectType.REPORT, object_id=report)
    context = _context(request, report, scope, form, filters, today)
    before = previous_label(filters=filters)
    context |= glance_context(glance, report=report, filters=filters, previous=before)
    return render(request, "reports/glance.html", context)


def glance_context(
    glance: Glance, *, report: str, filters: ReportFilters, previous: str
) -> dict[str, Any]:
    """The headlines in words, for the at-a-glance pages (here and the moderation report)."""
    period = "this period" if filters.period == "custom" else filters_period_words(filters)
    return {
        "glance": glance,
        "headlines": [
            (h, figure_value(h), figure_change(h, previous_label=previous))
            for h in glance.headlines
        ],
        "lead": glance_lead(report=report, glance=glance, period_label=period),
        "sentences": glance_sentences(glance=glance, period_label=period, previous_label=previous),
        "previous_label": previous,
        "previous_period": previous_filters(filters=filters).label,
    }


def filters_period_words(filters: ReportFilters) -> str:
    """ "the last 12 months", "this quarter": the quick pick in words, for a sentence."""
    label = dict(PERIOD_CHOICES).get(filters.period, "")
    if not label:
        return "this period"
    return ("the " if label.startswith("Last") else "") + label[0].lower() + label[1:]


def _tab(request: HttpRequest, report: str, tab: str) -> HttpResponse:
    """One tab of a report: the tables `tabs.TAB_TABLES` puts on it."""
    label = tab_label(report, tab)
    if label is None:
        raise Http404("No such tab")
    scope, today, form, filters = _setup(request, report)
    keys = TAB_TABLES[report][tab]
    # Only the tab's tables (and the figures they come with) are counted.
    data = selectors.build_report(
        report=report,
        scope=scope,
        filters=filters,
        today=today,
        page_number=request.GET.get("page"),
        only=keys,
    )
    access_record(request=request, object_type=AccessObjectType.REPORT, object_id=report)
    context = _context(request, report, scope, form, filters, today)
    context |= {
        "report": data,
        "tab": tab,
        "tab_label": label,
        "tables": [t for key in keys for t in data.tables if t.key == key],
        "theme_links": [
            (name, filter_querystring(filters, theme=pk))
            for pk, name in getattr(data, "extra", {}).get("themes", [])
        ],
        # The reports that show grades say how many moderation changed (one COUNT).
        "moderation_changed": grades_changed_count(scope=scope, filters=filters, today=today)
        if report in GRADE_REPORTS and tab in GRADE_TABS
        else None,
    }
    return render(request, "reports/tab.html", context)


# The tabs that show the audits' overall scales (and so say how many moderation changed).
GRADE_TABS = frozenset({"audits", "themes"})


def report_index(request: HttpRequest) -> HttpResponse:
    scope = report_scope_or_404(request.user)
    return render(
        request,
        "reports/index.html",
        {
            "scope": scope,
            "figures": selectors.dashboard_figures(user=request.user),
            "nav_active": "reports",
        },
    )


def report_compliance(request: HttpRequest) -> HttpResponse:
    return _glance(request, "compliance")


def report_responses(request: HttpRequest) -> HttpResponse:
    return _glance(request, "responses")


def report_quality(request: HttpRequest) -> HttpResponse:
    return _glance(request, "quality")


def report_findings(request: HttpRequest) -> HttpResponse:
    return _glance(request, "findings")


def report_compliance_tab(request: HttpRequest, tab: str) -> HttpResponse:
    return _tab(request, "compliance", tab)


def report_responses_tab(request: HttpRequest, tab: str) -> HttpResponse:
    return _tab(request, "responses", tab)


def report_quality_tab(request: HttpRequest, tab: str) -> HttpResponse:
    return _tab(request, "quality", tab)


def report_findings_tab(request: HttpRequest, tab: str) -> HttpResponse:
    return _tab(request, "findings", tab)


def report_xlsx(request: HttpRequest, report: str) -> HttpResponse:
    """The whole report as a spreadsheet while the user waits (links and automation; a small
    scope's is quick); the page offers it prepared in the background (`report_export_prepare`)."""
    now = timezone.localtime()
    content, filename = report_xlsx_for(
        user=request.user, report=report, params=request.GET, today=now.date(), now=now
    )
    access_record(
        request=request, action="export", object_type=AccessObjectType.REPORT, object_id=report
    )
    return attachment(content, content_type=exports.XLSX_TYPE, filename=filename)


def report_csv(request: HttpRequest, report: str, table: str) -> HttpResponse:
    if report not in REPORT_TITLES:
        raise Http404("No such report")
    scope, today, _form, filters = _setup(request, report)
    data = selectors.build_report(
        report=report, scope=scope, filters=filters, today=today, full=True
    )
    found = next((t for t in data.tables if t.key == table), None)
    if found is None:
        raise Http404("No such table")
    access_record(
        request=request, action="export", object_type=AccessObjectType.REPORT, object_id=report
    )
    return attachment(
        exports.table_csv(found),
        content_type="text/csv; charset=utf-8",
        filename=report_filename(f"{report}-{table}", filters, ".csv"),
    )


def report_findings_pdf(request: HttpRequest) -> HttpResponse:
    """The findings PDF while the user waits (links and automation); the page offers the
    same file prepared in the background (`report_export_prepare`)."""
    now = timezone.localtime()
    content, filename = findings_pdf_for(
        user=request.user, params=request.GET, today=now.date(), now=now
    )
    access_record(
        request=request, action="export", object_type=AccessObjectType.REPORT, object_id="findings"
    )
    return attachment(content, content_type="application/pdf", filename=filename)


@require_POST
def report_export_prepare(request: HttpRequest) -> HttpResponse:
    """Queue a report's file (`report` and `format` posted; without them, the findings PDF)
    of the filters posted (the page's query string) for the user."""
    report_scope_or_404(request.user, request.POST.get("report", "findings"))
    try:
        export = services.export_request(
            user=request.user,
            report=request.POST.get("report", "findings"),
            file_format=request.POST.get("format", "pdf"),
            params=request.POST.get("params", ""),
        )
    except ValueError as error:  # not a file that can be prepared
        raise Http404("No such file") from error
    return redirect("report_export", pk=export.pk)


def _own_export(request: HttpRequest, pk) -> ReportExport:
    report_scope_or_404(request.user)
    return selectors.report_export_get(user=request.user, pk=pk)


def report_export(request: HttpRequest, pk) -> HttpResponse:
    export = _own_export(request, pk)
    return render(
        request,
        "reports/export.html",
        {
            "export": export,
            "title": REPORT_TITLES[export.report],
            "what": FILE_FORMATS[export.file_format],
            "back": f"{reverse('report_' + export.report)}?{export.params}",
            "kept_hours": int(services.EXPORT_KEPT.total_seconds() // 3600),
            "nav_active": "reports",
        },
    )


def report_export_download(request: HttpRequest, pk) -> HttpResponse:
    export = _own_export(request, pk)
    if export.status != ExportStatus.READY:
        return redirect("report_export", pk=export.pk)
    content = ReportExport.objects.values_list("content", flat=True).get(pk=export.pk)
    access_record(
        request=request,
        action="export",
        object_type=AccessObjectType.REPORT,
        object_id=export.report,
    )
    return attachment(
        bytes(content), content_type=CONTENT_TYPES[export.file_format], filename=export.filename
    )
