"""A report's data by its name: the one door the pages, the files and the API go through."""

import datetime as dt
from collections.abc import Collection

from django.http import Http404

from ..scope import ReportFilters, ReportScope
from .common import SimpleReport
from .compliance import ComplianceReport, compliance_report
from .family_voice import family_voice_figures, family_words_table
from .findings import FindingsReport, findings_report
from .quality import quality_report
from .responses import responses_report

# The quality report's tables of the family's voice (`family_voice_figures`).
FAMILY_VOICE_TABLES = ("family-voice-teams", "family-voice-themes")


def build_report(
    *,
    report: str,
    scope: ReportScope,
    filters: ReportFilters,
    today: dt.date,
    full: bool = False,
    page_number: int | str | None = None,
    only: Collection[str] | None = None,
) -> ComplianceReport | SimpleReport | FindingsReport:
    """A report's data by its name, for the pages, the files and the API (`full`: every row,
    as files have them; `page_number`: the compliance report's page of cases not audited;
    `only`: just the tables of these keys, with the figures they come with, for a tab).
    404 for a report the scope does not list (Business Support: practice quality, findings)."""
    if report not in scope.reports:
        raise Http404("No such report")
    if report == "compliance":
        return compliance_report(
            scope=scope,
            filters=filters,
            today=today,
            full=full,
            page_number=page_number,
            only=only,
        )
    if report == "responses":
        return responses_report(scope=scope, filters=filters, today=today)
    if report == "quality":
        quality = quality_report(scope=scope, filters=filters, today=today, full=full, only=only)
        if only is None or any(key in only for key in FAMILY_VOICE_TABLES):
            voice = family_voice_figures(
                scope=scope, filters=filters, today=today
            )  # caseaudit.feedback
            quality.tables.extend(voice.pop("tables"))
            quality.extra["family_voice"] = voice
        return quality
    if report == "findings":
        findings = findings_report(scope=scope, filters=filters, today=today, only=only)
        if only is None or "family-words" in only:
            findings.tables.append(family_words_table(scope=scope, filters=filters, full=full))
        return findings
    raise Http404("No such report")
