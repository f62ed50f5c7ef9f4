import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record
from caseaudit.audits.closure import closure_pending
from caseaudit.cases.selectors import case_filter_options
from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import MANAGER_ROLES, Role

from . import policy, selectors, services
from .forms import DueFilterForm, GenerateForm, ReallocateForm, SwapForm
from .models import Allocation, AllocationStatus, Rule


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value + "-01")
    except ValueError as error:
        raise Http404("No such month") from error


def _require_edit(request):
    if not policy.can_edit_programme(request.user):
        raise Http404("Not available")


def programme_index(request: HttpRequest) -> HttpResponse:
    """The months of the programme: every month for those who see the whole of it; for a Team
    Manager and Business Support their team's, month by month (this one and the twelve before),
    with what is done, outstanding and overdue."""
    today = timezone.localdate()
    months = selectors.programme_months(user=request.user, today=today)  # 404 if not for them
    team = policy.programme_team(request.user)
    return render(
        request,
        "programme/index.html",
        {
            "months": months,
            "team": team,
            "team_months": selectors.team_programme_months(user=request.user, today=today)
            if team is not None
            else [],
            "form": GenerateForm(today=today),
            "can_edit": policy.can_edit_programme(request.user),
            "nav_active": "programme",
        },
    )


@require_POST
def programme_generate(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = GenerateForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        messages.error(request, "Choose a month to generate.")
        return redirect("programme_index")
    month = form.cleaned_data["month"]
    try:
        services.programme_generate(month=month, seed=form.cleaned_data["seed"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("programme_index")
    messages.success(request, f"Draft programme generated for {month:%B %Y}.")
    return redirect("programme_month", month=month.strftime("%Y-%m"))


ALLOCATION_PAGE_SIZE = 50


# Allocations carried over from earlier months shown on a month's page (the most overdue
# first); the count above the list is all of them, the compliance report has every one.
CARRIED_SHOWN = 100


def programme_month(request: HttpRequest, month: str) -> HttpResponse:
    today = timezone.localdate()
    programme = selectors.programme_get(user=request.user, month=_month(month), today=today)
    if programme is None:
        raise Http404("No programme for that month")
    user = request.user
    allocations = selectors.programme_allocations(programme=programme, user=user)
    # A month has thousands of allocations at national scale: the table shows a page of them;
    # the counts above it (the summary) and the lists below are the whole month's.
    page = Paginator(allocations.filter(case__isnull=False), ALLOCATION_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    carried_qs = selectors.allocations_carried_over(user=user, month=programme.month)
    carried = list(carried_qs[: CARRIED_SHOWN + 1])
    carried_count = len(carried) if len(carried) <= CARRIED_SHOWN else carried_qs.count()
    carried = carried[:CARRIED_SHOWN]
    rows = [*page.object_list, *carried]
    chaseable = (
        selectors.allocation_chaseable_ids(user=user, ids=[a.pk for a in rows])
        if programme.is_confirmed
        else set()
    )
    this_month = today.replace(day=1)
    for allocation in rows:  # due by the end of its month: overdue once that has passed
        allocation.overdue = (
            allocation.status != AllocationStatus.COMPLETED
            and allocation.programme.month < this_month
        )
    access_record(
        request=request, object_type=AccessObjectType.PROGRAMME, object_id=programme.label
    )
    can_edit = policy.can_edit_programme(user)
    return render(
        request,
        "programme/month.html",
        {
            "programme": programme,
            "page": page,
            # Swap, reallocate and chase come back to this page of the table.
            "return_page": f"?page={page.number}" if page.number > 1 else "",
            "unfilled": list(allocations.filter(case__isnull=True)),
            "summary": selectors.programme_summary(programme=programme, user=user),
            "to_reallocate": list(
                selectors.allocations_needing_reallocation(programme=programme, user=user)
            ),
            "carried": carried,
            "carried_count": carried_count,
            "chaseable": chaseable,
            "today": today,
            "team": policy.programme_team(user),
            "can_edit": can_edit,
            "show_actions": can_edit or bool(chaseable),
            "nav_active": "programme",
        },
    )


@require_POST
def programme_confirm(request: HttpRequest, month: str) -> HttpResponse:
    _require_edit(request)
    programme = selectors.programme_get(user=request.user, month=_month(month))
    if programme is None:
        raise Http404("No programme for that month")
    try:
        services.programme_confirm(programme=programme, by=request.user)
        messages.success(request, f"The programme for {programme} is confirmed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("programme_month", month=month)


@require_POST
def allocation_chase(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Chase the auditor of an allocated audit not yet done (a notification), at most once a
    day; back to the month page it was chosen on (`month`, `page` posted)."""
    allocation = selectors.allocation_get_to_chase(user=request.user, pk=pk)  # 404: not theirs
    # The page names the allocation's case: log it (the 403 below logs a refusal).
    access_record(
        request=request,
        object_type=AccessObjectType.ALLOCATION,
        object_id=allocation.pk,
        case_id=allocation.case_id,
    )
    if not policy.can_chase_allocation(request.user, allocation):
        raise PermissionDenied("You cannot chase this audit.")
    try:
        services.allocation_chase(allocation=allocation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{allocation.auditor.name} has been asked to complete the audit of case "
            f"{allocation.case.reference}.",
        )
    return redirect(_back_to_month(request, allocation))


def _back_to_month(request, allocation: Allocation) -> str:
    """The month page (and page of its table) the chase was chosen on, from the posted
    `month` and `page`; else the allocation's own month."""
    label = request.POST.get("month", "")
    try:
        month = _month(label).strftime("%Y-%m") if len(label) == 7 else allocation.programme.label
    except Http404:
        month = allocation.programme.label
    url = reverse("programme_month", args=[month])
    page = request.POST.get("page", "")
    return url + (f"?page={int(page)}" if page.isdigit() and int(page) > 1 else "")


def _month_url(request, allocation: Allocation) -> str:
    """The month page to go back to: the page of the table the action was chosen on."""
    url = reverse("programme_month", args=[allocation.programme.label])
    page = request.GET.get("page", "")
    return f"{url}?page={int(page)}" if page.isdigit() and int(page) > 1 else url


def _allocation_for_edit(request, pk: int) -> Allocation:
    allocation = selectors.allocation_get_for_edit(user=request.user, pk=pk)
    # The page names the allocation's case: log it (a 403 after this logs a refusal).
    access_record(
        request=request,
        object_type=AccessObjectType.ALLOCATION,
        object_id=allocation.pk,
        case_id=allocation.case_id,
    )
    return allocation


def allocation_swap(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = _allocation_for_edit(request, pk)
    form = SwapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"].strip()
        case = None
        if reference:
            case = selectors.swap_case_by_reference(user=request.user, reference=reference)
            if case is None:
                form.add_error("reference", f"There is no case with reference {reference}.")
        if not form.errors:
            try:
                services.allocation_swap(allocation=allocation, by=request.user, case=case)
            except ValidationError as error:
                form.add_error("reference" if reference else None, " ".join(error.messages))
            else:
                messages.success(request, f"Case swapped for {allocation.auditor.name}.")
                return redirect(_month_url(request, allocation))
    return render(
        request,
        "programme/swap.html",
        {
            "allocation": allocation,
            "form": form,
            "back_url": _month_url(request, allocation),
            "nav_active": "programme",
        },
    )


def _reallocation_candidates(allocation: Allocation):
    staff = Staff.objects.active().exclude(pk=allocation.auditor_id).order_by("name")
    if allocation.rule == Rule.PS_PEER:
        return staff.filter(role=Role.PRACTICE_SUPERVISOR, team=allocation.auditor_team_id)
    if allocation.rule == Rule.TM_SINGLE_PS:
        return staff.filter(role=Role.TEAM_MANAGER, team=allocation.auditor_team_id)
    return staff.filter(role__in=MANAGER_ROLES)


def allocation_reallocate(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = _allocation_for_edit(request, pk)
    form = ReallocateForm(request.POST or None, candidates=_reallocation_candidates(allocation))
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_reallocate(
                allocation=allocation, auditor=form.cleaned_data["auditor"], by=request.user
            )
        except ValidationError as error:
            form.add_error("auditor", " ".join(error.messages))
        else:
            messages.success(request, f"Reallocated to {form.cleaned_data['auditor'].name}.")
            return redirect(_month_url(request, allocation))
    return render(
        request,
        "programme/reallocate.html",
        {
            "allocation": allocation,
            "form": form,
            "back_url": _month_url(request, allocation),
            "nav_active": "programme",
        },
    )


@require_POST
def allocation_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The auditor opens the audit form for one of their confirmed allocations."""
    allocation = selectors.allocation_get_to_start(user=request.user, pk=pk)
    if allocation.audit_id:
        return redirect("audit_edit", pk=allocation.audit_id)
    if allocation.status != AllocationStatus.PLANNED:
        raise Http404("Not available")
    try:
        audit = services.allocation_start(allocation=allocation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("home")
    return redirect("audit_edit", pk=audit.pk)


CLOSURE_PENDING_LIMIT = 50  # the longest-waiting first


def due_list(request: HttpRequest) -> HttpResponse:
    teams, _ = case_filter_options(user=request.user)
    form = DueFilterForm(request.GET or None, teams=teams)
    today = timezone.localdate()
    cases = selectors.due_list(user=request.user, month=today, **form.filters())
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    # A list of children's cases: one access-log entry per page shown (not per row).
    access_record(request=request, object_type=AccessObjectType.DUE_LIST, object_id=page.number)
    from .due import next_due

    rows = [
        (
            case,
            next_due(
                opened_on=case.opened_on,
                last_audited_on=case.last_audited_on,
                is_carer=case.is_carer,
                first_panel_on=case.first_panel_on,
            ),
        )
        for case in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    filters = form.filters()
    closures = list(
        closure_pending(
            user=request.user,
            team_id=filters.get("team_id"),
            service_area_id=filters.get("service_area_id"),
        )[: CLOSURE_PENDING_LIMIT + 1]
    )
    return render(
        request,
        "programme/due.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "today": today,
            "query": query.urlencode(),
            "nav_active": "due",
            "closures": closures[:CLOSURE_PENDING_LIMIT],
            "closures_more": len(closures) > CLOSURE_PENDING_LIMIT,
        },
    )
