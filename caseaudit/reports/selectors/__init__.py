"""Reads for the reports: programme compliance, responses, practice quality, the findings
report and the home page's figures. Every figure is scoped to the user (`scope.ReportScope`)
and counted in the database (filtered aggregates grouped by team, service and month): each
report runs a fixed number of queries however many audits, cases and teams there are.

Builders return `tables.Table` rows, which the page, the PDF, the spreadsheet and the CSV
files all show, so the formats never disagree.

A module per report: `compliance`, `responses`, `quality`, `findings` (with `excerpts`, the
auditors' own words, and `summary`, the section scaling they add up), `dashboard` (the home
page), `files` (the user's prepared files) and `build` (a report by its name); `common` holds
what they share. Import from the package: the names below are its interface.
"""

from .build import build_report
from .common import SimpleReport, _midnight, audit_q, completed_audits, month_of
from .compliance import (
    CHART_TEAMS,
    PEOPLE_SHOWN,
    ComplianceReport,
    Tally,
    compliance_counts,
    compliance_report,
    programme_tally,
)
from .dashboard import Figure, dashboard_figures, dashboard_with_counts
from .excerpts import (
    EVERY_ANSWER,
    Candidates,
    _excerpt_candidates,
    _ranked_texts,
    good_practice_table,
    views_table,
)
from .files import report_export_get, report_exports_mine
from .findings import FindingsReport, Recommendation, ThemeFinding, band_of_average, findings_report
from .quality import quality_report
from .responses import responses_report
from .summary import ScaleFacts, scale_facts, section_answers

__all__ = [
    "CHART_TEAMS",
    "EVERY_ANSWER",
    "PEOPLE_SHOWN",
    "Candidates",
    "ComplianceReport",
    "Figure",
    "FindingsReport",
    "Recommendation",
    "ScaleFacts",
    "SimpleReport",
    "Tally",
    "ThemeFinding",
    "_excerpt_candidates",
    "_midnight",
    "_ranked_texts",
    "audit_q",
    "band_of_average",
    "build_report",
    "compliance_counts",
    "compliance_report",
    "completed_audits",
    "dashboard_figures",
    "dashboard_with_counts",
    "findings_report",
    "good_practice_table",
    "month_of",
    "programme_tally",
    "quality_report",
    "report_export_get",
    "report_exports_mine",
    "responses_report",
    "scale_facts",
    "section_answers",
    "views_table",
]
