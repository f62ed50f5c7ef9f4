"""Who may do what in moderation and calibration (docs/moderation.md).

- Generating, reviewing (swapping a moderator) and confirming a month's sample: Performance
  Assurance and administrators (`PROGRAMME_EDIT_ROLES`: the people who run the programme), and
  superusers.
- Moderators: Performance Assurance, Children's Service Managers, Assistant Directors, the
  Director and commissioned auditors (`MODERATOR_ROLES`), active; never the audit's auditor,
  nor anyone who holds, supervises or manages its case (`moderation.selectors.conflicts_of`).
- A moderation is seen by its moderator, by its auditor once it is completed, and by who runs
  the samples. Its moderator sees the auditor's scales only once they have revealed the
  comparison (their own scales are then fixed): `shows_auditor_scales`.
- Referring an audit for moderation: a manager who may reopen audits (`REOPEN_ROLES`: a Team
  Manager, CSM, AD, the Director or Performance Assurance), of a completed audit of a case
  they see, not their own.
- Calibration exercises are set up, given reference scales and closed by administrators and
  Performance Assurance (`TOOL_EDITOR_ROLES`); the staff invited score one blind, once, and see
  everyone's scales when it closes.
"""

from caseaudit.core.typing import Actor
from caseaudit.organisation.roles import (
    AUDITOR_ROLES,
    MODERATOR_ROLES,
    PROGRAMME_EDIT_ROLES,
    REOPEN_ROLES,
    TOOL_EDITOR_ROLES,
)
from caseaudit.organisation.selectors import staff_for_user

from .models import OPEN_STATUSES, CalibrationExercise, Moderation, ModerationStatus


def can_run_samples(user: Actor) -> bool:
    staff = staff_for_user(user)
    return user.is_superuser or (staff is not None and staff.role in PROGRAMME_EDIT_ROLES)


def is_moderator_role(user: Actor) -> bool:
    staff = staff_for_user(user)
    return staff is not None and staff.is_active and staff.role in MODERATOR_ROLES


def can_open_moderation_pages(user: Actor) -> bool:
    """The header's link to moderation: who runs samples, and the staff who audit (they
    moderate, are moderated and take part in calibration)."""
    staff = staff_for_user(user)
    return can_run_samples(user) or (
        staff is not None and staff.is_active and staff.role in AUDITOR_ROLES
    )


def _staff_id(user: Actor) -> int | None:
    staff = staff_for_user(user)
    return staff.pk if staff is not None else None


def can_view_moderation(user: Actor, moderation: Moderation) -> bool:
    if moderation.status == ModerationStatus.PROPOSED:
        return can_run_samples(user)
    me = _staff_id(user)
    if me is not None and me == moderation.moderator_id:
        return True
    if me is not None and me == moderation.auditor_id:
        return moderation.is_completed
    return can_run_samples(user)


def shows_auditor_scales(user: Actor, moderation: Moderation) -> bool:
    """Blind moderation: the moderator sees the auditor's scales only once revealed; the
    auditor and who runs samples see the comparison once it is revealed."""
    return moderation.is_revealed and can_view_moderation(user, moderation)


def can_moderate(user: Actor, moderation: Moderation) -> bool:
    me = _staff_id(user)
    return me is not None and me == moderation.moderator_id and moderation.status in OPEN_STATUSES


def can_reply(user: Actor, moderation: Moderation) -> bool:
    me = _staff_id(user)
    return moderation.is_completed and me in (moderation.auditor_id, moderation.moderator_id)


def can_refer(user: Actor) -> bool:
    staff = staff_for_user(user)
    return staff is not None and staff.is_active and staff.role in REOPEN_ROLES


# --- Calibration ------------------------------------------------------------------------------


def can_edit_calibration(user: Actor) -> bool:
    """Administrators and Performance Assurance set up and close calibration exercises."""
    staff = staff_for_user(user)
    return user.is_superuser or (staff is not None and staff.role in TOOL_EDITOR_ROLES)


def can_view_exercise(user: Actor, invited: set[int]) -> bool:
    """An exercise's page: its editors and the staff invited to it (`invited`: their ids)."""
    return can_edit_calibration(user) or _staff_id(user) in invited


def can_score_exercise(
    user: Actor, exercise: CalibrationExercise, invited: set[int], *, submitted: bool
) -> bool:
    """An invited person scores an open exercise once."""
    me = _staff_id(user)
    return exercise.is_open and me is not None and me in invited and not submitted
