"""The user's own prepared report files (`reports.files`)."""

import uuid

from django.http import Http404
from django.utils import timezone

from caseaudit.core.typing import User

from ..models import ReportExport
from ..services import EXPORT_KEPT


def report_export_get(*, user: User, pk: uuid.UUID | str) -> ReportExport:
    """The user's own report file, not yet past its day (its content deferred): anyone
    else's is a 404, managers' and administrators' included."""
    export = (
        ReportExport.objects.defer("content")
        .filter(pk=pk, user=user, created_at__gte=timezone.now() - EXPORT_KEPT)
        .first()
    )
    if export is None:
        raise Http404("No such file")
    return export


def report_exports_mine(*, user: User, report: str, limit: int = 5) -> list[ReportExport]:
    """The user's own files of a report asked for in the last EXPORT_KEPT, newest first
    (their content deferred): listed on the report page, so that someone who left the page
    while a file was prepared finds it again."""
    return list(
        ReportExport.objects.defer("content")
        .filter(user=user, report=report, created_at__gte=timezone.now() - EXPORT_KEPT)
        .order_by("-created_at")[:limit]
    )
