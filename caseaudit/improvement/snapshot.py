"""A findings report's computed part as plain JSON: the figures, the auditors' words by theme
(anonymised excerpts), the generated suggestions and the tables. A draft's is computed when
it is shown; a published report's is stored as it was on the day it was published, so the
page, the PDF, the Word file and the API show the same fixed version.

Built from `caseaudit.reports.selectors.findings_report` (the findings report's own reads):
nothing is counted twice or differently here.
"""

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from caseaudit.reports.periods import CUSTOM
from caseaudit.reports.scope import ReportFilters, ReportScope
from caseaudit.reports.selectors import FindingsReport as ComputedReport
from caseaudit.reports.selectors import findings_report
from caseaudit.reports.tables import Link, Table, plain

from .models import FindingsReport, ScopeKind

SNAPSHOT_VERSION = 1
# The computed report's tables a findings report keeps (the words by theme and the
# suggestions are kept in their own shape).
TABLES_KEPT = ("overall-bands", "themes", "good-practice", "urgent")


def filters_for(report: FindingsReport) -> ReportFilters:
    """The report's period and scope as the findings report's filters."""
    return ReportFilters(
        start=report.period_start,
        end=report.period_end,
        period=CUSTOM,
        service=report.service if report.scope_kind == ScopeKind.SERVICE else None,
        team=report.team if report.scope_kind == ScopeKind.TEAM else None,
    )


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _excerpts(items) -> list[dict[str, Any]]:
    return [
        {
            "case": link.text,
            "url": link.url if isinstance(link, Link) else "",
            "text": text,
            "scale": scale,
        }
        for link, text, scale in items
    ]


def _table(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "description": table.description,
        "columns": [
            {"label": c.label, "kind": c.kind, "numeric": c.numeric} for c in table.columns
        ],
        "rows": [[_cell(v) for v in row] for row in table.rows],
    }


def snapshot_of(data: ComputedReport, *, filters: ReportFilters, today: dt.date) -> dict:
    """The computed findings report as JSON-ready data."""
    return _json(
        {
            "version": SNAPSHOT_VERSION,
            "computed_on": today.isoformat(),
            "period": {
                "start": filters.start.isoformat(),
                "end": filters.end.isoformat(),
                "label": filters.label,
            },
            "figures": data.figures,
            "bands": [{"name": b.name, "min": b.min_score, "max": b.max_score} for b in data.bands],
            "themes": [
                {
                    "theme": t.theme,
                    "n": t.n,
                    "average": t.average,
                    "band": t.band.name if t.band else "",
                    "working_well_count": t.working_well_count,
                    "worried_count": t.worried_count,
                    "working_well": _excerpts(t.working_well),
                    "worries": _excerpts(t.worries),
                }
                for t in data.themes
            ],
            "suggestions": [
                {
                    "theme": r.theme,
                    "average": r.average,
                    "band": r.band.name if r.band else "",
                    "reason": r.reason,
                    "needs": _excerpts(r.needs),
                }
                for r in data.recommendations
            ],
            "tables": [_table(t) for t in data.tables if t.key in TABLES_KEPT],
        }
    )


def compute_snapshot(*, report: FindingsReport, scope: ReportScope, today: dt.date) -> dict:
    """The report's figures computed now, over `scope` (the reader's reporting scope, which
    covers the report's: `policy`) narrowed to the report's service or team."""
    filters = filters_for(report)
    return snapshot_of(
        findings_report(scope=scope, filters=filters, today=today), filters=filters, today=today
    )
