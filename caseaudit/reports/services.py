"""Writes of the reports app: keeping the scale summary (`models.ScaleSummary`) current.

- `summary_rebuild()`: recount everything from the audits in one transaction (one
  INSERT ... SELECT), and mark the summary built. Nightly, after seeding, and after anything
  that marked it stale.
- `summary_add_audit(audit, sign)`: add (+1) a just-completed audit's sections to the summary,
  or take them away (-1) when it is reopened, in the caller's transaction. Nothing happens
  while the summary is not built (reports read the live tables then).
- `summary_mark_stale()`: something moved counts between teams or removed audits; reports
  read the live tables until the next rebuild, which is queued as a background task.
"""

import datetime as dt
import logging
import time
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Aggregate, Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus, SectionAnswer
from caseaudit.core.typing import User

from .models import (
    SCALE_POINTS,
    TEXT_FIELDS,
    TEXT_PREFIXES,
    ExportStatus,
    ReportExport,
    ScaleSummary,
    SummaryState,
)

logger = logging.getLogger(__name__)

SCALE = "scale"


def summary_counts() -> dict[str, Aggregate]:
    """The aggregates of a group of scaled section answers, named as ScaleSummary's columns
    (in the order of its INSERT). The totals of written columns come last: an aggregate's
    filter naming "working_well" would otherwise mean the aggregate of that name, not the
    field."""
    return {
        "n": Count("pk"),
        "total": Sum("scale"),
        **{f"s{point}": Count("pk", filter=Q(scale=point)) for point in SCALE_POINTS},
        **{
            f"{TEXT_PREFIXES[name]}{point}": Count("pk", filter=Q(scale=point) & ~Q(**{name: ""}))
            for name in TEXT_FIELDS
            for point in SCALE_POINTS
        },
        **{name: Count("pk", filter=~Q(**{name: ""})) for name in TEXT_FIELDS},
    }


COUNT_COLUMNS = tuple(summary_counts())


def _grouped_answers(audits: Q) -> QuerySet[SectionAnswer, Any]:
    """Scaled sections of completed audits matching `audits` (a filter on SectionAnswer),
    grouped as the summary is: month of completion, case team, case type, section. The
    values come out in ScaleSummary's column order."""
    month = TruncMonth(
        "audit__completed_at", output_field=DateField(), tzinfo=timezone.get_current_timezone()
    )
    return (
        SectionAnswer.objects.filter(audit__status=AuditStatus.COMPLETED, scale__isnull=False)
        .filter(audits)
        .values(
            summary_month=month,
            summary_team=F("audit__case__team_id"),
            summary_case_type=F("audit__case__case_type"),
            summary_section=F("section_id"),
        )
        .annotate(**summary_counts())
        .order_by()
    )


def summary_rebuild() -> int:
    """Recount the whole summary from the audits; returns the number of summary rows."""
    started = time.monotonic()
    table = ScaleSummary._meta.db_table
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in ("month", "team_id", "case_type", "section_id", *COUNT_COLUMNS)
    )
    select_sql, params = _grouped_answers(Q()).query.sql_with_params()
    with transaction.atomic():
        # Taken first so a completion running meanwhile waits, then counts itself in.
        SummaryState.objects.select_for_update().filter(name=SCALE).first()
        ScaleSummary.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", params)  # nosec B608
        rows = ScaleSummary.objects.count()
        seconds = time.monotonic() - started
        SummaryState.objects.update_or_create(
            name=SCALE, defaults={"built_at": timezone.now(), "seconds": seconds}
        )
    logger.info("scale summary rebuilt: %s rows in %.1fs", rows, seconds)
    return rows


def summary_is_built() -> bool:
    return SummaryState.objects.filter(name=SCALE).exists()


def summary_add_audit(*, audit: Audit, completed_at: dt.datetime, sign: int) -> None:
    """Count a completed audit's scaled sections in (sign=+1) or out (sign=-1) of the summary,
    under the month it was completed in. Runs in the caller's transaction."""
    if not summary_is_built():
        return
    month = timezone.localtime(completed_at).date().replace(day=1)
    case = audit.case
    answers = SectionAnswer.objects.filter(audit_id=audit.pk, scale__isnull=False).values(
        "section_id", "scale", *TEXT_FIELDS
    )
    for answer in answers:
        key = {
            "month": month,
            "team_id": case.team_id,
            "case_type": case.case_type,
            "section_id": answer["section_id"],
        }
        change = {
            "n": sign,
            "total": sign * answer["scale"],
            f"s{answer['scale']}": sign,
            **{name: sign for name in TEXT_FIELDS if answer[name]},
            **{
                f"{TEXT_PREFIXES[name]}{answer['scale']}": sign
                for name in TEXT_FIELDS
                if answer[name]
            },
        }
        _increment(key, change)


def _increment(key: dict[str, Any], change: dict[str, int]) -> None:
    updates = {name: F(name) + value for name, value in change.items()}
    if ScaleSummary.objects.filter(**key).update(**updates):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert of the same row wins
            ScaleSummary.objects.create(**key, **change)
    except IntegrityError:
        ScaleSummary.objects.filter(**key).update(**updates)


def summary_mark_stale(*, reason: str) -> None:
    """The summary no longer matches the audits: reports read the live tables until it is
    rebuilt, which is queued to run once this transaction commits."""
    if not SummaryState.objects.filter(name=SCALE).delete()[0]:
        return
    logger.info("scale summary marked stale: %s", reason)

    def queue() -> None:
        from .tasks import summary_rebuild_task

        summary_rebuild_task.enqueue()

    transaction.on_commit(queue)


# --- Report files prepared in the background -----------------------------------------------

EXPORT_KEPT = dt.timedelta(hours=24)


def export_request(
    *, user: User, report: str, params: str, file_format: str = "pdf"
) -> ReportExport:
    """Ask for a report file (`files.PREPARED_FILES`) to be prepared in the background for
    `user`; older files (of anyone) past EXPORT_KEPT are deleted on the way. The task is
    queued once this commits."""
    from .files import PREPARED_FILES
    from .tasks import export_build_task

    if (report, file_format) not in PREPARED_FILES:
        raise ValueError(f"No background {file_format} file for the {report} report")
    with transaction.atomic():
        export_purge()
        export = ReportExport.objects.create(
            user=user, report=report, file_format=file_format, params=params[:2000]
        )
        transaction.on_commit(lambda: export_build_task.enqueue(export_id=str(export.pk)))
    return export


def export_purge() -> int:
    """Delete every prepared file (of anyone) asked for more than EXPORT_KEPT ago: on each
    new request and nightly (`refresh_report_summary`), so none outlives its day by long."""
    return ReportExport.objects.filter(created_at__lt=timezone.now() - EXPORT_KEPT).delete()[0]


def export_build(*, export_id: str) -> str:
    """Build a queued file as the user who asked for it (their scope as it is now). Safe to
    run twice: a file that is no longer queued is left alone."""
    from django.http import Http404, QueryDict

    from .files import report_file_for

    export = (
        ReportExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED)
        .select_related("user")
        .first()
    )
    if export is None:
        return "not queued"
    now = timezone.now()
    try:
        if not export.user.is_active:
            raise Http404("The account is disabled")
        content, filename = report_file_for(
            user=export.user,
            report=export.report,
            file_format=export.file_format,
            params=QueryDict(export.params),
            today=timezone.localdate(now),
            now=timezone.localtime(now),
        )
    except Http404:
        return _export_failed(export, "Reports are no longer available to this account.")
    except Exception:
        logger.exception("report export %s failed", export.pk)
        _export_failed(export, "The file could not be made. Try again, or tell the service desk.")
        raise
    ReportExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.READY,
        content=content,
        filename=filename,
        finished_at=timezone.now(),
    )
    return "ready"


def _export_failed(export: ReportExport, error: str) -> str:
    ReportExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.FAILED, error=error, finished_at=timezone.now()
    )
    return "failed"
