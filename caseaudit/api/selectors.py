"""Reads for the API, each built on the selector the pages use, so the API shows a user exactly
what the pages show them: cases through `case_list`/`case_get`, audits through the audits app's
scope (`audit_get` and its visible set), responses through the responses app's, the programme
through `programme_get`, due items through `due_list`. Nothing here widens a scope."""

import datetime as dt

from django.db.models import Count, DateTimeField, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404

from caseaudit.audits import selectors as audit_selectors
from caseaudit.audits.models import Audit, open_finding_q
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff, Team
from caseaudit.organisation.selectors import service_area_list_with_teams
from caseaudit.responses import selectors as response_selectors
from caseaudit.responses.models import QAResponse

from .models import ApiToken
from .policy import can_manage_tokens

# --- tokens ---------------------------------------------------------------------------------


def token_access_check(user: Actor) -> None:
    """404 for anyone else, so the page's existence is not revealed."""
    if not can_manage_tokens(user):
        raise Http404("No such page")


def api_token_list(*, user: Actor) -> QuerySet[ApiToken]:
    token_access_check(user)
    return ApiToken.objects.select_related(
        "user", "user__staff", "created_by", "created_by__staff"
    ).order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id")  # active first


def api_token_get(*, user: Actor, pk: int) -> ApiToken:
    token_access_check(user)
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    return token


# --- the staff directory (no information about children: every member of staff sees it) -----


def staff_directory(
    *, search: str = "", team_id: int | None = None, role: str = ""
) -> QuerySet[Staff]:
    """Current staff, as the team pages list them, with the open cases each holds."""
    qs = (
        Staff.objects.active()
        .select_related("team", "service_area", "line_manager")
        .annotate(open_cases=Count("cases", filter=Q(cases__closed_on__isnull=True)))
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(staff_id__iexact=search))
    if team_id:
        qs = qs.filter(team_id=team_id)
    if role:
        qs = qs.filter(role=role)
    return qs.order_by("name", "id")


def team_directory() -> list[Team]:
    """Every team with its service area, staff and open case counts, as the teams page."""
    return [team for area in service_area_list_with_teams() for team in area.teams.all()]


# --- audits ---------------------------------------------------------------------------------


def audit_list(
    *,
    user: Actor,
    case_id: int | None = None,
    status: str = "",
    tool: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Audit]:
    """The audits of the cases the user may see (the audits app's own scope, which includes
    the audits they do), newest first. `date_from`/`date_to` bound the day the audit was
    completed (a draft: started)."""
    qs = (
        audit_selectors.audit_text_qs(user)
        .select_related("case", "tool_version__tool", "auditor")
        .annotate(
            open_findings=Count("urgent_findings", filter=open_finding_q("urgent_findings__"))
        )
    )
    if case_id:
        qs = qs.filter(case_id=case_id)
    if status:
        qs = qs.filter(status=status)
    if tool:
        qs = qs.filter(tool_version__tool__code=tool)
    if date_from or date_to:
        qs = qs.annotate(
            activity_on=TruncDate(
                Coalesce("completed_at", "started_at", output_field=DateTimeField())
            )
        )
        if date_from:
            qs = qs.filter(activity_on__gte=date_from)
        if date_to:
            qs = qs.filter(activity_on__lte=date_to)
    return qs.order_by("-started_at", "-id")


# --- QA responses ---------------------------------------------------------------------------


def response_list(
    *,
    user: Actor,
    case_id: int | None = None,
    status: str = "",
    worker_id: int | None = None,
) -> QuerySet[QAResponse]:
    """The QA responses on cases the user may see (the responses app's own scope)."""
    qs = response_selectors.response_visible_qs(user).select_related(
        "case", "worker", "supervisor", "audit__tool_version__tool"
    )
    if case_id:
        qs = qs.filter(case_id=case_id)
    if status:
        qs = qs.filter(status=status)
    if worker_id:
        qs = qs.filter(worker_id=worker_id)
    return qs.order_by("due_on", "id")
