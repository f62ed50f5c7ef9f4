"""Writes of moderation (docs/moderation.md): samples, referrals, blind moderation, replies.

Every lifecycle step is a compare-and-set on the state it starts from (ADR 0004): a sample
draft -> confirmed; a moderation assigned -> revealed -> completed. A moderator's draft is
saved against its `revision`. Completing a moderation also makes the moderated overall scale
the audit's overall scale (its final grade), with a compare-and-set on the audit still being
completed with the scale the comparison was made with; the auditor's scale stays on the
moderation (`auditor_overall_scale`).
"""

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.models import ToolVersion
from caseaudit.audits.models import (
    Audit,
    AuditEvent,
    AuditStatus,
    BlindReading,
    EventKind,
    SectionAnswer,
)
from caseaudit.core.exceptions import TransitionConflict, not_allowed
from caseaudit.core.typing import By, User
from caseaudit.notifications.models import NotificationKind
from caseaudit.notifications.services import notify
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from . import policy, selectors
from .models import (
    CalibrationExercise,
    CalibrationReference,
    CalibrationScore,
    ExerciseStatus,
    Moderation,
    ModerationEvent,
    ModerationEventKind,
    ModerationReply,
    ModerationSample,
    ModerationSection,
    ModerationStatus,
    Referral,
    SampleStatus,
)
from .sampling import Pick, draw_sample

DEFAULT_SHARE = 10
RATIONALE_FROM = 2  # points apart: the moderator must say why


class ConflictError(ValidationError):
    """The moderation changed since the moderator's form was read (its revision)."""

    def __init__(self, message: str):
        super().__init__(message, code="revision")


def new_seed() -> int:
    return secrets.randbelow(2**31)


def _event(moderation: Moderation, by: By, kind: str, **detail: Any) -> None:
    ModerationEvent.objects.create(moderation=moderation, by=by, kind=kind, detail=detail)


BLIND_STATUSES = (ModerationStatus.PROPOSED, ModerationStatus.ASSIGNED)


def blind_readings_sync(*, audit_ids: Iterable[int]) -> None:
    """Make the audits' `BlindReading` rows what their moderations say: one for the moderator
    of each moderation not yet compared (proposed or assigned), none otherwise. Every service
    that names, changes or removes a moderator, or compares, calls it in its transaction: the
    moderation is the single source of truth; the rows let the audits app hide the scales on
    the audit page, PDF and API without knowing about moderation."""
    ids = set(audit_ids)
    if not ids:
        return
    BlindReading.objects.filter(audit_id__in=ids).delete()
    BlindReading.objects.bulk_create(
        [
            BlindReading(audit_id=audit_id, staff_id=moderator_id)
            for audit_id, moderator_id in Moderation.objects.filter(
                audit_id__in=ids, status__in=BLIND_STATUSES, moderator__isnull=False
            ).values_list("audit_id", "moderator_id")
        ]
    )


# --- Samples ---------------------------------------------------------------------------------


def sample_preview(
    *, month: dt.date, seed: int, share: int = DEFAULT_SHARE, keep: ModerationSample | None = None
) -> list[Pick]:
    """The sample `draw_sample` makes of `month` now, storing nothing."""
    return draw_sample(
        seed=seed, share=share, **selectors.sample_inputs(month=month, keep_sample=keep)
    )


def sample_picks(*, sample: ModerationSample) -> list[Pick]:
    """A stored sample as the picks it was drawn as (auditor, then audit)."""
    return [
        Pick(
            audit_id=m.audit_id,
            auditor_id=m.auditor_id,
            case_id=m.audit.case_id,
            moderator_id=m.moderator_id,
            why=m.why,
            referral_id=m.referral_id,
        )
        for m in sample.moderations.select_related("audit").order_by("auditor_id", "audit_id")
    ]


def sample_generate(
    *, month: dt.date, by: By, seed: int | None = None, share: int = DEFAULT_SHARE
) -> ModerationSample:
    """Draw `month`'s sample and store it as a draft (replacing a draft of that month). A
    confirmed month is not drawn again."""
    month = month.replace(day=1)
    if not 1 <= share <= 100:
        raise ValidationError("The share must be between 1% and 100%.")
    seed = new_seed() if seed is None else seed
    with transaction.atomic():
        existing = ModerationSample.objects.select_for_update().filter(month=month).first()
        if existing is not None and existing.is_confirmed:
            raise TransitionConflict(
                f"The moderation sample of {month:%B %Y} is already confirmed."
            )
        picks = sample_preview(month=month, seed=seed, share=share, keep=existing)
        before: set[int] = set()
        if existing is not None:
            before = set(existing.moderations.values_list("audit_id", flat=True))
            existing.moderations.all().delete()
            ModerationSample.objects.filter(pk=existing.pk).update(
                seed=seed, share=share, generated_at=timezone.now(), generated_by=by
            )
            sample = ModerationSample.objects.get(pk=existing.pk)
        else:
            sample = ModerationSample.objects.create(
                month=month, seed=seed, share=share, generated_by=by
            )
        moderations = Moderation.objects.bulk_create(
            [
                Moderation(
                    sample=sample,
                    audit_id=p.audit_id,
                    auditor_id=p.auditor_id,
                    moderator_id=p.moderator_id,
                    why=p.why,
                    referral_id=p.referral_id,
                )
                for p in picks
            ]
        )
        ModerationEvent.objects.bulk_create(
            [
                ModerationEvent(moderation=m, by=by, kind=ModerationEventKind.PROPOSED)
                for m in moderations
            ]
        )
        blind_readings_sync(audit_ids=before | {m.audit_id for m in moderations})
    return sample


def sample_swap(*, moderation: Moderation, moderator: Staff, by: User) -> Moderation:
    """Give a proposed or assigned (not yet compared) moderation another moderator, who must
    be eligible. The new moderator of a confirmed sample is told."""
    if not policy.can_run_samples(by):
        raise not_allowed("Only Performance Assurance or an administrator changes moderators.")
    eligible = {s.pk for s in selectors.eligible_moderators(moderation=moderation)}
    if moderator.pk not in eligible:
        raise ValidationError(
            f"{moderator.name} may not moderate this audit: moderators are Performance "
            "Assurance, CSMs, ADs, the Director and commissioned auditors, never its auditor "
            "nor anyone who holds, supervises or manages its case."
        )
    with transaction.atomic():
        done = Moderation.objects.filter(
            pk=moderation.pk,
            status__in=(ModerationStatus.PROPOSED, ModerationStatus.ASSIGNED),
            revision=moderation.revision,
        ).update(moderator=moderator, revision=F("revision") + 1, updated_at=timezone.now())
        if done != 1:
            raise TransitionConflict(
                "This moderation was started or changed meanwhile: its moderator can no longer "
                "be changed here. Reload the page."
            )
        before = moderation.moderator_id
        moderation.refresh_from_db()
        blind_readings_sync(audit_ids=[moderation.audit_id])
        _event(
            moderation, by, ModerationEventKind.MODERATOR_CHANGED, before=before, after=moderator.pk
        )
        if moderation.status == ModerationStatus.ASSIGNED:
            _notify_assigned(moderation)
    return moderation


def sample_confirm(*, sample: ModerationSample, by: User) -> ModerationSample:
    """Confirm a draft sample: its moderators are told and can start. Every audit in it must
    have a moderator."""
    if not policy.can_run_samples(by):
        raise not_allowed("Only Performance Assurance or an administrator confirms a sample.")
    with transaction.atomic():
        if sample.moderations.filter(moderator__isnull=True).exists():
            raise ValidationError(
                "Every audit in the sample needs a moderator: choose one for those without."
            )
        done = ModerationSample.objects.filter(pk=sample.pk, status=SampleStatus.DRAFT).update(
            status=SampleStatus.CONFIRMED, confirmed_at=timezone.now(), confirmed_by=by
        )
        if done != 1:
            raise TransitionConflict(
                f"The moderation sample of {sample.month:%B %Y} is already confirmed."
            )
        moderations = list(
            sample.moderations.filter(status=ModerationStatus.PROPOSED).select_related(
                "audit__case", "moderator"
            )
        )
        sample.moderations.filter(status=ModerationStatus.PROPOSED).update(
            status=ModerationStatus.ASSIGNED, updated_at=timezone.now()
        )
        ModerationEvent.objects.bulk_create(
            [
                ModerationEvent(moderation=m, by=by, kind=ModerationEventKind.ASSIGNED)
                for m in moderations
            ]
        )
        for m in moderations:
            _notify_assigned(m)
    sample.refresh_from_db()
    return sample


def _url(moderation: Moderation) -> str:
    return reverse("moderation_detail", args=[moderation.pk])


def _notify_assigned(moderation: Moderation) -> None:
    if moderation.moderator is None:
        return
    reference = moderation.audit.case.reference
    notify(
        recipient=moderation.moderator,
        kind=NotificationKind.MODERATION_ASSIGNED,
        subject=f"Moderate an audit of case {reference}",
        body=f"The audit of case {reference} is in the moderation sample for you to moderate. "
        "Scale it yourself first: the auditor's scales are shown once you compare.",
        url=_url(moderation),
        idempotency_key=f"moderation_assigned:{moderation.pk}:{moderation.moderator_id}",
    )


def referral_create(*, audit: Audit, reason: str, by: User) -> Referral:
    """A manager refers a completed audit for moderation: the next sample generated takes it."""
    staff = staff_for_user(by)
    if staff is None or not policy.can_refer(by):
        raise not_allowed("Only a manager refers an audit for moderation.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the audit should be moderated."})
    if audit.auditor_id == staff.pk:
        raise not_allowed("You cannot refer your own audit.")
    if audit.status != AuditStatus.COMPLETED:
        raise ValidationError("Only a completed audit can be moderated.")
    with transaction.atomic():
        if (
            Moderation.objects.filter(audit=audit).exists()
            or Referral.objects.filter(audit=audit).exists()
        ):
            raise TransitionConflict("This audit is already referred or in a moderation sample.")
        return Referral.objects.create(audit=audit, reason=reason, referred_by=staff)


# --- Moderating ------------------------------------------------------------------------------


def _scaled_sections(moderation: Moderation) -> list:
    return list(moderation.audit.tool_version.sections.filter(scaled=True).order_by("order", "pk"))


def _scale(value: Any, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{what}: enter a whole number from 0 to 10.") from None
    if not 0 <= number <= 10:
        raise ValidationError(f"{what}: enter a whole number from 0 to 10.")
    return number


def moderation_save(
    *,
    moderation: Moderation,
    by: User,
    revision: int,
    sections: dict[int, dict[str, Any]],
    overall_scale: Any = None,
    overall_rationale: str = "",
) -> Moderation:
    """Save the moderator's scales and rationales. Once compared, the scales are fixed: only
    rationales change."""
    if not policy.can_moderate(by, moderation):
        raise not_allowed("Only its moderator edits a moderation that is not completed.")
    scaled = {s.pk: s for s in _scaled_sections(moderation)}
    unknown = set(map(int, sections)) - set(scaled)
    if unknown:
        raise ValidationError("Those sections are not scaled sections of this audit's tool.")
    revealed = moderation.status == ModerationStatus.REVEALED
    with transaction.atomic():
        done = Moderation.objects.filter(
            pk=moderation.pk, revision=revision, status=moderation.status
        ).update(revision=F("revision") + 1, updated_at=timezone.now())
        if done != 1:
            raise ConflictError(
                "This moderation was saved elsewhere since you opened it: reload it and "
                "make your changes again."
            )
        existing = {ms.section_id: ms for ms in moderation.sections.all()}
        for key, values in sections.items():
            section = scaled[int(key)]
            scale = _scale(values.get("scale"), section.title)
            rationale = (values.get("rationale") or "").strip()
            row = existing.get(section.pk)
            if revealed:
                if row is None or (scale is not None and scale != row.scale):
                    raise ValidationError(
                        "The scales are fixed once compared: only the rationales can change."
                    )
                row.rationale = rationale
                row.save(update_fields=["rationale"])
            elif row is None:
                ModerationSection.objects.create(
                    moderation=moderation, section=section, scale=scale, rationale=rationale
                )
            else:
                row.scale, row.rationale = scale, rationale
                row.save(update_fields=["scale", "rationale"])
        overall = _scale(overall_scale, "Overall scale")
        fields: dict[str, Any] = {"overall_rationale": (overall_rationale or "").strip()}
        if revealed:
            if overall is not None and overall != moderation.overall_scale:
                raise ValidationError(
                    "The scales are fixed once compared: only the rationales can change."
                )
        else:
            fields["overall_scale"] = overall
        Moderation.objects.filter(pk=moderation.pk).update(**fields)
        _event(moderation, by, ModerationEventKind.SAVED)
    moderation.refresh_from_db()
    return moderation


def moderation_reveal(*, moderation: Moderation, by: User) -> Moderation:
    """The moderator has scaled every scaled section and the overall scale: fix their scales,
    copy in the auditor's, and show the comparison."""
    if not policy.can_moderate(by, moderation):
        raise not_allowed("Only its moderator compares a moderation.")
    scaled = _scaled_sections(moderation)
    with transaction.atomic():
        mine = {ms.section_id: ms for ms in moderation.sections.all()}
        missing = [s.title for s in scaled if mine.get(s.pk) is None or mine[s.pk].scale is None]
        if moderation.overall_scale is None:
            missing.append("the overall scale")
        if missing:
            raise ValidationError(
                "Scale every section before comparing: " + ", ".join(missing) + "."
            )
        audit = Audit.objects.filter(pk=moderation.audit_id).values("status", "overall_scale").get()
        if audit["status"] != AuditStatus.COMPLETED:
            raise TransitionConflict(
                "The audit has been reopened: compare once its auditor has completed it again."
            )
        done = Moderation.objects.filter(pk=moderation.pk, status=ModerationStatus.ASSIGNED).update(
            status=ModerationStatus.REVEALED,
            revealed_at=timezone.now(),
            auditor_overall_scale=audit["overall_scale"],
            revision=F("revision") + 1,
        )
        if done != 1:
            raise TransitionConflict("This moderation has already been compared.")
        scales = dict(
            SectionAnswer.objects.filter(audit_id=moderation.audit_id).values_list(
                "section_id", "scale"
            )
        )
        for s in scaled:
            row = mine[s.pk]
            row.auditor_scale = scales.get(s.pk)
            row.save(update_fields=["auditor_scale"])
        blind_readings_sync(audit_ids=[moderation.audit_id])
        _event(moderation, by, ModerationEventKind.REVEALED)
    moderation.refresh_from_db()
    return moderation


def rationales_missing(*, moderation: Moderation) -> list[str]:
    """The sections (and "the overall scale") two points or more from the auditor's without
    a rationale."""
    missing = [
        ms.section.title
        for ms in moderation.sections.select_related("section")
        if ms.difference is not None and abs(ms.difference) >= RATIONALE_FROM and not ms.rationale
    ]
    a, m = moderation.auditor_overall_scale, moderation.overall_scale
    if (
        a is not None
        and m is not None
        and abs(a - m) >= RATIONALE_FROM
        and not moderation.overall_rationale
    ):
        missing.append("the overall scale")
    return missing


def moderation_complete(*, moderation: Moderation, by: User) -> Moderation:
    """Complete a compared moderation: every difference of two points or more has its
    rationale; the moderated overall scale becomes the audit's (its final grade; the auditor's
    stays on the moderation), and the auditor is told."""
    if not policy.can_moderate(by, moderation):
        raise not_allowed("Only its moderator completes a moderation.")
    if moderation.status != ModerationStatus.REVEALED:
        raise ValidationError("Compare the scales before completing the moderation.")
    missing = rationales_missing(moderation=moderation)
    if missing:
        raise ValidationError(
            "Give your rationale where you differ from the auditor by two points or more: "
            + ", ".join(missing)
            + "."
        )
    now = timezone.now()
    with transaction.atomic():
        done = Moderation.objects.filter(pk=moderation.pk, status=ModerationStatus.REVEALED).update(
            status=ModerationStatus.COMPLETED,
            completed_at=now,
            completed_by=by,
            revision=F("revision") + 1,
        )
        if done != 1:
            raise TransitionConflict("This moderation has already been completed.")
        original, final = moderation.auditor_overall_scale, moderation.overall_scale
        if final != original:
            changed = Audit.objects.filter(
                pk=moderation.audit_id, status=AuditStatus.COMPLETED, overall_scale=original
            ).update(overall_scale=final, revision=F("revision") + 1)
            if changed != 1:
                raise TransitionConflict(
                    "The audit was reopened or its overall scale changed since you compared: "
                    "the moderation cannot set its final grade now."
                )
            AuditEvent.objects.create(
                audit_id=moderation.audit_id,
                by=by,
                kind=EventKind.SAVED,
                detail={
                    "moderation": moderation.pk,
                    "overall_scale": {"auditor": original, "moderated": final},
                    "note": "Overall scale set by moderation (the final grade).",
                },
            )
        _event(moderation, by, ModerationEventKind.COMPLETED, overall=[original, final])
        moderation.refresh_from_db()
        reference = moderation.audit.case.reference
        notify(
            recipient=moderation.auditor,
            kind=NotificationKind.MODERATION_COMPLETED,
            subject=f"Your audit of case {reference} was moderated",
            body=f"{moderation.moderator.name if moderation.moderator else 'A moderator'} "
            f"moderated your audit of case {reference}. See how your scales compare, and "
            "reply if you wish.",
            url=_url(moderation),
            idempotency_key=f"moderation_completed:{moderation.pk}",
        )
    return moderation


def moderation_reply(*, moderation: Moderation, by: User, text: str) -> ModerationReply:
    """The learning conversation: the auditor (or the moderator) replies on a completed
    moderation; the other is told."""
    if not policy.can_reply(by, moderation):
        raise not_allowed("Only the auditor and the moderator reply to a moderation.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your reply."})
    staff = staff_for_user(by)
    assert staff is not None  # can_reply needs a staff record  # nosec B101
    with transaction.atomic():
        reply = ModerationReply.objects.create(moderation=moderation, author=staff, text=text)
        _event(moderation, by, ModerationEventKind.REPLIED, reply=reply.pk)
        other = moderation.moderator if staff.pk == moderation.auditor_id else moderation.auditor
        if other is not None:
            reference = moderation.audit.case.reference
            notify(
                recipient=other,
                kind=NotificationKind.MODERATION_REPLY,
                subject=f"{staff.name} replied about the moderation of case {reference}",
                body=f"{staff.name} replied on the moderation of the audit of case {reference}.",
                url=_url(moderation) + "#replies",
                idempotency_key=f"moderation_reply:{reply.pk}",
            )
    return reply


# --- Calibration -------------------------------------------------------------------------------


def _exercise_url(exercise: CalibrationExercise) -> str:
    return reverse("calibration_exercise", args=[exercise.pk])


def exercise_create(
    *, title: str, summary: str, tool_version: ToolVersion, invited: list[Staff], by: User
) -> CalibrationExercise:
    """Set up a calibration exercise on a written, anonymised exemplar and invite staff to
    score it (each is told)."""
    if not policy.can_edit_calibration(by):
        raise not_allowed("Only administrators and Performance Assurance set up calibration.")
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title or not summary:
        raise ValidationError("Give the exercise a title and the exemplar's case summary.")
    if not invited:
        raise ValidationError({"invited": "Invite at least one person to score it."})
    with transaction.atomic():
        exercise = CalibrationExercise.objects.create(
            title=title, summary=summary, tool_version=tool_version, opened_by=by
        )
        exercise.invited.set(invited)
        for staff in invited:
            notify(
                recipient=staff,
                kind=NotificationKind.CALIBRATION_INVITED,
                subject=f"Calibration exercise: {title}",
                body=f"You are invited to scale the exemplar “{title}” with the "
                f"{tool_version.tool.name}, on your own. Everyone's scales are shown when the "
                "exercise closes.",
                url=_exercise_url(exercise),
                idempotency_key=f"calibration_invited:{exercise.pk}:{staff.pk}",
            )
    return exercise


def _exercise_scales(
    exercise: CalibrationExercise, scales: dict[int | None, Any], *, required: bool
) -> dict[int | None, int]:
    sections = {s.pk: s for s in exercise.tool_version.sections.filter(scaled=True)}
    result: dict[int | None, int] = {}
    missing = []
    for key in [*sections, None]:
        what = sections[key].title if key is not None else "Overall scale"
        value = _scale(scales.get(key), what)
        if value is None:
            missing.append(what)
        else:
            result[key] = value
    if required and missing:
        raise ValidationError("Scale every section and the overall scale: " + ", ".join(missing))
    return result


def exercise_set_references(
    *, exercise: CalibrationExercise, scales: dict[int | None, Any], by: User
) -> None:
    """Record the panel's reference scales (any of them; an empty one is none)."""
    if not policy.can_edit_calibration(by):
        raise not_allowed("Only administrators and Performance Assurance set references.")
    values = _exercise_scales(exercise, scales, required=False)
    with transaction.atomic():
        if not CalibrationExercise.objects.filter(
            pk=exercise.pk, status=ExerciseStatus.OPEN
        ).exists():
            raise TransitionConflict("The exercise is closed: its references are final.")
        exercise.references.all().delete()
        CalibrationReference.objects.bulk_create(
            [
                CalibrationReference(exercise=exercise, section_id=k, scale=v)
                for k, v in values.items()
            ]
        )


def exercise_score(
    *, exercise: CalibrationExercise, by: User, scales: dict[int | None, Any]
) -> None:
    """An invited person's scales for every scaled section and overall, once, while open."""
    staff = staff_for_user(by)
    invited = set(exercise.invited.values_list("pk", flat=True))
    if staff is None or staff.pk not in invited:
        raise not_allowed("Only the staff invited score this exercise.")
    values = _exercise_scales(exercise, scales, required=True)
    with transaction.atomic():
        if (
            not CalibrationExercise.objects.select_for_update()
            .filter(pk=exercise.pk, status=ExerciseStatus.OPEN)
            .exists()
        ):
            raise TransitionConflict("The exercise has closed.")
        if exercise.scores.filter(staff=staff).exists():
            raise TransitionConflict("You have already scored this exercise.")
        CalibrationScore.objects.bulk_create(
            [
                CalibrationScore(exercise=exercise, staff=staff, section_id=k, scale=v)
                for k, v in values.items()
            ]
        )


def exercise_close(*, exercise: CalibrationExercise, by: User) -> CalibrationExercise:
    """Close the exercise: those who scored it are told and see everyone's scales."""
    if not policy.can_edit_calibration(by):
        raise not_allowed("Only administrators and Performance Assurance close an exercise.")
    with transaction.atomic():
        done = CalibrationExercise.objects.filter(
            pk=exercise.pk, status=ExerciseStatus.OPEN
        ).update(status=ExerciseStatus.CLOSED, closed_at=timezone.now(), closed_by=by)
        if done != 1:
            raise TransitionConflict("The exercise is already closed.")
        scorers = Staff.objects.filter(pk__in=exercise.scores.values("staff_id")).select_related(
            "user"
        )
        for staff in scorers:
            notify(
                recipient=staff,
                kind=NotificationKind.CALIBRATION_CLOSED,
                subject=f"Calibration exercise closed: {exercise.title}",
                body="See how everyone scaled the exemplar, the reference, and how far you were "
                "from it.",
                url=_exercise_url(exercise),
                idempotency_key=f"calibration_closed:{exercise.pk}:{staff.pk}",
            )
    exercise.refresh_from_db()
    return exercise


def sample_draw_monthly(*, day: dt.date) -> str:
    """The monthly job: draw last month's sample as a draft for Performance Assurance to
    review and confirm, unless it is drawn already. Safe to run again."""
    month = (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if ModerationSample.objects.filter(month=month).exists():
        return f"The moderation sample of {month:%B %Y} is already drawn."
    sample = sample_generate(month=month, by=None)
    n = sample.moderations.count()
    return (
        f"Moderation sample of {month:%B %Y} drawn as a draft: "
        f"{n} audit{'' if n == 1 else 's'}, seed {sample.seed}."
    )
