"""This app's rows of the access-control matrix (caseaudit/core/access_matrix.py explains the
personas and statuses; caseaudit/core/tests/test_access_matrix.py asks them).

The world's moderations are of the Director's audits of the worker's case (the `auditor`
persona is their auditor), moderated by Performance Assurance: `moderation` assigned and not
yet compared (blind), `moderation_done` completed. Administrators run the samples."""

import datetime as dt

from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.core.access_matrix import (
    AUDIT_TEXT_REPORTS,
    EVERY_STAFF,
    GET,
    PERF_ADMIN,
    POST,
    PUT,
    E,
    Entry,
)
from caseaudit.moderation.models import (
    CalibrationExercise,
    CalibrationScore,
    ExerciseStatus,
    Moderation,
    ModerationSample,
    ModerationStatus,
    SampleStatus,
)

MODERATION = {"pk": "@moderation.pk"}
EXERCISE = {"pk": "@exercise.pk"}
INVITED_AND_EDITORS = "404 404 404 404 404 404 404 200 200 200 404 404 302"
EDITORS_302 = "404 404 404 404 404 404 404 302 302 403 404 404 302"
DONE = {"pk": "@moderation_done.pk"}
RUNNERS_302 = "404 404 404 404 404 404 404 302 302 404 404 404 302"
# Managers who may refer an audit (REOPEN_ROLES: TM, CSM, AD, the Director, Performance).
REFERRERS = "404 404 200 200 404 200 404 200 404 200 404 404 302"
# The assigned moderation: its moderator (Performance) and who runs samples (admin); not yet
# its auditor (the Director), who sees it once completed.
MODERATOR_AND_RUNNERS = "404 404 404 404 404 404 404 200 200 404 404 404 302"

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    # statuses: own sup team svc col oth out perf adm aud bs bso anon
    E("moderation_index", GET, EVERY_STAFF,
      note="each person's own moderations; the samples for Performance and administrators"),
    E("moderation_sample_generate", POST, RUNNERS_302,
      note="posted empty: back to the index with the error"),
    E("moderation_sample", GET, PERF_ADMIN, {"month": "@moderation_sample.label"}),
    E("moderation_sample_confirm", POST, RUNNERS_302, {"month": "@moderation_sample.label"},
      note="already confirmed: back to the sample with the message"),
    E("moderation_refer", GET, REFERRERS),
    E("moderation_refer", POST, REFERRERS, note="posted empty: the form again"),
    E("moderation_detail", GET, MODERATOR_AND_RUNNERS, MODERATION,
      note="blind: the auditor does not see it before it is completed"),
    E("moderation_detail", GET, "404 404 404 404 404 404 404 200 200 200 404 404 302",
      DONE, variant="completed", note="completed: its auditor sees the comparison"),
    E("moderation_detail", POST, "404 404 404 404 404 404 404 200 403 404 404 404 302",
      MODERATION, note="only its moderator (posted empty: the form again, with the error)"),
    E("moderation_swap", POST, RUNNERS_302, MODERATION),
    E("moderation_reply", POST, "404 404 404 404 404 404 404 302 403 302 404 404 302",
      DONE, note="the auditor and the moderator; administrators see it but do not reply"),
    E("report_moderation", GET, AUDIT_TEXT_REPORTS),
    E("report_moderation_xlsx", GET, AUDIT_TEXT_REPORTS),
    E("report_moderation_csv", GET, AUDIT_TEXT_REPORTS, {"table": "by-auditor"}),
    E("api:moderation_list", GET, "200 200 200 200 200 200 200 200 200 200 200 200 401"),
    E("api:moderation_detail", GET, "404 404 404 404 404 404 404 200 200 404 404 404 401",
      {"moderation_id": "@moderation.pk"}, note="blind for its moderator until compared"),
    E("api:moderation_save", PUT, "404 404 404 404 404 404 404 200 403 404 404 404 401",
      {"moderation_id": "@moderation.pk"}, data={"revision": "@moderation.revision"}),
    E("api:moderation_complete", POST, "404 404 404 404 404 404 404 422 403 404 404 404 401",
      {"moderation_id": "@moderation.pk"}, note="nothing scaled yet: 422 for its moderator"),
    # calibration: editors (Performance, admin) and the staff invited (the Director here)
    E("calibration_index", GET, EVERY_STAFF, note="each person's exercises and calibration"),
    E("calibration_new", GET, PERF_ADMIN),
    E("calibration_new", POST, PERF_ADMIN, note="posted empty: the form again"),
    E("calibration_exercise", GET, INVITED_AND_EDITORS, EXERCISE),
    E("calibration_exercise", GET, INVITED_AND_EDITORS, {"pk": "@exercise_closed.pk"},
      variant="closed", note="closed: the spread of everyone's scales"),
    E("calibration_exercise", POST, "404 404 404 404 404 404 404 403 403 200 404 404 302",
      EXERCISE, note="the invited score it (posted empty: the form again); editors do not"),
    E("calibration_references", POST, EDITORS_302, EXERCISE),
    E("calibration_close", POST, EDITORS_302, EXERCISE),
    E("api:report_moderation", GET, "404 200 200 200 404 200 404 200 200 200 404 404 401"),
)
# fmt: on


def add_to_world(world) -> None:
    """A confirmed sample of last month holding the world's audit (assigned to Performance
    Assurance) and a second audit of the Director's, its moderation completed."""
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    world.moderation_sample = ModerationSample.objects.create(
        month=month, seed=1, status=SampleStatus.CONFIRMED, confirmed_at=timezone.now()
    )
    world.moderation = Moderation.objects.create(
        sample=world.moderation_sample,
        audit=world.audit,
        auditor=world.director,
        moderator=world.performance,
        why="Chosen for the access matrix.",
        status=ModerationStatus.ASSIGNED,
    )
    done_audit = Audit.objects.create(
        case=world.case,
        tool_version=world.audit.tool_version,
        auditor=world.director,
        reason=world.audit.reason,
        status=AuditStatus.COMPLETED,
        completed_at=timezone.now(),
        overall_scale=6,
    )
    world.moderation_done = Moderation.objects.create(
        sample=world.moderation_sample,
        audit=done_audit,
        auditor=world.director,
        moderator=world.performance,
        why="Chosen for the access matrix.",
        status=ModerationStatus.COMPLETED,
        overall_scale=5,
        auditor_overall_scale=6,
        completed_at=timezone.now(),
    )
    generic = tool_version_published(code="generic")
    world.exercise = CalibrationExercise.objects.create(
        title="Matrix exemplar", summary="Anonymised.", tool_version=generic
    )
    world.exercise.invited.set([world.director])
    world.exercise_closed = CalibrationExercise.objects.create(
        title="Closed exemplar",
        summary="Anonymised.",
        tool_version=generic,
        status=ExerciseStatus.CLOSED,
        closed_at=timezone.now(),
    )
    world.exercise_closed.invited.set([world.director])
    CalibrationScore.objects.create(
        exercise=world.exercise_closed, staff=world.director, section=None, scale=6
    )
