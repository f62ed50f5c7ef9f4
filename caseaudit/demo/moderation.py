"""A year of moderation in the demo county, with a realistic optimism gap.

Each of the last twelve months' samples is drawn by the moderation's own engine
(`moderation.services.sample_generate`, as Performance Assurance's demo login), then written as
done: the months before last confirmed and moderated, last month's confirmed through
`sample_confirm` with its moderations still to do (the demo moderators have work waiting).

The moderators' scales: most auditors agree with their moderators within a point; some are
consistently one point generous and a few two (`GENEROSITY`), so the moderation report shows an
optimism gap by auditor. A moderated overall scale that differs becomes the audit's final grade,
as `moderation_complete` does. Two closed calibration exercises (their scales as generous as
the same people's audits) and an open one for the demo logins to score. Deterministic from the
seed; skipped when any sample exists.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits.models import Audit, SectionAnswer
from caseaudit.moderation import services
from caseaudit.moderation.models import (
    CalibrationExercise,
    CalibrationReference,
    CalibrationScore,
    ExerciseStatus,
    Moderation,
    ModerationSample,
    ModerationSection,
    ModerationStatus,
    SampleStatus,
)
from caseaudit.organisation.models import Role, Staff
from caseaudit.organisation.roles import AUDITOR_ROLES

from .authority import demo_email

# How much more generous than their moderators auditors are: (points, share of auditors).
GENEROSITY = ((0, 0.6), (1, 0.25), (2, 0.15))
MONTHS = 12


def _month_back(month: dt.date, n: int) -> dt.date:
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def _generosity(rng: random.Random) -> int:
    roll, total = rng.random(), 0.0
    for points, share in GENEROSITY:
        total += share
        if roll < total:
            return points
    return 0


def _clamp(value: int) -> int:
    return max(0, min(10, value))


def moderation_demo(*, today: dt.date, rng_seed: int) -> dict[str, int]:
    if ModerationSample.objects.exists():
        return {}
    performance = (
        Staff.objects.filter(role=Role.PERFORMANCE, user__email=demo_email(Role.PERFORMANCE))
        .select_related("user")
        .first()
    )
    user = performance.user if performance else None
    rng = random.Random(rng_seed)  # nosec B311  # demo data
    generous: dict[int, int] = {}
    this_month = today.replace(day=1)
    made = {"moderation samples": 0, "moderations completed": 0, "grades changed": 0}
    with transaction.atomic():
        for back in range(MONTHS, 0, -1):
            month = _month_back(this_month, back)
            sample = services.sample_generate(
                month=month, by=user, seed=rng_seed + back, share=services.DEFAULT_SHARE
            )
            made["moderation samples"] += 1
            if back == 1:  # last month's: confirmed, still to moderate
                if (
                    user is not None
                    and not sample.moderations.filter(moderator__isnull=True).exists()
                ):
                    services.sample_confirm(sample=sample, by=user)
                continue
            done = _moderate(sample, month=month, today=today, rng=rng, generous=generous)
            made["moderations completed"] += done[0]
            made["grades changed"] += done[1]
        if user is not None:
            made["calibration exercises"] = _calibration(
                user=user, today=today, rng=rng, generous=generous
            )
    return made


EXEMPLARS = (
    (
        "Child A: drift in a child in need plan",
        "A nine-year-old lives with their mother and two younger siblings. The plan was made "
        "five months ago; two of its four actions have no date, the school has not been to a "
        "meeting since the first, and the child was last seen alone eleven weeks ago. The "
        "record shows warm relationships with the mother and good attendance.",
    ),
    (
        "Young person B: a placement under strain",
        "A fifteen-year-old, looked after for two years, is in their third placement. Visits "
        "are on time and the young person's words are recorded; the care plan does not say "
        "how the risk of going missing is reduced, and the health assessment is overdue.",
    ),
    (
        "Baby C: pre-birth assessment",
        "A pre-birth assessment completed a week before the birth. The father's history is "
        "noted but not assessed; the family network is described well; the safety plan names "
        "who will help and when.",
    ),
)


def _calibration(*, user, today, rng, generous) -> int:
    """Two closed exercises (a month apart, with the panel's references and the invited
    auditors' scales, each as generous as in moderation) and an open one inviting the demo
    logins that audit."""
    version = tool_version_published(code="generic")
    if version is None:
        return 0
    sections = list(version.sections.filter(scaled=True).order_by("order"))
    auditors = list(
        Staff.objects.active().filter(pk__in=list(generous)).order_by("pk")[:12]
    ) or list(Staff.objects.active().filter(role__in=AUDITOR_ROLES).order_by("pk")[:12])
    for back, (title, summary) in zip((2, 1), EXEMPLARS[:2], strict=True):
        when = timezone.make_aware(
            dt.datetime.combine(_month_back(today.replace(day=1), back), dt.time(10))
        )
        exercise = CalibrationExercise.objects.create(
            title=title,
            summary=summary,
            tool_version=version,
            status=ExerciseStatus.CLOSED,
            opened_at=when,
            opened_by=user,
            closed_at=when + dt.timedelta(days=14),
            closed_by=user,
        )
        exercise.invited.set(auditors)
        reference = {s.pk: rng.randint(3, 7) for s in sections} | {None: rng.randint(3, 6)}
        CalibrationReference.objects.bulk_create(
            [
                CalibrationReference(exercise=exercise, section_id=k, scale=v)
                for k, v in reference.items()
            ]
        )
        CalibrationScore.objects.bulk_create(
            [
                CalibrationScore(
                    exercise=exercise,
                    staff=staff,
                    section_id=key,
                    scale=_clamp(value + generous.get(staff.pk, 0) + rng.choice((-1, 0, 0, 1))),
                    submitted_at=when + dt.timedelta(days=3),
                )
                for staff in auditors
                for key, value in reference.items()
            ]
        )
    invited = list(
        Staff.objects.filter(
            user__email__in=[
                demo_email(r)
                for r in (
                    Role.PRACTICE_SUPERVISOR,
                    Role.TEAM_MANAGER,
                    Role.SERVICE_MANAGER,
                    Role.AUDITOR,
                )
            ]
        )
    )
    if invited:
        title, summary = EXEMPLARS[2]
        services.exercise_create(
            title=title, summary=summary, tool_version=version, invited=invited, by=user
        )
    return 3 if invited else 2


def _moderate(sample, *, month, today, rng, generous) -> tuple[int, int]:
    """Confirm a past month's sample and complete its moderations."""
    moderations = list(
        sample.moderations.filter(moderator__isnull=False).select_related("audit", "moderator")
    )
    answers: dict[int, list[tuple[int, int]]] = {}
    for audit_id, section_id, scale in SectionAnswer.objects.filter(
        audit__in=[m.audit_id for m in moderations], scale__isnull=False
    ).values_list("audit_id", "section_id", "scale"):
        if scale is not None:  # filtered: for the type checker
            answers.setdefault(audit_id, []).append((section_id, scale))
    after = (month + dt.timedelta(days=32)).replace(day=1)
    sections, changed_audits, changed = [], [], 0
    for m in moderations:
        gap = generous.setdefault(m.auditor_id, _generosity(rng))
        for section_id, scale in sorted(answers.get(m.audit_id, [])):
            mine = _clamp(scale - gap + rng.choice((-1, 0, 0, 0, 1)))
            rationale = (
                "The plan lacks dates and owners; the evidence does not support this scale."
                if abs(scale - mine) >= 2
                else ""
            )
            sections.append(
                ModerationSection(
                    moderation=m,
                    section_id=section_id,
                    scale=mine,
                    auditor_scale=scale,
                    rationale=rationale,
                )
            )
        original = m.audit.overall_scale
        m.auditor_overall_scale = original
        if original is not None:
            m.overall_scale = _clamp(original - gap + rng.choice((-1, 0, 0, 0, 0, 1)))
            if abs(original - m.overall_scale) >= 2:
                m.overall_rationale = "Several sections were scaled higher than the record shows."
            if m.overall_scale != original:
                m.audit.overall_scale = m.overall_scale
                changed_audits.append(m.audit)
                changed += 1
        day = min(after + dt.timedelta(days=rng.randrange(3, 25)), today - dt.timedelta(days=1))
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(11)))
        m.status = ModerationStatus.COMPLETED
        m.revealed_at = m.completed_at = m.updated_at = moment
        m.completed_by = m.moderator.user
    ModerationSection.objects.bulk_create(sections, batch_size=2000)
    Moderation.objects.bulk_update(
        moderations,
        [
            "status",
            "overall_scale",
            "auditor_overall_scale",
            "overall_rationale",
            "revealed_at",
            "completed_at",
            "updated_at",
            "completed_by",
        ],
        batch_size=1000,
    )
    Audit.objects.bulk_update(changed_audits, ["overall_scale"], batch_size=1000)
    # Compared: their moderators see the scales again (audits.BlindReading).
    services.blind_readings_sync(audit_ids=[m.audit_id for m in moderations])
    sample.moderations.filter(moderator__isnull=True).delete()
    ModerationSample.objects.filter(pk=sample.pk).update(
        status=SampleStatus.CONFIRMED, confirmed_at=timezone.now()
    )
    return len(moderations), changed
