"""The moderation report: agreement between auditors and moderators over the user's report
scope and the report filters (period, service, team, case type, tool, theme) and, by its
`auditor` parameter, one auditor. Its figures come from `caseaudit.moderation.agreement`; here
they become the report's tables, chart, CSV and spreadsheet, as the other reports'.

The moderations counted are those completed in the period whose audit's case is in scope.
Practice quality's rules of who sees it apply (`report_scope_or_404(user, "quality")`: not
Business Support)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.downloads import attachment
from caseaudit.moderation.agreement import AgreementReport, agreement_report
from caseaudit.moderation.selectors import moderations_for_report

from . import charts, exports
from .charts import Series
from .files import report_filename
from .forms import ReportFilterForm, filter_querystring
from .periods import QUICK_PICKS, month_label
from .scope import ReportFilters, ReportScope, report_scope_or_404
from .selectors.common import SimpleReport
from .selectors.headlines import moderation_glance, previous_filters, previous_label
from .tables import DECIMAL, MONTH, NUMBER, PERCENT, Column, Link, Table
from .tabs import TAB_TABLES, TABS, tab_label
from .views import glance_context

KEY = "moderation"
TITLE = "Moderation and agreement"
# Who sees it: as practice quality (made of the audits' scales).
AS_REPORT = "quality"
# The auditors the tab lists (those with the most moderations); the CSV file, the spreadsheet
# and the API have everyone.
AUDITORS_SHOWN = 50
FIGURE_KEYS = (
    "moderated",
    "exact_agreement",
    "within_one",
    "mean_difference",
    "alpha_ordinal",
    "grades_changed",
)
AGREEMENT_COLUMNS = [
    Column("moderated", "Audits moderated", NUMBER),
    Column("pairs", "Section pairs", NUMBER),
    Column("exact", "Exact agreement %", PERCENT),
    Column("within_one", "Within one point %", PERCENT),
    Column("mean_difference", "Mean difference (auditor − moderator)", DECIMAL),
    Column("alpha", "Krippendorff's alpha (ordinal)", DECIMAL),
    Column("grades_changed", "Overall grades changed %", PERCENT),
]


def _signed(value: float | None) -> float | None:
    """A mean difference to the table's one decimal, never "-0.0"."""
    return None if value is None else (round(value, 1) or 0.0)


def _cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["moderated"],
        row["pairs"],
        row["exact_agreement"],
        row["within_one"],
        _signed(row["mean_difference"]),
        row["alpha_ordinal"],
        row["grades_changed"],
    ]


def _auditor_table(data: AgreementReport, query: str) -> Table:
    """`query` is the page's filters: each name links to them narrowed to that auditor."""
    return Table(
        "by-auditor",
        "Agreement by auditor",
        [Column("auditor", "Auditor"), Column("staff_id", "Staff ID"), *AGREEMENT_COLUMNS],
        [
            [
                Link(
                    r["name"],
                    "?" + "&".join(filter(None, [query, urlencode({"auditor": r["staff_id"]})])),
                ),
                r["staff_id"],
                *_cells(r),
            ]
            for r in data.by_auditor
        ],
        description="Each auditor's moderated audits, the most generous first (the largest mean "
        "difference). A positive mean difference: the auditor scaled higher than the "
        "moderators, on average, by that many points. Choose a name to see that auditor only.",
        note=(
            f"The {len(data.by_auditor)} auditors with the most moderated audits, of "
            f"{data.auditors:,}: the spreadsheet and the CSV file list everyone."
            if len(data.by_auditor) < data.auditors
            else ""
        ),
    )


def _month_table(data: AgreementReport) -> Table:
    """The chart rides on the table: the glance page reads it from there."""
    by_month = Table(
        "by-month",
        "Agreement by month",
        [Column("month", "Month", MONTH), *AGREEMENT_COLUMNS],
        [[r["month"], *_cells(r)] for r in data.by_month],
        description="By the month the moderation was completed.",
    )
    by_month.chart = charts.line_chart(
        chart_id="chart-moderation-months",
        title="Agreement within one point and exact agreement, month by month",
        description="Two lines across the months of the period, in percent of the section "
        "pairs of the moderations completed that month. The figures, with the mean difference "
        "and alpha, are in the table that follows.",
        categories=[month_label(r["month"]) for r in data.by_month],
        series=[
            Series("Within one point", [r["within_one"] for r in data.by_month]),
            Series("Exact agreement", [r["exact_agreement"] for r in data.by_month]),
        ],
        min_value=0,
        max_value=100,
        unit="%",
    )
    return by_month


def _band_table(data: AgreementReport) -> Table:
    return Table(
        "by-band",
        "Overall grades changed, by the auditor's band",
        [
            Column("band", "Auditor's overall band"),
            Column("moderated", "Audits moderated", NUMBER),
            Column("changed", "Overall scale changed", NUMBER),
            Column("changed_pct", "Changed %", PERCENT),
            Column("moved_band", "Moved to another band", NUMBER),
        ],
        [
            [r["band"], r["moderated"], r["changed"], r["changed_pct"], r["moved_band"]]
            for r in data.by_band
        ],
        description="The moderated overall scale is the audit's final grade: how often it "
        "differs from the auditor's, by the band of the auditor's overall scale.",
    )


def moderation_report(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    auditor: str = "",
    query: str = "",
    by_auditor: bool = True,
    auditors_shown: int | None = None,
    months_and_bands: bool = True,
) -> SimpleReport:
    """The report's figures and tables; without `by_auditor` its table of auditors is empty
    (the pages that do not show it need not count every auditor's pairs), and without
    `months_and_bands` its figures and tables by month and band are (the auditors' tab). With
    `auditors_shown` (the tab), it lists only that many auditors, those with the most
    moderations, and says so under the table."""
    moderations = moderations_for_report(
        case_q=scope.case_q(filters, prefix="audit__case__"),
        start_at=filters.start_at,
        end_before=filters.end_before,
        tool_id=filters.tool.pk if filters.tool is not None else None,
        auditor_staff_id=auditor,
    )
    data = agreement_report(
        moderations=moderations,
        months=filters.months,
        theme_id=filters.theme.pk if filters.theme is not None else None,
        by_auditor=by_auditor,
        auditors_shown=auditors_shown,
        months_and_bands=months_and_bands,
    )
    tables = [_auditor_table(data, query), _month_table(data), _band_table(data)]
    figures = {key: data.figures[key] for key in FIGURE_KEYS}
    figures["pairs"] = data.figures["pairs"]
    figures["grades_changed_count"] = data.figures["grades_changed_count"]
    return SimpleReport(figures=figures, tables=tables)


def setup(request: HttpRequest) -> tuple[ReportScope, ReportFilterForm, ReportFilters, str]:
    scope = report_scope_or_404(request.user, AS_REPORT)
    form = ReportFilterForm(
        request.GET or None, scope=scope, today=timezone.localdate(), with_theme=True
    )
    auditor = (request.GET.get("auditor") or "").strip()[:40]
    return scope, form, form.filters(), auditor


def _context(
    request: HttpRequest,
    scope: ReportScope,
    form: ReportFilterForm,
    filters: ReportFilters,
    auditor: str,
) -> dict[str, Any]:
    query = filter_querystring(filters)
    full_query = "&".join(filter(None, [query, urlencode({"auditor": auditor}) if auditor else ""]))
    return {
        "report_key": KEY,
        "title": TITLE,
        "scope": scope,
        "form": form,
        "filters": filters,
        "query": full_query,
        "base_query": query,
        "auditor": auditor,
        "quick_picks": [
            (key, label, filter_querystring(filters, period=key)) for key, label in QUICK_PICKS
        ],
        "xlsx_url": reverse("report_moderation_xlsx"),
        "tabs": TABS[KEY],
        "tab_url": f"report_{KEY}_tab",
        "overview_url": reverse(f"report_{KEY}"),
        "nav_active": "reports",
    }


def report_moderation(request: HttpRequest) -> HttpResponse:
    """The moderation report at a glance: its figures beside the period before's, the chart
    of months and what they mean; the tables are on its tabs."""
    scope, form, filters, auditor = setup(request)
    query = filter_querystring(filters)
    now = moderation_report(
        scope=scope, filters=filters, auditor=auditor, query=query, by_auditor=False
    )
    before = previous_filters(filters=filters)
    then = moderation_report(scope=scope, filters=before, auditor=auditor, by_auditor=False)
    access_record(request=request, object_type=AccessObjectType.REPORT, object_id=KEY)
    glance = moderation_glance(
        now=now.figures, then=then.figures, chart=now.table("by-month").chart
    )
    context = _context(request, scope, form, filters, auditor)
    context |= glance_context(
        glance, report=KEY, filters=filters, previous=previous_label(filters=filters)
    )
    return render(request, "reports/glance.html", context)


def report_moderation_tab(request: HttpRequest, tab: str) -> HttpResponse:
    label = tab_label(KEY, tab)
    if label is None:
        raise Http404("No such tab")
    scope, form, filters, auditor = setup(request)
    query = filter_querystring(filters)
    keys = TAB_TABLES[KEY][tab]
    report = moderation_report(
        scope=scope,
        filters=filters,
        auditor=auditor,
        query=query,
        by_auditor="by-auditor" in keys,
        auditors_shown=AUDITORS_SHOWN,
        months_and_bands=bool({"by-month", "by-band"} & set(keys)),
    )
    access_record(request=request, object_type=AccessObjectType.REPORT, object_id=KEY)
    context = _context(request, scope, form, filters, auditor)
    context |= {
        "report": report,
        "tab": tab,
        "tab_label": label,
        "tables": [t for key in keys for t in report.tables if t.key == key],
        "csv_url": "report_moderation_csv",
    }
    return render(request, "reports/tab.html", context)


def report_moderation_csv(request: HttpRequest, table: str) -> HttpResponse:
    scope, _form, filters, auditor = setup(request)
    report = moderation_report(scope=scope, filters=filters, auditor=auditor)
    found = next((t for t in report.tables if t.key == table), None)
    if found is None:
        raise Http404("No such table")
    access_record(
        request=request, action="export", object_type=AccessObjectType.REPORT, object_id=KEY
    )
    return attachment(
        exports.table_csv(found),
        content_type="text/csv; charset=utf-8",
        filename=report_filename(f"{KEY}-{table}", filters, ".csv"),
    )


def report_moderation_xlsx(request: HttpRequest) -> HttpResponse:
    scope, _form, filters, auditor = setup(request)
    report = moderation_report(scope=scope, filters=filters, auditor=auditor)
    access_record(
        request=request, action="export", object_type=AccessObjectType.REPORT, object_id=KEY
    )
    about = [("Scope", scope.label), *filters.describe()]
    if auditor:
        about.append(("Auditor", auditor))
    about.append(("Made", f"{timezone.localtime():%d %B %Y %H:%M}"))
    content = exports.tables_xlsx(report.tables, title=TITLE, about=about)
    return attachment(
        content, content_type=exports.XLSX_TYPE, filename=report_filename(KEY, filters, ".xlsx")
    )
