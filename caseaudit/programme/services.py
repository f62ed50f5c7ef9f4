"""Writes of the programme: generate a month, swap a case, reallocate, confirm, chase.

A case with an allocation not yet done (planned or started) in a confirmed month is not
allocated again, in any other month, until its audit is completed: the open allocation is
carried over (shown in the later months, counted against its own), never made again. Generating
and confirming take every month's row lock first, so two of them never interleave.
"""

import datetime as dt
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.cases.models import Case
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import By, User
from caseaudit.notifications.models import NotificationKind
from caseaudit.notifications.services import notify
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import person_name

from . import engine, policy, selectors
from .choices import OPEN_STATUSES
from .models import Allocation, AllocationStatus, MonthStatus, ProgrammeMonth, Rule

NOT_ALLOWED = "not_allowed"
# How many case references a refusal names before "and N more".
REFERENCES_NAMED = 10


def new_seed() -> int:
    return secrets.randbelow(2**31)


def allocation_preview(*, month: dt.date, seed: int) -> engine.Result:
    """The allocations the engine would make now, without storing anything (the cases still
    allocated in another confirmed month left out, as `programme_generate` does)."""
    month = month.replace(day=1)
    return engine.allocate(
        month=month,
        seed=seed,
        staff=selectors.staff_rows(),
        cases=selectors.case_rows(free_for=month),
    )


def _team_of(staff_rows: Iterable[engine.StaffRow]) -> dict[int, int | None]:
    return {row.id: row.team_id for row in staff_rows}


def _lock_months() -> None:
    """Take every month's row lock, in one order: generating and confirming (which read the
    other months' open allocations) then run one at a time."""
    list(ProgrammeMonth.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


def _references(cases: Iterable[str]) -> str:
    refs = sorted(cases)
    named = ", ".join(refs[:REFERENCES_NAMED])
    return named + (
        f" and {len(refs) - REFERENCES_NAMED} more" if len(refs) > REFERENCES_NAMED else ""
    )


@transaction.atomic
def programme_generate(*, month: dt.date, by: By = None, seed: int | None = None) -> ProgrammeMonth:
    """Generate (or regenerate) a month's draft programme from its seed. Cases with an
    allocation still open in another confirmed month are not allocated."""
    month = month.replace(day=1)
    _lock_months()
    programme = ProgrammeMonth.objects.select_for_update().filter(month=month).first()
    if programme and programme.is_confirmed:
        raise TransitionConflict(
            f"The programme for {programme} is confirmed and cannot be regenerated."
        )
    seed = new_seed() if seed is None else seed
    staff = selectors.staff_rows()
    result = engine.allocate(
        month=month, seed=seed, staff=staff, cases=selectors.case_rows(free_for=month)
    )
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
    once one succeeds and the other raises `TransitionConflict`. Refused while any of its
    cases has an allocation still open in another confirmed month (a draft made before that
    month was confirmed): regenerate the draft, or swap those cases."""
    _lock_months()
    clashes = list(
        programme.allocations.exclude(status=AllocationStatus.CANCELLED)
        .filter(
            case__in=selectors.cases_allocated_elsewhere(month=programme.month).values("case_id")
        )
        .values_list("case__reference", flat=True)
    )
    if clashes:
        raise ValidationError(
            f"The programme for {programme} cannot be confirmed: "
            f"{_references(clashes)} still "
            f"{'has an audit' if len(clashes) == 1 else 'have audits'} allocated in another "
            "month and not yet done. Regenerate the draft (it leaves them out) or swap them."
        )
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


@transaction.atomic
def programme_generate_and_confirm(
    *, month: dt.date, by: By = None, seed: int | None = None
) -> ProgrammeMonth:
    """Generate a month's programme and confirm it, in one transaction (`allocate_audits
    --confirm`: a script that runs a whole month). Nothing is stored if either step is
    refused."""
    programme = programme_generate(month=month, by=by, seed=seed)
    return programme_confirm(programme=programme, by=by)


def _rows_for(
    allocation: Allocation, auditor: Staff | None = None
) -> tuple[dict[int, engine.StaffRow], engine.StaffRow, engine.StaffRow | None]:
    """The engine's rows of the staff, the auditor (refused when they are not among the
    staff who can be given audits) and the allocation's peer."""
    staff = {row.id: row for row in selectors.staff_rows()}
    auditor = auditor or allocation.auditor
    auditor_row = staff.get(auditor.pk)
    if auditor_row is None:
        raise ValidationError(f"{auditor.name} cannot be given audits (they have left).")
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
    # Cases whose audit, allocated in another month, is not yet done.
    elsewhere = dict(
        selectors.cases_allocated_elsewhere(month=programme.month).values_list(
            "case_id", "programme__month"
        )
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
        if row.id in elsewhere:
            raise ValidationError(
                f"Case {case.reference} is still allocated in {elsewhere[row.id]:%B %Y} and "
                "not yet audited."
            )
        reason = f"Chosen by {by.get_full_name() or by.email} when reviewing the programme."
    else:
        # The engine's next choice: rerun the rule for this auditor with the month's seed.
        candidates = [
            row
            for row in selectors.case_rows(free_for=programme.month)
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
    if allocation.case is not None:
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
def allocation_start(*, allocation: Allocation, by: By) -> Audit:
    """Start the audit for a confirmed allocation and link the two."""
    from caseaudit.audits.services import audit_start

    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.audit is not None:
        return allocation.audit  # started a moment ago (a double click): that audit
    if allocation.status != AllocationStatus.PLANNED:
        raise TransitionConflict(
            "This audit was reallocated or cancelled a moment ago, so it cannot be started."
        )
    if allocation.case is None:  # a peer audit not yet given a case
        raise ValidationError("This allocation has no case yet, so its audit cannot be started.")
    audit = audit_start(
        case=allocation.case,
        auditor=allocation.auditor,
        tool_code=allocation.tool_code,
        reason=allocation_reason(allocation),
    )
    allocation.audit = audit
    allocation.status = AllocationStatus.STARTED
    allocation.save(update_fields=["audit", "status"])
    return audit


def allocation_reason(allocation: Allocation) -> str:
    """Why the allocation's audit is done (`AuditReason`): a carers' audit with the Carers
    tool; the Team Manager's audit of their own single-PS team is permissive (a peer audit is
    never of the auditor's own team); the rest are peer audits."""
    if allocation.tool_code == "carers":
        return "carers"
    if allocation.rule == Rule.TM_SINGLE_PS:
        return "permissive"
    return "peer"


def allocation_mark_discarded(*, audit: Audit) -> int:
    """The draft `audit` was discarded by its auditor: its allocation is planned again, with
    no audit, so it can be started afresh. A step of `audit_discard`, in its transaction."""
    return Allocation.objects.filter(audit=audit, status=AllocationStatus.STARTED).update(
        audit=None, status=AllocationStatus.PLANNED
    )


def allocation_mark_completed(*, audit: Audit) -> int:
    """The allocation `audit` was started from is done: a step of `audit_complete`, in its
    transaction. Returns how many allocations changed (0 or 1)."""
    return Allocation.objects.filter(audit=audit).update(status=AllocationStatus.COMPLETED)


def allocation_mark_reopened(*, audit: Audit) -> int:
    """A reopened audit is a draft again: its allocation is started, not done (the programme
    page and the compliance report count an allocation done by this status). A step of
    `audit_reopen`, in its transaction."""
    return Allocation.objects.filter(audit=audit, status=AllocationStatus.COMPLETED).update(
        status=AllocationStatus.STARTED
    )


def _day_start(now: dt.datetime) -> dt.datetime:
    """The first moment of `now`'s day, in the authority's time zone."""
    return timezone.make_aware(dt.datetime.combine(timezone.localtime(now).date(), dt.time.min))


@transaction.atomic
def allocation_chase(*, allocation: Allocation, by: User) -> Allocation:
    """Chase an allocated audit not yet done: tell its auditor (in the app and by email, at
    once unless they chose the digest), and record who chased and when on the allocation.

    Who may: `policy.can_chase_allocation` (a Team Manager their team's auditors',
    Performance Assurance and administrators any; never one's own). At most once a day per
    allocation: a compare-and-set on `chased_at` (before today, or never), so of two chases on
    one day, also at the same moment, one succeeds and the other raises `TransitionConflict`.
    """
    allocation = Allocation.objects.select_related(
        "programme", "auditor", "auditor__user", "case", "audit"
    ).get(pk=allocation.pk)
    case = allocation.case
    if case is None or not policy.can_chase_allocation(by, allocation):
        raise ValidationError("You cannot chase this audit.", code=NOT_ALLOWED)
    auditor = allocation.auditor
    if not auditor.is_active:
        raise ValidationError(
            f"{auditor.name} has left: the audit needs reallocating, not chasing."
        )
    now = timezone.now()
    chased = (
        Allocation.objects.filter(pk=allocation.pk, status__in=OPEN_STATUSES)
        .filter(Q(chased_at__isnull=True) | Q(chased_at__lt=_day_start(now)))
        .update(chased_at=now, chased_by=by, chase_count=F("chase_count") + 1)
    )
    if chased != 1:
        current = Allocation.objects.select_related("chased_by").get(pk=allocation.pk)
        if current.status not in OPEN_STATUSES:
            raise TransitionConflict(
                f"The audit of case {case.reference} is "
                f"{current.get_status_display().lower()}: there is nothing to chase."
            )
        who = f" by {person_name(current.chased_by)}" if current.chased_by else ""
        when = f" at {timezone.localtime(current.chased_at):%H:%M}" if current.chased_at else ""
        raise TransitionConflict(
            f"{auditor.name} was already chased about case {case.reference} today{who}{when}. "
            "Chase again tomorrow."
        )
    allocation.refresh_from_db(fields=["chased_at", "chased_by", "chase_count"])
    month = allocation.programme.month
    due = engine.month_end(month)
    late = timezone.localdate(now) > due
    audit = allocation.audit
    url = (
        reverse("audit_edit", args=[audit.pk])
        if audit is not None and audit.status == AuditStatus.DRAFT
        else reverse("home")
    )
    notify(
        recipient=auditor,
        kind=NotificationKind.ALLOCATION_CHASED,
        subject=f"Please complete your audit of case {case.reference}",
        body=(
            f"{person_name(by)} asks you to complete your audit of case {case.reference} "
            f"({allocation.get_rule_display()}), allocated to you for {month:%B %Y}. "
            f"It {'was' if late else 'is'} due by {due.day} {due:%B %Y}"
            f"{' and is overdue' if late else ''}. It is "
            f"{allocation.get_status_display().lower()}: start or open it from your home page."
        ),
        url=url,
        # One notice per successful chase (the compare-and-set above lets one through a day).
        idempotency_key=f"allocation_chase:{allocation.pk}:{allocation.chase_count}",
    )
    return allocation
