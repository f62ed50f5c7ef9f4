"""Writes of the reports app: keeping the report summaries (`models.ScaleSummary` and its
sum over the teams `models.AuthorityScaleSummary`, `models.GradeSummary`,
`models.AuditorSummary`, and the responses app's `ActionSummary` of restorative actions)
current.

- `summary_rebuild()`: recount every summary from the audits in one transaction (an
  INSERT ... SELECT each), and mark each built. Nightly, after seeding, and after anything
  that marked them stale.
- `summary_add_audit(audit, sign)`: add (+1) a just-completed audit to each summary that is
  built, or take it away (-1) when it is reopened, in the caller's transaction. A summary
  that is not built is left alone (reports read the live tables then). The actions'
  summary is kept by the responses app (`responses.action_summary`: audits counted in and
  out by `workflows.audits`, each change of an action's state by its service); here it is
  only rebuilt and marked built.
- `summary_regrade(audit_id, before, after)`: a completed audit's overall scale changed (a
  moderation set its final grade: `workflows.moderation`), in the caller's transaction.
- Stale: something moved counts between teams or case types, or removed audits (a case
  import, an erasure: `cases.services.cases_regrouped` moves the case register's grouping
  version on). A summary counted at an older version is not current: reports read the live
  tables until `summary_catch_up()` (a periodic job, every few minutes) rebuilds it.
"""

import datetime as dt
import logging
import time
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Aggregate, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus, SectionAnswer
from caseaudit.cases.models import CaseGrouping, case_grouping_version
from caseaudit.core.counters import increment
from caseaudit.core.typing import User
from caseaudit.moderation.selectors import changed_moderations
from caseaudit.programme.models import Allocation
from caseaudit.responses import action_summary
from caseaudit.responses.action_summary import action_summary_rows
from caseaudit.responses.models import ActionSummary

from .models import (
    GRADE_COLUMNS,
    SCALE_POINTS,
    TEXT_FIELDS,
    TEXT_PREFIXES,
    AuditorSummary,
    AuthorityScaleSummary,
    ExportStatus,
    GradeSummary,
    ReportExport,
    ScaleSummary,
    SummaryState,
)

logger = logging.getLogger(__name__)

# The summaries, by their `SummaryState` names. Each has a state of its own, so a summary
# added by a migration reads as "not built" (the live path) until its first rebuild.
SCALE = "scale"
AUTHORITY_SCALE = "authority_scale"  # the scale summary's rows added up over the teams
GRADES = "grades"
AUDITORS = "auditors"
# The restorative actions' summary (`responses.models.ActionSummary`): the responses app keeps
# its counts as actions change state, whether built or not; it is recounted and marked built
# here with the others.
ACTIONS = "actions"
SUMMARIES = (SCALE, AUTHORITY_SCALE, GRADES, AUDITORS, ACTIONS)


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


def _completed_month(field_name: str) -> TruncMonth:
    """The month (its first day, in the authority's time zone) an audit was completed in."""
    return TruncMonth(field_name, output_field=DateField(), tzinfo=timezone.get_current_timezone())


def _grouped_answers(audits: Q) -> QuerySet[SectionAnswer, Any]:
    """Scaled sections of completed audits matching `audits` (a filter on SectionAnswer),
    grouped as the summary is: month of completion, case team, case type, section. The
    values come out in ScaleSummary's column order."""
    return (
        SectionAnswer.objects.filter(audit__status=AuditStatus.COMPLETED, scale__isnull=False)
        .filter(audits)
        .values(
            summary_month=_completed_month("audit__completed_at"),
            summary_team=F("audit__case__team_id"),
            summary_case_type=F("audit__case__case_type"),
            summary_section=F("section_id"),
        )
        .annotate(**summary_counts())
        .order_by()
    )


def _authority_rows() -> QuerySet[ScaleSummary, Any]:
    """ScaleSummary's rows added up by month, case type and section, in
    AuthorityScaleSummary's column order (the sums named apart from the fields they add)."""
    return (
        ScaleSummary.objects.values("month", "case_type", "section_id")
        .annotate(**{f"sum_{name}": Sum(name) for name in COUNT_COLUMNS})
        .order_by("month")
    )


def _grouped_grades() -> QuerySet[Audit, Any]:
    """Completed audits grouped as GradeSummary is, in its column order: how many, and how
    many at each point of the overall scale."""
    return (
        Audit.objects.filter(status=AuditStatus.COMPLETED)
        .values(
            summary_month=_completed_month("completed_at"),
            summary_team=F("case__team_id"),
            summary_case_type=F("case__case_type"),
            summary_tool=F("tool_version__tool_id"),
        )
        .annotate(
            audits=Count("pk"),
            **{f"o{point}": Count("pk", filter=Q(overall_scale=point)) for point in SCALE_POINTS},
            regraded=Count("pk", filter=Q(Exists(_changed_moderation()))),
        )
        .order_by()
    )


def _changed_moderation() -> QuerySet[Any]:
    """The audit's completed moderation that changed its overall scale (for an Exists)."""
    return changed_moderations().filter(audit=OuterRef("pk"))


def unallocated_audits() -> QuerySet[Audit]:
    """Completed audits that no programme allocation asked for: the compliance report's
    "other audits". NOT EXISTS rather than `allocation__isnull=True`: PostgreSQL estimates
    the latter's LEFT JOIN ... IS NULL at one row and nests a loop over staff."""
    return Audit.objects.filter(status=AuditStatus.COMPLETED).filter(
        ~Exists(Allocation.objects.filter(audit=OuterRef("pk")))
    )


def _grouped_other_audits() -> QuerySet[Audit, Any]:
    """`unallocated_audits` grouped as AuditorSummary is, in its column order."""
    return (
        unallocated_audits()
        .values(
            summary_month=_completed_month("completed_at"),
            summary_auditor=F("auditor_id"),
            summary_case_type=F("case__case_type"),
            summary_tool=F("tool_version__tool_id"),
        )
        .annotate(other=Count("pk"))
        .order_by()
    )


def _refill(model: type[models.Model], names: tuple[str, ...], rows: QuerySet[Any, Any]) -> int:
    """Empty a summary table and fill it with `rows` (the columns `names`, in the order of
    `rows`' SELECT) in one INSERT ... SELECT; returns the rows written."""
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in names)
    select_sql, params = rows.query.sql_with_params()
    model._default_manager.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", params)  # nosec B608
        if connection.vendor == "postgresql":
            # Fresh planner statistics for the new rows (this transaction's own count), so
            # the reports' first queries are not planned on an empty table's.
            cursor.execute(f"ANALYZE {table}")
    return model._default_manager.count()


def summary_rebuild() -> int:
    """Recount every summary from the audits; returns the number of scale summary rows."""
    started = time.monotonic()
    with transaction.atomic():
        # Taken first so a completion running meanwhile waits, then counts itself in.
        list(SummaryState.objects.select_for_update().filter(name__in=SUMMARIES))
        # Read before the counting: cases regrouped after this read make the new tables
        # stale at once (a needless rebuild at worst, never a stale table taken as current).
        version = (
            CaseGrouping.objects.filter(pk=CaseGrouping.ROW)
            .values_list("version", flat=True)
            .first()
            or 0
        )
        # Written in month order: a report's period is then a run of neighbouring pages.
        rows = _refill(
            ScaleSummary,
            ("month", "team_id", "case_type", "section_id", *COUNT_COLUMNS),
            # summary_month is the grouped query's own annotation, which the stubs cannot see.
            _grouped_answers(Q()).order_by("summary_month"),  # type: ignore[misc]
        )
        # Added up from the team rows just written: the same counts, whatever the teams.
        _refill(
            AuthorityScaleSummary,
            ("month", "case_type", "section_id", *COUNT_COLUMNS),
            _authority_rows(),
        )
        _refill(
            GradeSummary,
            ("month", "team_id", "case_type", "tool_id", "audits", *GRADE_COLUMNS, "regraded"),
            _grouped_grades().order_by("summary_month"),  # type: ignore[misc]
        )
        auditor_rows = _refill(
            AuditorSummary,
            ("month", "auditor_id", "case_type", "tool_id", "other"),
            _grouped_other_audits().order_by("summary_month"),  # type: ignore[misc]
        )
        if connection.vendor == "postgresql":
            # The actions' counts move without the states' lock (`action_summary`): a move
            # committed before this waits for nothing and is counted below; one under way
            # finishes first; one starting now waits and moves the counts once rebuilt.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {ActionSummary._meta.db_table} IN EXCLUSIVE MODE")
        action_rows = _refill(ActionSummary, action_summary.COLUMNS, action_summary_rows())
        seconds = time.monotonic() - started
        for name in SUMMARIES:
            SummaryState.objects.update_or_create(
                name=name,
                defaults={
                    "built_at": timezone.now(),
                    "seconds": seconds,
                    "grouping_version": version,
                },
            )
    logger.info(
        "report summaries rebuilt: %s scale rows, %s auditor rows, %s action rows in %.1fs"
        " (and the grades' summary)",
        rows,
        auditor_rows,
        action_rows,
        seconds,
    )
    return rows


def _current() -> QuerySet[SummaryState]:
    """The summaries complete and counted at the case register's grouping version."""
    return SummaryState.objects.filter(grouping_version=case_grouping_version())


def summary_is_built(*, name: str = SCALE) -> bool:
    """Whether the summary `name` (`SUMMARIES`) is complete and current."""
    return _current().filter(name=name).exists()


def summaries_built(*, names: tuple[str, ...]) -> set[str]:
    """Which of the summaries `names` are complete and current (one query)."""
    return set(_current().filter(name__in=names).values_list("name", flat=True))


def summary_all_built() -> bool:
    """Whether every summary is complete and current (one query)."""
    return _current().filter(name__in=SUMMARIES).count() == len(SUMMARIES)


def summary_catch_up() -> str:
    """Rebuild the summaries if any is not current (cases regrouped since, or never built):
    the periodic job's body. One query when they are current."""
    if summary_all_built():
        return "The report summaries are current."
    rows = summary_rebuild()
    return f"The report summaries were stale and are rebuilt ({rows} scale rows)."


def summary_add_audit(*, audit: Audit, completed_at: dt.datetime, sign: int) -> None:
    """Count a completed audit in (sign=+1) or out (sign=-1) of each summary that is built,
    under the month it was completed in. Runs in the caller's transaction."""
    built = set(SummaryState.objects.filter(name__in=SUMMARIES).values_list("name", flat=True))
    if not built:
        return
    month = timezone.localtime(completed_at).date().replace(day=1)
    if SCALE in built or AUTHORITY_SCALE in built:
        _add_scales(audit, month, sign, built)
    if GRADES in built:
        key, point, regraded = _grade_key(audit.pk, month)
        change = {"audits": sign, **({f"o{point}": sign} if point is not None else {})}
        if regraded:  # counted in or out with its moderation's change of grade
            change["regraded"] = sign
        increment(GradeSummary, key, change)
    if AUDITORS in built:
        _add_other_audit(audit, month, sign)


def _add_scales(audit: Audit, month: dt.date, sign: int, built: set[str]) -> None:
    """The audit's scaled sections, into the team's rows and the authority's (those built).
    In the order of the sections: completions at once lock the authority's rows, which
    every team shares, in the same order, so one waits for the other, never both."""
    case = audit.case
    answers = (
        SectionAnswer.objects.filter(audit_id=audit.pk, scale__isnull=False)
        .values("section_id", "scale", *TEXT_FIELDS)
        .order_by("section_id")
    )
    for answer in answers:
        key = {"month": month, "case_type": case.case_type, "section_id": answer["section_id"]}
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
        if SCALE in built:
            increment(ScaleSummary, {**key, "team_id": case.team_id}, change)
        if AUTHORITY_SCALE in built:
            increment(AuthorityScaleSummary, key, change)


def summary_regrade(*, audit_id: int, before: int | None, after: int | None) -> None:
    """A completed audit's overall scale went from `before` to `after` (a moderation set its
    final grade): move it between the points of the grades' summary, if built. Runs in the
    caller's transaction."""
    if before == after or not SummaryState.objects.filter(name=GRADES).exists():
        return
    completed_at = Audit.objects.values_list("completed_at", flat=True).get(pk=audit_id)
    key, _point, _regraded = _grade_key(audit_id, timezone.localtime(completed_at).date())
    change: dict[str, int] = {}
    for point, sign in ((before, -1), (after, +1)):
        if point is not None:
            change[f"o{point}"] = sign
    if before is not None and after is not None:  # as `changed_moderations` counts it
        change["regraded"] = 1
    increment(GradeSummary, key, change)


def _grade_key(audit_id: int, day: dt.date) -> tuple[dict[str, Any], int | None, bool]:
    """The audit's row of the grades summary (the month of `day`, its case's team and type and
    its tool, as they are now), its overall scale, and whether a completed moderation changed
    that scale."""
    row = (
        Audit.objects.filter(pk=audit_id)
        .values("case__team_id", "case__case_type", "tool_version__tool_id", "overall_scale")
        .annotate(regraded=Exists(_changed_moderation()))
        .get()
    )
    key = {
        "month": day.replace(day=1),
        "team_id": row["case__team_id"],
        "case_type": row["case__case_type"],
        "tool_id": row["tool_version__tool_id"],
    }
    return key, row["overall_scale"], row["regraded"]


def _add_other_audit(audit: Audit, month: dt.date, sign: int) -> None:
    """An audit no allocation asked for is an "other audit" of its auditor's (one query to
    find out, with its case's type and its tool, as they are now)."""
    row = (
        Audit.objects.filter(pk=audit.pk)
        .values("auditor_id", "case__case_type", "tool_version__tool_id")
        .annotate(allocated=Exists(Allocation.objects.filter(audit=OuterRef("pk"))))
        .get()
    )
    if row["allocated"]:
        return
    key = {
        "month": month,
        "auditor_id": row["auditor_id"],
        "case_type": row["case__case_type"],
        "tool_id": row["tool_version__tool_id"],
    }
    increment(AuditorSummary, key, {"other": sign})


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
