"""Reads for the programme. The programme page names auditors and case references only."""

import datetime as dt

from django.db.models import Count, F, Q
from django.http import Http404

from caseaudit.cases.models import Case, SubjectType
from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.selectors import staff_for_user

from .engine import CaseRow, StaffRow
from .models import Allocation, AllocationStatus, MonthStatus, ProgrammeMonth
from .policy import can_edit_programme, can_view_programme


def staff_rows() -> list[StaffRow]:
    rows = Staff.objects.active().values_list(
        "id", "staff_id", "name", "role", "team_id", "service_area_id", "team__service_area_id"
    )
    return [
        StaffRow(pk, sid, name, role, team_id, area_id or team_area_id)
        for pk, sid, name, role, team_id, area_id, team_area_id in rows
    ]


def case_rows(*, ids=None) -> list[CaseRow]:
    cases = Case.objects.open()
    if ids is not None:
        cases = cases.filter(pk__in=ids)
    rows = cases.annotate(
        area_id=F("team__service_area_id"), supervisor=F("allocated_worker__line_manager")
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
    )
    return [
        CaseRow(pk, ref, team, area, worker, sup, subject != SubjectType.CHILD, opened, last, panel)
        for pk, ref, team, area, worker, sup, subject, opened, last, panel in rows
    ]


def programme_get(*, user: Actor, month: dt.date) -> ProgrammeMonth | None:
    if not can_view_programme(user):
        raise Http404("No programme page for you")
    return ProgrammeMonth.objects.filter(month=month.replace(day=1)).first()


def programme_allocations(*, programme: ProgrammeMonth):
    return (
        programme.allocations.exclude(status=AllocationStatus.CANCELLED)
        .select_related(
            "auditor", "auditor__team", "peer", "case", "case__team", "case__allocated_worker"
        )
        .order_by("rule", "auditor__name", "pk")  # the pk: stable pages
    )


def programme_summary(*, programme: ProgrammeMonth) -> dict:
    counts = programme.allocations.exclude(status=AllocationStatus.CANCELLED).aggregate(
        total=Count("id"),
        unfilled=Count("id", filter=Q(case__isnull=True)),
        completed=Count("id", filter=Q(status=AllocationStatus.COMPLETED)),
        started=Count("id", filter=Q(status=AllocationStatus.STARTED)),
    )
    return counts


def my_allocations(*, user: Actor, month: dt.date):
    """Confirmed allocations of the signed-in auditor for a month (their home page)."""
    staff = staff_for_user(user)
    if staff is None:
        return Allocation.objects.none()
    return (
        Allocation.objects.filter(
            auditor=staff,
            programme__month=month.replace(day=1),
            programme__status=MonthStatus.CONFIRMED,
        )
        .exclude(status=AllocationStatus.CANCELLED)
        .select_related("case", "case__team", "audit")
        .order_by("rule")
    )


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


def allocations_needing_reallocation(*, programme: ProgrammeMonth):
    """Open allocations whose auditor has left or moved team since they were made."""
    return (
        programme.allocations.filter(
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
):
    """Open cases in the user's scope with an annual or carers' audit due.

    when: "overdue" (due before the month starts), "month" (due by the month's end,
    overdue included), "next" (due by the end of the following month).
    """
    from django.db.models import DateField
    from django.db.models.functions import Coalesce, Greatest

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
    start = Coalesce("first_panel_on", "opened_on", output_field=DateField())
    base = Greatest(start, Coalesce("last_audited_on", start), output_field=DateField())
    return (
        qs.annotate(due_base=base)
        .select_related("team", "allocated_worker")
        .order_by("due_base", "reference")
    )
