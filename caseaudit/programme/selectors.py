"""Reads for the programme. The programme page names auditors and case references only."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.cases.models import Case, SubjectType, audit_clock_start
from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from .choices import OPEN_STATUSES
from .engine import CaseRow, StaffRow
from .models import (
    Allocation,
    AllocationStatus,
    FollowUp,
    FollowUpStatus,
    MonthStatus,
    ProgrammeMonth,
)
from .policy import (
    allocation_chase_q,
    allocation_visible_q,
    can_edit_programme,
    can_view_month,
    month_visible_q,
    team_months,
)


def staff_rows() -> list[StaffRow]:
    rows = Staff.objects.active().values_list(
        "id", "staff_id", "name", "role", "team_id", "service_area_id", "team__service_area_id"
    )
    return [
        StaffRow(pk, sid, name, role, team_id, area_id or team_area_id)
        for pk, sid, name, role, team_id, area_id, team_area_id in rows
    ]


def cases_allocated_elsewhere(*, month: dt.date) -> QuerySet[Allocation]:
    """The open allocations (planned or started) of confirmed months other than `month`: their
    cases are not allocated again until the audit is done (`case_rows(free_for=month)`)."""
    return Allocation.objects.filter(
        programme__status=MonthStatus.CONFIRMED,
        status__in=OPEN_STATUSES,
        case__isnull=False,
    ).exclude(programme__month=month.replace(day=1))


def case_rows(
    *, ids: Iterable[int] | None = None, free_for: dt.date | None = None
) -> list[CaseRow]:
    """Open cases as the engine reads them. With `free_for` (a month), only the cases free for
    it: none with an allocation still open in another confirmed month."""
    cases = Case.objects.open()
    if ids is not None:
        cases = cases.filter(pk__in=ids)
    if free_for is not None:
        cases = cases.exclude(pk__in=cases_allocated_elsewhere(month=free_for).values("case_id"))
    # The earliest scheduled follow-up audit of the case (the engine allocates those first).
    followup = (
        FollowUp.objects.filter(case_id=OuterRef("pk"), status=FollowUpStatus.SCHEDULED)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    rows = cases.annotate(
        area_id=F("team__service_area_id"),
        supervisor=F("allocated_worker__line_manager"),
        followup_due=Subquery(followup),
    ).values_list(
        "id",
        "reference",
        "team_id",
        "area_id",
        "allocated_worker_id",
        "supervisor",
        "subject_type",
        "opened_on",
        "last_audited_on",
        "first_panel_on",
        "followup_due",
    )
    return [
        CaseRow(
            pk, ref, team, area, worker, sup, subject != SubjectType.CHILD, opened, last, panel, fu
        )
        for pk, ref, team, area, worker, sup, subject, opened, last, panel, fu in rows
    ]


def _visible_q(user: Actor) -> Q:
    """The allocations the user sees (`policy.allocation_visible_q`); 404 when the programme
    is not for them."""
    visible = allocation_visible_q(user)
    if visible is None:
        raise Http404("No programme page for you")
    return visible


def programme_months(*, user: Actor, today: dt.date, limit: int = 24) -> QuerySet[ProgrammeMonth]:
    """The months whose page the user may open, latest first: every month for those who see
    the whole programme, a team's confirmed months from twelve back to this one for its Team
    Manager and Business Support. 404 when the programme is not for them."""
    visible = month_visible_q(user, today=today)
    if visible is None:
        raise Http404("No programme page for you")
    return ProgrammeMonth.objects.filter(visible).order_by("-month")[:limit]


def programme_get(
    *, user: Actor, month: dt.date, today: dt.date | None = None
) -> ProgrammeMonth | None:
    """The month's programme if the user may open its page (None: no such month, or one they
    may not open: a draft, or outside a team's twelve months). 404 when the programme is not
    for them."""
    _visible_q(user)
    programme = ProgrammeMonth.objects.filter(month=month.replace(day=1)).first()
    if programme is None:
        return None
    return (
        programme if can_view_month(user, programme, today=today or timezone.localdate()) else None
    )


ROW_RELATED = (
    "programme",
    "auditor",
    "auditor__team",
    "peer",
    "case",
    "case__team",
    "case__allocated_worker",
    "chased_by__staff",
)


def programme_allocations(*, programme: ProgrammeMonth, user: Actor) -> QuerySet[Allocation]:
    """The month's allocations the user sees (not the cancelled ones), in the page's order."""
    return (
        programme.allocations.filter(_visible_q(user))
        .exclude(status=AllocationStatus.CANCELLED)
        .select_related(*ROW_RELATED)
        .order_by("rule", "auditor__name", "pk")  # the pk: stable pages
    )


def programme_summary(*, programme: ProgrammeMonth, user: Actor) -> dict:
    """The month's counts over the allocations the user sees."""
    return (
        programme.allocations.filter(_visible_q(user))
        .exclude(status=AllocationStatus.CANCELLED)
        .aggregate(
            total=Count("id"),
            unfilled=Count("id", filter=Q(case__isnull=True)),
            completed=Count("id", filter=Q(status=AllocationStatus.COMPLETED)),
            started=Count("id", filter=Q(status=AllocationStatus.STARTED)),
        )
    )


def _month_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time.min))


def carried_over_q(month: dt.date) -> Q:
    """On allocations: those of confirmed months before `month` still open when it began
    (planned or started now, or completed since it began); each counts against its own month."""
    return Q(
        programme__status=MonthStatus.CONFIRMED,
        programme__month__lt=month.replace(day=1),
        case__isnull=False,
    ) & (
        Q(status__in=OPEN_STATUSES)
        # The audits completed since (days' worth, from the covering index of completed
        # audits alone) as a subquery, not a join: OR-ed with a joined column, the planner
        # read every audit to filter them (0.7 s at national scale).
        | Q(
            status=AllocationStatus.COMPLETED,
            audit__in=Audit.objects.filter(
                status=AuditStatus.COMPLETED, completed_at__gte=_month_start(month)
            ).values("pk"),
        )
    )


def allocations_carried_over(*, user: Actor, month: dt.date) -> QuerySet[Allocation]:
    """The allocations carried over into `month` that the user sees: earliest month first."""
    return (
        Allocation.objects.filter(_visible_q(user))
        .filter(carried_over_q(month))
        .select_related(*ROW_RELATED, "audit")
        .order_by("programme__month", "auditor__name", "pk")
    )


def allocation_chaseable_ids(*, user: Actor, ids: Iterable[int]) -> set[int]:
    """Of the allocations `ids`, the ones the user may chase (one query for a page's rows)."""
    return set(
        Allocation.objects.filter(pk__in=list(ids))
        .filter(allocation_chase_q(user))
        .values_list("pk", flat=True)
    )


def team_programme_months(*, user: Actor, today: dt.date) -> list[dict]:
    """A team's programme month by month (this month and the twelve before), counted over the
    allocations the user sees: allocated (with a case), done, outstanding, and overdue (not
    done and their month has ended). One query."""
    first, last = team_months(today)
    rows = (
        Allocation.objects.filter(_visible_q(user))
        .filter(programme__month__gte=first, programme__month__lte=last, case__isnull=False)
        .exclude(status=AllocationStatus.CANCELLED)
        .values("programme__month")
        .annotate(
            allocated=Count("id"),
            done=Count("id", filter=Q(status=AllocationStatus.COMPLETED)),
            started=Count("id", filter=Q(status=AllocationStatus.STARTED)),
        )
        .order_by("-programme__month")
    )
    this_month = today.replace(day=1)
    result = []
    for row in rows:
        month = row["programme__month"]
        outstanding = row["allocated"] - row["done"]
        result.append(
            {
                "month": month,
                "label": month.strftime("%Y-%m"),
                "allocated": row["allocated"],
                "done": row["done"],
                "started": row["started"],
                "outstanding": outstanding,
                "overdue": outstanding if month < this_month else 0,
            }
        )
    return result


def my_allocations(*, user: Actor, month: dt.date) -> QuerySet[Allocation]:
    """The signed-in auditor's allocations of a confirmed month (their home page), and those of
    earlier confirmed months still open (carried over: first, earliest month first)."""
    staff = staff_for_user(user)
    if staff is None:
        return Allocation.objects.none()
    month = month.replace(day=1)
    return (
        Allocation.objects.filter(auditor=staff, programme__status=MonthStatus.CONFIRMED)
        .filter(
            Q(programme__month=month)
            | Q(programme__month__lt=month, status__in=OPEN_STATUSES, case__isnull=False)
        )
        .exclude(status=AllocationStatus.CANCELLED)
        .annotate(
            carried=ExpressionWrapper(Q(programme__month__lt=month), output_field=BooleanField())
        )
        .select_related("programme", "case", "case__team", "audit")
        .order_by("programme__month", "rule", "pk")
    )


def allocation_get_to_chase(*, user: Actor, pk: int) -> Allocation:
    """An allocation the user sees on the programme pages (whether they may chase it is the
    view's and the service's question: a 403 for one they see but may not chase); 404 for
    anyone else and for a missing one."""
    allocation = (
        Allocation.objects.select_related("programme", "auditor", "auditor__user", "case")
        .filter(_visible_q(user))
        .filter(pk=pk)
        .first()
    )
    if allocation is None:
        raise Http404("No such allocation")
    return allocation


def allocation_get_for_edit(*, user: Actor, pk: int) -> Allocation:
    """An allocation to swap or reallocate, for those who may change the programme; 404 for
    anyone else (the pages' existence is not revealed) and for a missing one. Its case is in
    their case scope (they see every case); the page logs the access."""
    if not can_edit_programme(user):
        raise Http404("Not available")
    allocation = (
        Allocation.objects.select_related("programme", "auditor", "case", "peer")
        .filter(pk=pk)
        .filter(Q(case__isnull=True) | Q(case__in=case_visible_qs(user).values("pk")))
        .first()
    )
    if allocation is None:
        raise Http404("No such allocation")
    return allocation


def allocation_get_to_start(*, user: Actor, pk: int) -> Allocation:
    """One of the user's own allocations with a case, in a confirmed programme; otherwise 404."""
    staff = staff_for_user(user)
    allocation = (
        Allocation.objects.select_related("case", "programme", "audit")
        .filter(
            pk=pk,
            auditor=staff,
            programme__status=MonthStatus.CONFIRMED,
            case__isnull=False,
        )
        .first()
        if staff is not None
        else None
    )
    if allocation is None:
        raise Http404("No such allocation")
    return allocation


def swap_case_by_reference(*, user: Actor, reference: str) -> Case | None:
    """The case with this reference among those the user may see (None if there is none)."""
    return case_visible_qs(user).filter(reference=reference).first()


def allocations_needing_reallocation(
    *, programme: ProgrammeMonth, user: Actor
) -> QuerySet[Allocation]:
    """Open allocations (that the user sees) whose auditor has left or moved team since they
    were made."""
    return (
        programme.allocations.filter(_visible_q(user))
        .filter(
            status=AllocationStatus.PLANNED,
        )
        .filter(
            Q(auditor__left_on__isnull=False)
            | (Q(auditor_team__isnull=False) & ~Q(auditor__team=F("auditor_team")))
            | (Q(auditor_team__isnull=False) & Q(auditor__team__isnull=True))
        )
        .select_related("auditor", "case")
    )


def expected_audits(*, month: dt.date) -> dict[int, int]:
    """Audits expected of each member of staff in a confirmed month.

    An unfilled slot (no eligible case existed) is not expected of anyone: it is reported
    separately, so nobody is shown as behind for a case that could not be given to them.
    """
    rows = (
        Allocation.objects.filter(
            programme__month=month.replace(day=1),
            programme__status=MonthStatus.CONFIRMED,
            case__isnull=False,
        )
        .exclude(status=AllocationStatus.CANCELLED)
        .values("auditor_id")
        .annotate(n=Count("id"))
    )
    return {row["auditor_id"]: row["n"] for row in rows}


def _due_filter(cutoff: dt.date) -> Q:
    """Cases whose next annual or carers' audit falls on or before cutoff + 12 months.

    due = base + 12 months, where base is the later of opening (carers: first Panel) and the
    last audit; so due <= D exactly when every part of base <= D - 12 months. A pure filter
    on indexed columns, no stored due date needed.
    """
    not_since = Q(last_audited_on__isnull=True) | Q(last_audited_on__lte=cutoff)
    carers = Q(subject_type__in=CARER_SUBJECTS, first_panel_on__isnull=False)
    return (carers & Q(first_panel_on__lte=cutoff) & not_since) | (
        ~carers & Q(opened_on__lte=cutoff) & not_since
    )


CARER_SUBJECTS = [SubjectType.FOSTER_CARER, SubjectType.ADOPTER]


def due_list(
    *,
    user: Actor,
    when: str = "month",
    month: dt.date,
    team_id: int | None = None,
    service_area_id: int | None = None,
) -> QuerySet[Case]:
    """Open cases in the user's scope with an annual or carers' audit due.

    when: "overdue" (due before the month starts), "month" (due by the month's end,
    overdue included), "next" (due by the end of the following month).
    """
    from .due import add_months, month_end

    month = month.replace(day=1)
    if when == "overdue":
        limit = month - dt.timedelta(days=1)
    elif when == "next":
        limit = month_end(add_months(month, 1))
    else:
        limit = month_end(month)
    cutoff = add_months(limit, -12)
    qs = case_visible_qs(user).filter(closed_on__isnull=True).filter(_due_filter(cutoff))
    if team_id:
        qs = qs.filter(team_id=team_id)
    if service_area_id:
        qs = qs.filter(team__service_area_id=service_area_id)
    return (
        # The index of open cases holds this order (`audit_clock_start`).
        qs.annotate(due_base=audit_clock_start())
        .select_related("team", "allocated_worker")
        .order_by("due_base", "reference")
    )
