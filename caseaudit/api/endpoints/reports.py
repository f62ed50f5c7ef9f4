"""Reports: the figures and tables of the report pages (/reports/compliance/ and the others),
for the same people (managers and Performance Assurance; Business Support the compliance and
responses reports only; anyone else 404), over the same scope
(`reports.scope.report_scope`) and with the same filters (`reports.forms.ReportFilterForm`),
from the same selectors. A filter the page would set aside as invalid is a 422 here."""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import field_validator
from pydantic_core import PydanticUseDefault

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.reports import selectors
from caseaudit.reports.forms import ReportFilterForm
from caseaudit.reports.periods import PERIOD_CHOICES
from caseaudit.reports.scope import report_scope_or_404
from caseaudit.reports.tables import Table, plain

from ..api import READ_ERRORS, ApiError
from ..schemas import CaseTypeValue, Id, ReportOut

router = Router(tags=["reports"])

if TYPE_CHECKING:  # built from the choices at run time, which mypy cannot read
    PeriodValue: TypeAlias = str
else:
    PeriodValue = Literal[tuple(key for key, _label in PERIOD_CHOICES)]
MAX_PAGE_NUMBER = 10_000_000


class ReportQuery(Schema):
    """The report pages' filters, by the same names (an empty value is no filter, as on the
    pages' own filter form)."""

    period: PeriodValue | None = Field(
        None,
        description="12m (the last 12 months: the default), this_month, last_month, "
        "this_quarter, last_quarter, this_year, or custom for `start` to `end`. A quick pick "
        "wins over dates.",
    )
    start: dt.date | None = Field(None, description="The first day (with `end`; at most 5 years).")
    end: dt.date | None = Field(None, description="The last day, inclusive.")
    service: Id | None = Field(None, description="A service area in your scope.")
    team: Id | None = Field(None, description="A team in your scope.")
    case_type: CaseTypeValue | None = None
    tool: Id | None = Field(None, description="An audit tool's id.")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_no_filter(cls, value: Any) -> Any:
        if value == "":
            raise PydanticUseDefault()
        return value


class ComplianceQuery(ReportQuery):
    page: int = Field(
        1,
        ge=1,
        le=MAX_PAGE_NUMBER,
        description="The page of the open cases not audited in the last 12 months (25 a page).",
    )


class QualityQuery(ReportQuery):
    theme: Id | None = Field(None, description="A theme's id: the scales of its sections only.")


def _value(value: Any) -> str | int | float | None:
    """A cell or figure as JSON: the value the report's CSV file holds (`tables.plain`: a
    link's text, a date-time's day), a date as YYYY-MM-DD, a decimal as a number."""
    value = plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def _table(table: Table, page: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "description": table.description,
        "note": table.note,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [[_value(cell) for cell in row] for row in table.rows],
        "page": page,
    }


def _report(request: AuthenticatedHttpRequest, name: str, query: ReportQuery) -> dict[str, Any]:
    """As `reports.views`: the user's scope (404 without reports), the filter form on the
    parameters, the report's selector, one entry in the access log."""
    scope = report_scope_or_404(request.user, name)
    today = timezone.localdate()
    data = {
        key: value.isoformat() if isinstance(value, dt.date) else str(value)
        for key, value in query.dict(exclude={"page"}).items()
        if value is not None
    }
    form = ReportFilterForm(data or None, scope=scope, today=today, with_theme=name == "quality")
    if form.is_bound and not form.is_valid():
        errors = [
            {"field": None if field == "__all__" else field, "message": message}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise ApiError(422, "The request is not valid", errors)
    filters = form.filters()
    report = selectors.build_report(
        report=name,
        scope=scope,
        filters=filters,
        today=today,
        page_number=getattr(query, "page", None),
    )
    pages = {}
    page = getattr(report, "not_audited_page", None)  # the compliance report's cases
    if page is not None:
        pages["not-audited"] = {
            "number": page.number,
            "pages": page.paginator.num_pages,
            "count": page.paginator.count,
        }
    access_record(request=request, object_type=AccessObjectType.REPORT, object_id=name)
    return {
        "report": name,
        "scope": scope.label,
        "period": {"start": filters.start, "end": filters.end},
        "figures": {
            key: {k: _value(v) for k, v in value.items()}
            if isinstance(value, dict)
            else _value(value)
            for key, value in report.figures.items()
        },
        "tables": [_table(table, pages.get(table.key)) for table in report.tables],
    }


@router.get(
    "/reports/compliance",
    response={200: ReportOut, **READ_ERRORS},
    summary="Programme compliance report",
)
def report_compliance(
    request: AuthenticatedHttpRequest, filters: Query[ComplianceQuery]
) -> dict[str, Any]:
    """The programme compliance page's figures and tables: audits expected and done by team,
    month, person and service; open cases not audited in the last 12 months (a page at a
    time); carers' audits overdue; closure audits pending. 404 if you have no reports."""
    return _report(request, "compliance", filters)


@router.get(
    "/reports/responses",
    response={200: ReportOut, **READ_ERRORS},
    summary="QA responses and actions report",
)
def report_responses(
    request: AuthenticatedHttpRequest, filters: Query[ReportQuery]
) -> dict[str, Any]:
    """The QA responses page's figures and tables: responses on time, late and outstanding by
    month and team, and restorative actions by team. 404 if you have no reports."""
    return _report(request, "responses", filters)


@router.get(
    "/reports/quality",
    response={200: ReportOut, **READ_ERRORS},
    summary="Practice quality report",
)
def report_quality(
    request: AuthenticatedHttpRequest, filters: Query[QualityQuery]
) -> dict[str, Any]:
    """The practice quality page's figures and tables: scaling by theme, month, team, service
    and section, urgent findings, good practice, family views. 404 if you have no reports."""
    return _report(request, "quality", filters)


@router.get(
    "/reports/findings",
    response={200: ReportOut, **READ_ERRORS},
    summary="Findings report",
)
def report_findings(
    request: AuthenticatedHttpRequest, filters: Query[ReportQuery]
) -> dict[str, Any]:
    """The findings report's figures and tables: the overview, scaling by theme, what is
    working well and what worries the auditors, recommendations, good practice, urgent
    findings. 404 if you have no reports."""
    return _report(request, "findings", filters)
