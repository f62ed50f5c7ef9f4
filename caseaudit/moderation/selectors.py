"""Reads of moderation: the sample's inputs, a user's moderations, the blind view of an audit,
and the agreement figures (`agreement`)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_denied_record
from caseaudit.audit_tools.models import ToolVersion, VersionStatus
from caseaudit.audits.models import Audit, AuditStatus, SectionAnswer
from caseaudit.cases.models import Case
from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Role, Staff
from caseaudit.organisation.roles import AUDITOR_ROLES, MODERATOR_ROLES
from caseaudit.organisation.selectors import staff_for_user

from . import policy
from .models import (
    OPEN_STATUSES,
    CalibrationExercise,
    CalibrationReference,
    CalibrationScore,
    ExerciseStatus,
    Moderation,
    ModerationSample,
    ModerationStatus,
    Referral,
)
from .sampling import Candidate, ReferredAudit

MODERATION_RELATED = (
    "audit",
    "audit__case",
    "audit__case__team",
    "audit__tool_version",
    "audit__tool_version__tool",
    "auditor",
    "moderator",
    "sample",
)


# --- Months ----------------------------------------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of `month` and of the month after, in the authority's time zone."""
    start = month.replace(day=1)
    after = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz),
        timezone.make_aware(dt.datetime.combine(after, dt.time.min), tz),
    )


def quarter_start(month: dt.date) -> dt.date:
    return month.replace(month=(month.month - 1) // 3 * 3 + 1, day=1)


# --- The sample's inputs ---------------------------------------------------------------------


def conflicts_of(audits: Iterable[Audit]) -> dict[int, frozenset[int]]:
    """For each audit (its case, team and worker loaded), who may not moderate it: its
    auditor, the case's worker and their line manager (the Practice Supervisor) and theirs,
    the Team Managers of the case's team, and the CSMs and Assistant Directors of its
    service. Two queries, whatever the number of audits."""
    audits = list(audits)
    teams = {a.case.team_id for a in audits}
    services = {a.case.team.service_area_id for a in audits}
    team_managers: dict[int, set[int]] = defaultdict(set)
    for pk, team_id in Staff.objects.filter(role=Role.TEAM_MANAGER, team_id__in=teams).values_list(
        "pk", "team_id"
    ):
        team_managers[team_id].add(pk)
    service_managers: dict[int, set[int]] = defaultdict(set)
    for pk, area, team_area in Staff.objects.filter(
        Q(service_area_id__in=services) | Q(team__service_area_id__in=services),
        role__in=(Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR),
    ).values_list("pk", "service_area_id", "team__service_area_id"):
        service_managers[area or team_area].add(pk)
    result = {}
    for a in audits:
        case = a.case
        ids = {a.auditor_id, *team_managers[case.team_id]}
        ids |= service_managers[case.team.service_area_id]
        worker = case.allocated_worker
        if worker is not None:
            ids.add(worker.pk)
            if worker.line_manager_id:
                ids.add(worker.line_manager_id)
                if worker.line_manager is not None and worker.line_manager.line_manager_id:
                    ids.add(worker.line_manager.line_manager_id)
        result[a.pk] = frozenset(ids)
    return result


def sample_inputs(*, month: dt.date, keep_sample: ModerationSample | None = None) -> dict[str, Any]:
    """What `sampling.draw_sample` needs for `month`: its completed audits not moderated
    (a draft being generated again counts its own as not moderated: `keep_sample`), the
    auditors already covered this quarter, referrals waiting, the moderator pool and its
    open load."""
    start, after = month_bounds(month)
    own = Q(moderation__sample=keep_sample) if keep_sample is not None else Q(pk__in=[])
    base = Audit.objects.filter(status=AuditStatus.COMPLETED).filter(
        Q(moderation__isnull=True) | own
    )
    related = (
        "case",
        "case__team",
        "case__allocated_worker",
        "case__allocated_worker__line_manager",
        "auditor",
    )
    audits = list(
        base.filter(completed_at__gte=start, completed_at__lt=after).select_related(*related)
    )
    referrals = list(
        Referral.objects.filter(Q(moderation__isnull=True) | Q(moderation__sample=keep_sample))
        .filter(audit__status=AuditStatus.COMPLETED)
        .select_related(*(f"audit__{r}" for r in related), "referred_by")
    )
    conflicts = conflicts_of([*audits, *(r.audit for r in referrals)])
    covered = set(
        Moderation.objects.filter(
            sample__month__gte=quarter_start(month),
            sample__month__lt=month,
            sample__status="confirmed",
        ).values_list("auditor_id", flat=True)
    )
    pool = list(
        Staff.objects.active()
        .filter(role__in=MODERATOR_ROLES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    load = dict(
        Moderation.objects.filter(status__in=OPEN_STATUSES, moderator__isnull=False)
        .values_list("moderator_id")
        .annotate(n=Count("pk"))
        .values_list("moderator_id", "n")
    )

    def candidate(a: Audit) -> Candidate:
        return Candidate(
            audit_id=a.pk, auditor_id=a.auditor_id, case_id=a.case_id, conflicts=conflicts[a.pk]
        )

    names = {a.auditor_id: a.auditor.name for a in audits}
    return {
        "audits": [candidate(a) for a in audits],
        "covered": covered,
        "referred": [
            ReferredAudit(
                candidate=candidate(r.audit),
                referral_id=r.pk,
                why=f"Referred by {r.referred_by.name}: {r.reason}",
            )
            for r in referrals
        ],
        "moderators": pool,
        "load": load,
        "auditor_names": names,
    }


def _pool() -> list[Staff]:
    return list(Staff.objects.active().filter(role__in=MODERATOR_ROLES).order_by("name"))


def eligible_moderators(*, moderation: Moderation) -> list[Staff]:
    """Who may moderate this audit instead (the swap's choices)."""
    conflicts = conflicts_of([moderation.audit])[moderation.audit_id]
    return [s for s in _pool() if s.pk not in conflicts]


def eligible_moderators_for(*, moderations: list[Moderation]) -> dict[int, list[Staff]]:
    """The swap's choices of each moderation (its audit, case, team and worker loaded), in
    three queries whatever their number."""
    if not moderations:
        return {}
    conflicts = conflicts_of([m.audit for m in moderations])
    pool = _pool()
    return {m.pk: [s for s in pool if s.pk not in conflicts[m.audit_id]] for m in moderations}


# --- Samples and moderations -------------------------------------------------------------


def sample_list(*, user: Actor) -> QuerySet[ModerationSample]:
    if not policy.can_run_samples(user):
        return ModerationSample.objects.none()
    return ModerationSample.objects.annotate(
        n=Count("moderations"),
        done=Count("moderations", filter=Q(moderations__status=ModerationStatus.COMPLETED)),
    ).order_by("-month")


def sample_get(*, user: Actor, month: dt.date) -> ModerationSample:
    if not policy.can_run_samples(user):
        raise Http404("No such sample")
    sample = ModerationSample.objects.filter(month=month).first()
    if sample is None:
        raise Http404("No such sample")
    return sample


def sample_rows(*, sample: ModerationSample) -> list[Moderation]:
    return list(
        sample.moderations.select_related(
            *MODERATION_RELATED,
            "audit__case__allocated_worker__line_manager",
        ).order_by("auditor__name", "audit_id")
    )


def moderation_list(*, user: Actor) -> dict[str, list[Moderation]]:
    """The user's moderations: to do (as moderator), done by them, and their own audits that
    were moderated (as auditor)."""
    staff = staff_for_user(user)
    if staff is None:
        return {"to_do": [], "done": [], "mine": []}
    qs = Moderation.objects.select_related(*MODERATION_RELATED).order_by("-sample__month", "pk")
    return {
        "to_do": list(qs.filter(moderator=staff, status__in=OPEN_STATUSES)),
        "done": list(qs.filter(moderator=staff, status=ModerationStatus.COMPLETED)[:50]),
        "mine": list(qs.filter(auditor=staff, status=ModerationStatus.COMPLETED)[:50]),
    }


def moderation_visible_q(user: Actor) -> Q:
    """A filter on Moderation: those the user may open (the same rule as
    `policy.can_view_moderation`)."""
    if policy.can_run_samples(user):
        return Q()
    staff = staff_for_user(user)
    if staff is None:
        return Q(pk__in=[])
    return (Q(moderator=staff) & ~Q(status=ModerationStatus.PROPOSED)) | Q(
        auditor=staff, status=ModerationStatus.COMPLETED
    )


def moderation_get(*, user: Actor, pk: int) -> Moderation:
    """The moderation, if the user may open it; 404 otherwise (logged as denied)."""
    moderation = (
        Moderation.objects.filter(moderation_visible_q(user))
        .select_related(
            *MODERATION_RELATED,
            "audit__case__allocated_worker",
            "completed_by__staff",
        )
        .filter(pk=pk)
        .first()
    )
    if moderation is None:
        case_id = Moderation.objects.filter(pk=pk).values_list("audit__case_id", flat=True).first()
        if case_id is not None:
            access_denied_record(
                user=user, object_type=AccessObjectType.AUDIT, object_id=pk, case_id=case_id
            )
        raise Http404("No such moderation")
    return moderation


def moderation_sections(*, moderation: Moderation) -> list[dict[str, Any]]:
    """The audit's scaled and unscaled sections with the auditor's words, their question
    answers, and the moderator's scale and rationale; the auditor's scale is included (key
    `auditor_scale`) and is to be shown only when `policy.shows_auditor_scales`."""
    audit = moderation.audit
    sections = list(
        audit.tool_version.sections.order_by("order", "pk").prefetch_related("questions")
    )
    answers = {a.section_id: a for a in SectionAnswer.objects.filter(audit_id=audit.pk)}
    questions = {qa.question_id: qa for qa in audit.question_answers.all()}
    mine = {ms.section_id: ms for ms in moderation.sections.all()}
    rows = []
    for s in sections:
        answer = answers.get(s.pk)
        own = mine.get(s.pk)
        rows.append(
            {
                "section": s,
                "answer": answer,
                "questions": [(q, questions[q.pk]) for q in s.questions.all() if q.pk in questions],
                "scale": own.scale if own else None,
                "rationale": own.rationale if own else "",
                "auditor_scale": own.auditor_scale if own and moderation.is_revealed else None,
                "difference": own.difference if own and moderation.is_revealed else None,
                "outcome": own.outcome if own and moderation.is_revealed else "",
                "needs_rationale": bool(
                    own
                    and moderation.is_revealed
                    and own.difference is not None
                    and abs(own.difference) >= 2
                ),
            }
        )
    return rows


def audit_actions(*, moderation: Moderation) -> list:
    return list(moderation.audit.actions.select_related("owner", "section").order_by("order", "pk"))


def referable_audits(*, user: Actor, limit: int = 200) -> QuerySet[Audit]:
    """Completed audits of cases the user sees, not their own, not moderated nor referred:
    what a manager may refer for moderation (newest first)."""
    staff = staff_for_user(user)
    if staff is None or not policy.can_refer(user):
        return Audit.objects.none()
    return (
        Audit.objects.filter(
            status=AuditStatus.COMPLETED,
            case__in=case_visible_qs(user).values("pk"),
            moderation__isnull=True,
        )
        .exclude(auditor=staff)
        .exclude(pk__in=Referral.objects.values("audit_id"))
        .select_related("case", "auditor", "tool_version__tool")
        .order_by("-completed_at")[:limit]
    )


def changed_moderations() -> QuerySet[Moderation]:
    """Completed moderations that changed their audit's overall scale (both scaled)."""
    return (
        Moderation.objects.filter(status=ModerationStatus.COMPLETED)
        .exclude(auditor_overall_scale=None)
        .exclude(overall_scale=None)
        .filter(~Q(overall_scale=F("auditor_overall_scale")))
    )


def grades_changed(*, audits: QuerySet[Audit]) -> int:
    """How many of these audits' overall scales were changed by a completed moderation (the
    reports' "grades changed by moderation" line; an audit has one moderation at most)."""
    return changed_moderations().filter(audit__in=audits.values("pk")).count()


def pick_labels(*, picks: Iterable[Any]) -> dict[str, dict[int, str]]:
    """The authority's own identifiers of a sample's people and cases: staff IDs and case
    references (the command's output)."""
    picks = list(picks)
    staff_ids = {p.auditor_id for p in picks} | {p.moderator_id for p in picks if p.moderator_id}
    case_ids = {p.case_id for p in picks}
    return {
        "staff": dict(Staff.objects.filter(pk__in=staff_ids).values_list("pk", "staff_id")),
        "cases": dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "reference")),
    }


def moderations_for_report(
    *,
    case_q: Q,
    start_at: dt.datetime,
    end_before: dt.datetime,
    tool_id: int | None = None,
    auditor_staff_id: str = "",
) -> QuerySet[Moderation]:
    """The completed moderations of a report: their audits' cases match `case_q` (the
    report's scope and filters, on Moderation: "audit__case__..."), completed in the period."""
    qs = Moderation.objects.filter(
        case_q,
        status=ModerationStatus.COMPLETED,
        completed_at__gte=start_at,
        completed_at__lt=end_before,
    )
    if tool_id is not None:
        qs = qs.filter(audit__tool_version__tool_id=tool_id)
    if auditor_staff_id:
        qs = qs.filter(auditor__staff_id=auditor_staff_id)
    return qs


# --- Calibration -------------------------------------------------------------------------------


def exercise_list(*, user: Actor) -> list[CalibrationExercise]:
    """Every exercise for its editors; the exercises a person is invited to otherwise."""
    qs = CalibrationExercise.objects.select_related("tool_version__tool").annotate(
        n_invited=Count("invited", distinct=True)
    )
    if not policy.can_edit_calibration(user):
        staff = staff_for_user(user)
        if staff is None:
            return []
        qs = qs.filter(invited=staff)
    return list(qs.order_by("-opened_at", "-pk")[:100])


def exercise_get(*, user: Actor, pk: int) -> tuple[CalibrationExercise, set[int]]:
    """The exercise and the ids of the staff invited, if the user may open it; 404 otherwise."""
    exercise = (
        CalibrationExercise.objects.select_related("tool_version__tool").filter(pk=pk).first()
    )
    if exercise is None:
        raise Http404("No such exercise")
    invited = set(exercise.invited.values_list("pk", flat=True))
    if not policy.can_view_exercise(user, invited):
        raise Http404("No such exercise")
    return exercise, invited


def exercise_sections(*, exercise: CalibrationExercise) -> list:
    return list(exercise.tool_version.sections.filter(scaled=True).order_by("order", "pk"))


def invitable_staff() -> QuerySet[Staff]:
    """Who may be invited to a calibration exercise: active staff of the auditing roles."""
    return Staff.objects.active().filter(role__in=AUDITOR_ROLES).order_by("name")


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def exercise_results(*, exercise: CalibrationExercise, staff: Staff | None) -> list[dict[str, Any]]:
    """Per scaled section and overall: everyone's scales (a count at each point), the median,
    the reference, `staff`'s own scale and its distance from the reference (their scale minus
    it)."""
    sections = exercise_sections(exercise=exercise)
    references = dict(exercise.references.values_list("section_id", "scale"))
    scales: dict[int | None, list[int]] = defaultdict(list)
    mine: dict[int | None, int] = {}
    for section_id, staff_id, scale in exercise.scores.values_list(
        "section_id", "staff_id", "scale"
    ):
        scales[section_id].append(scale)
        if staff is not None and staff_id == staff.pk:
            mine[section_id] = scale
    rows = []
    for key, title in [*((s.pk, s.title) for s in sections), (None, "Overall")]:
        values = scales.get(key, [])
        reference = references.get(key)
        own = mine.get(key)
        rows.append(
            {
                "key": key,
                "title": title,
                "counts": [values.count(p) for p in range(11)],
                "n": len(values),
                "median": _median(values),
                "reference": reference,
                "mine": own,
                "distance": own - reference if own is not None and reference is not None else None,
            }
        )
    return rows


def calibration_history(*, staff: Staff) -> list[dict[str, Any]]:
    """A person's calibration over the closed exercises they scored, newest first: their mean
    distance from the reference (or, without one, from everyone's median) over the sections
    and overall, signed (positive: more generous) and absolute."""
    exercises = list(
        CalibrationExercise.objects.filter(status=ExerciseStatus.CLOSED, scores__staff=staff)
        .distinct()
        .order_by("-closed_at", "-pk")[:50]
    )
    scores: dict[int, list[tuple[int | None, int, int]]] = defaultdict(list)
    for exercise_id, section_id, staff_id, scale in CalibrationScore.objects.filter(
        exercise__in=exercises
    ).values_list("exercise_id", "section_id", "staff_id", "scale"):
        scores[exercise_id].append((section_id, staff_id, scale))
    references: dict[int, dict[int | None, int]] = defaultdict(dict)
    for exercise_id, section_id, scale in CalibrationReference.objects.filter(
        exercise__in=exercises
    ).values_list("exercise_id", "section_id", "scale"):
        references[exercise_id][section_id] = scale
    rows = []
    for exercise in exercises:
        by_section: dict[int | None, list[int]] = defaultdict(list)
        own: dict[int | None, int] = {}
        for key, scorer, value in scores[exercise.pk]:
            by_section[key].append(value)
            if scorer == staff.pk:
                own[key] = value
        distances = []
        against = "reference" if references[exercise.pk] else "median"
        for key, scale in own.items():
            target = (
                references[exercise.pk].get(key)
                if against == "reference"
                else _median(by_section[key])
            )
            if target is not None:
                distances.append(scale - target)
        rows.append(
            {
                "exercise": exercise,
                "against": against,
                "mean_difference": round(sum(distances) / len(distances), 2) if distances else None,
                "mean_distance": round(sum(abs(d) for d in distances) / len(distances), 2)
                if distances
                else None,
            }
        )
    return rows


def published_tool_versions() -> list[ToolVersion]:
    """The tools an exemplar may be scored with: each tool's published version."""
    return list(
        ToolVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("tool")
        .order_by("tool__name")
    )
