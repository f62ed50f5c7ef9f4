"""Writes of the programme: generate a month, swap a case, reallocate, confirm."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from caseaudit.cases.models import Case
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import By, User
from caseaudit.organisation.models import Staff

from . import engine, selectors
from .models import Allocation, AllocationStatus, MonthStatus, ProgrammeMonth, Rule


def new_seed() -> int:
    return secrets.randbelow(2**31)


def allocation_preview(*, month: dt.date, seed: int) -> engine.Result:
    """The allocations the engine would make now, without storing anything."""
    return engine.allocate(
        month=month, seed=seed, staff=selectors.staff_rows(), cases=selectors.case_rows()
    )


def _team_of(staff_rows) -> dict[int, int | None]:
    return {row.id: row.team_id for row in staff_rows}


@transaction.atomic
def programme_generate(*, month: dt.date, by: By = None, seed: int | None = None) -> ProgrammeMonth:
    """Generate (or regenerate) a month's draft programme from its seed."""
    month = month.replace(day=1)
    programme = ProgrammeMonth.objects.select_for_update().filter(month=month).first()
    if programme and programme.is_confirmed:
        raise TransitionConflict(
            f"The programme for {programme} is confirmed and cannot be regenerated."
        )
    seed = new_seed() if seed is None else seed
    staff = selectors.staff_rows()
    result = engine.allocate(month=month, seed=seed, staff=staff, cases=selectors.case_rows())
    now = timezone.now()
    if programme is None:
        programme = ProgrammeMonth.objects.create(
            month=month, seed=seed, generated_at=now, generated_by=by
        )
    else:
        programme.allocations.all().delete()
        programme.seed, programme.generated_at, programme.generated_by = seed, now, by
        programme.save(update_fields=["seed", "generated_at", "generated_by"])
    teams = _team_of(staff)
    Allocation.objects.bulk_create(
        [
            Allocation(
                programme=programme,
                auditor_id=pick.auditor.id,
                auditor_team_id=teams.get(pick.auditor.id),
                rule=pick.rule,
                peer_id=pick.peer.id if pick.peer else None,
                case_id=pick.case.id if pick.case else None,
                tool_code=pick.tool_code,
                reason=pick.reason,
            )
            for pick in result.picks
        ]
    )
    return programme


@transaction.atomic
def programme_confirm(*, programme: ProgrammeMonth, by: By) -> ProgrammeMonth:
    """Confirm a draft month: a compare-and-set on its status, so of two confirmations at
    once one succeeds and the other raises `TransitionConflict`."""
    now = timezone.now()
    done = (
        ProgrammeMonth.objects.filter(pk=programme.pk)
        .exclude(status=MonthStatus.CONFIRMED)
        .update(status=MonthStatus.CONFIRMED, confirmed_at=now, confirmed_by=by)
    )
    programme = ProgrammeMonth.objects.select_related("confirmed_by").get(pk=programme.pk)
    if done != 1:
        who = programme.confirmed_by
        by_whom = f" by {who.get_full_name() or who.get_username()}" if who else ""
        raise TransitionConflict(f"The programme for {programme} is already confirmed{by_whom}.")
    return programme


def _rows_for(allocation: Allocation, auditor: Staff | None = None):
    staff = {row.id: row for row in selectors.staff_rows()}
    auditor_row = staff.get((auditor or allocation.auditor).pk)
    peer_row = staff.get(allocation.peer_id) if allocation.peer_id else None
    return staff, auditor_row, peer_row


def _case_row(case: Case) -> engine.CaseRow:
    rows = selectors.case_rows(ids=[case.pk])
    if not rows:
        raise ValidationError(f"Case {case.reference} is closed and cannot be audited.")
    return rows[0]


def _check_changeable(allocation: Allocation) -> None:
    """The allocation (read under its row lock) is still only planned."""
    if allocation.status != AllocationStatus.PLANNED:
        raise TransitionConflict(
            "This audit has already been started (or reallocated), so it cannot be changed."
        )


@transaction.atomic
def allocation_swap(*, allocation: Allocation, by: User, case: Case | None = None) -> Allocation:
    """Give the allocation another case: the one named, or the engine's next choice."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _check_changeable(allocation)
    programme = allocation.programme
    _, auditor_row, peer_row = _rows_for(allocation)
    taken = set(
        programme.allocations.exclude(pk=allocation.pk)
        .exclude(status=AllocationStatus.CANCELLED)
        .exclude(case__isnull=True)
        .values_list("case_id", flat=True)
    )
    if case is not None:
        row = _case_row(case)
        if not engine.is_eligible(allocation.rule, auditor_row, row, peer_row):
            raise ValidationError(
                f"{allocation.auditor.name} cannot audit case {case.reference} under this rule "
                "(their own team, service or caseload, or the wrong supervisor)."
            )
        if row.id in taken:
            raise ValidationError(f"Case {case.reference} is already allocated this month.")
        reason = f"Chosen by {by.get_full_name() or by.email} when reviewing the programme."
    else:
        # The engine's next choice: rerun the rule for this auditor with the month's seed.
        candidates = [
            row
            for row in selectors.case_rows()
            if row.id not in taken
            and row.id != allocation.case_id
            and engine.is_eligible(allocation.rule, auditor_row, row, peer_row)
        ]
        if not candidates:
            raise ValidationError("There is no other case this auditor can take under this rule.")
        month_end = engine.month_end(programme.month)
        row = min(candidates, key=lambda r: engine._Need(r, month_end, programme.seed).key)
        case = Case.objects.get(pk=row.id)
        reason = engine._Need(row, month_end, programme.seed).why + " (swapped when reviewing)."
    allocation.case = case
    allocation.tool_code = engine.CARERS if row.is_carer else engine.GENERIC
    allocation.reason = reason
    allocation.changed_at, allocation.changed_by = timezone.now(), by
    allocation.change_note = "Case swapped"
    allocation.save()
    return allocation


@transaction.atomic
def allocation_reallocate(*, allocation: Allocation, auditor: Staff, by: By) -> Allocation:
    """Move a planned audit to another auditor (e.g. the first has left or changed team).

    The original allocation is cancelled and a new one made, so the record shows both.
    """
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _check_changeable(allocation)
    if not auditor.is_active:
        raise ValidationError(f"{auditor.name} has left and cannot be given audits.")
    _, auditor_row, peer_row = _rows_for(allocation, auditor)
    if allocation.case_id:
        row = _case_row(allocation.case)
        if (
            allocation.rule == Rule.PS_PEER
            and auditor_row
            and peer_row
            and auditor_row.id == peer_row.id
        ):
            raise ValidationError("A Practice Supervisor cannot audit their own supervisees' case.")
        rule_ok = engine.is_eligible(allocation.rule, auditor_row, row, peer_row)
        if not rule_ok:
            raise ValidationError(
                f"{auditor.name} cannot take this audit: it is their own team, service or "
                "caseload, or their role does not fit the rule."
            )
    allocation.status = AllocationStatus.CANCELLED
    allocation.changed_at, allocation.changed_by = timezone.now(), by
    allocation.change_note = f"Reallocated to {auditor.name}"
    allocation.save()
    return Allocation.objects.create(
        programme=allocation.programme,
        auditor=auditor,
        auditor_team=auditor.team,
        rule=allocation.rule,
        peer=allocation.peer,
        case=allocation.case,
        tool_code=allocation.tool_code,
        reason=f"{allocation.reason} Reallocated from {allocation.auditor.name}.",
        changed_at=timezone.now(),
        changed_by=by,
        change_note=f"Reallocated from {allocation.auditor.name}",
    )


@transaction.atomic
def allocation_start(*, allocation: Allocation, by: By):
    """Start the audit for a confirmed allocation and link the two."""
    from caseaudit.audits.services import audit_start

    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.audit_id:
        return allocation.audit  # started a moment ago (a double click): that audit
    if allocation.status != AllocationStatus.PLANNED:
        raise TransitionConflict(
            "This audit was reallocated or cancelled a moment ago, so it cannot be started."
        )
    audit = audit_start(
        case=allocation.case,
        auditor=allocation.auditor,
        tool_code=allocation.tool_code,
        reason="peer",
    )
    allocation.audit = audit
    allocation.status = AllocationStatus.STARTED
    allocation.save(update_fields=["audit", "status"])
    return audit


def allocation_mark_completed(*, audit) -> int:
    """The allocation `audit` was started from is done: a step of `audit_complete`, in its
    transaction. Returns how many allocations changed (0 or 1)."""
    return Allocation.objects.filter(audit=audit).update(status=AllocationStatus.COMPLETED)


def allocation_mark_reopened(*, audit) -> int:
    """A reopened audit is a draft again: its allocation is started, not done (the programme
    page and the compliance report count an allocation done by this status). A step of
    `audit_reopen`, in its transaction."""
    return Allocation.objects.filter(audit=audit, status=AllocationStatus.COMPLETED).update(
        status=AllocationStatus.STARTED
    )
