"""Reads of QA responses, always scoped to what the user may see.

A response is visible to whoever may see its case (`caseaudit.cases.selectors.case_scope`).
That scope includes the cases of the open responses a member of staff must write or
authorise (`caseaudit.cases.selectors._own_work_scope`), so a worker whose case has been
reallocated can still finish the response asked of them.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_denied_record
from caseaudit.audits.models import ActionStatus, AuditStatus, RestorativeAction
from caseaudit.cases.selectors import case_scope_key, case_visible_qs, user_query_key
from caseaudit.core.prepared import PreparedQuery
from caseaudit.core.typing import Actor
from caseaudit.core.working_days import working_days_between
from caseaudit.organisation.models import Team
from caseaudit.organisation.roles import AUTHORITY_WIDE_ROLES, OVERVIEW_ROLES, Role
from caseaudit.organisation.selectors import staff_for_user

from .models import (
    OUTSTANDING,
    WITH_WORKER,
    ActionResponse,
    QAResponse,
    ResponseEvent,
    ResponseStatus,
)
from .policy import NOTHING, authoriser_q

# The Team Manager's page lists at most this many responses and as many actions.
OVERVIEW_LIMIT = 200


def _denied_if_exists(
    user: Actor,
    object_type: str,
    object_id: int,
    case_ids: QuerySet[QAResponse, int] | QuerySet[RestorativeAction, int],
) -> None:
    """A record that exists but is out of the user's scope: log the refused attempt (a
    missing record is only a 404). `case_ids` selects the case id of the record by its key
    (`values_list(..., flat=True)`): empty when there is no such record."""
    case_id = case_ids.first()
    if case_id is not None:
        access_denied_record(
            user=user, object_type=object_type, object_id=object_id, case_id=case_id
        )


def response_visible_qs(user: Actor) -> QuerySet[QAResponse]:
    """The QA responses on the cases the user may see (`case_visible_qs`)."""
    return QAResponse.objects.filter(case__in=case_visible_qs(user).values("pk"))


RESPONSE_RELATED = (
    "audit",
    "audit__tool_version__tool",
    "audit__auditor",
    "case",
    "case__team",
    "worker",
    "worker__line_manager",
    "supervisor",
)


# A response with its audit, case and people: compiled once per case scope
# (caseaudit/core/prepared.py), as `audits.selectors.audit_get`; the response pages, their
# saves and autosaves read it.
_response_get = PreparedQuery()


def response_get(*, user: Actor, pk: int) -> QAResponse:
    """The response, if the user may see its case; otherwise 404."""

    def build(response_id: int) -> QuerySet[QAResponse]:
        return (
            response_visible_qs(user)
            .select_related(
                *RESPONSE_RELATED,
                "submitted_by__staff",
                "returned_by__staff",
                "authorised_by__staff",
            )
            .filter(pk=response_id)
        )

    found = _response_get(int(pk), key=case_scope_key(user), build=build)
    response = found[0] if found else None
    if response is None:
        _denied_if_exists(
            user,
            AccessObjectType.QA_RESPONSE,
            pk,
            QAResponse.objects.filter(pk=pk).values_list("case_id", flat=True),
        )
        raise Http404("No such response")
    return response


# Prepared as `response_get`.
_action_get = PreparedQuery()


def action_get(*, user: Actor, pk: int) -> RestorativeAction:
    """A restorative action of a completed audit with a response, if the user may see its
    case; otherwise 404. Its response is loaded as `action.audit.qa_response`."""

    def build(action_id: int) -> QuerySet[RestorativeAction]:
        return RestorativeAction.objects.filter(
            pk=action_id,
            audit__status=AuditStatus.COMPLETED,
            audit__qa_response__isnull=False,
            audit__case__in=case_visible_qs(user).values("pk"),
        ).select_related(
            "owner",
            "audit__qa_response",
            "audit__qa_response__case",
            "audit__qa_response__worker",
        )

    found = _action_get(int(pk), key=case_scope_key(user), build=build)
    action = found[0] if found else None
    if action is None:
        _denied_if_exists(
            user,
            AccessObjectType.ACTION,
            pk,
            RestorativeAction.objects.filter(
                pk=pk, audit__status=AuditStatus.COMPLETED, audit__qa_response__isnull=False
            ).values_list("audit__case_id", flat=True),
        )
        raise Http404("No such action")
    return action


def response_for_audit_get(*, user: Actor, audit_pk: int) -> QAResponse:
    """The response to an audit, if the user may see its case; otherwise 404."""
    response = response_visible_qs(user).filter(audit_id=audit_pk).only("pk").first()
    if response is None:
        existing = QAResponse.objects.filter(audit_id=audit_pk).values("pk", "case_id").first()
        if existing is not None:
            access_denied_record(
                user=user,
                object_type=AccessObjectType.QA_RESPONSE,
                object_id=existing["pk"],
                case_id=existing["case_id"],
            )
        raise Http404("No such response")
    return response


@dataclass
class ActionItem:
    """One restorative action of a response, with its one answer (None: not answered yet)."""

    number: int
    action: RestorativeAction
    answer: ActionResponse | None

    @property
    def is_closed(self) -> bool:
        return self.action.manager_agreed_at is not None

    @property
    def awaits_agreement(self) -> bool:
        return self.action.status == ActionStatus.RESOLVED and not self.is_closed


@dataclass
class ResponseDocument:
    response: QAResponse
    actions: list[ActionItem]
    history: list[ResponseEvent]


def response_document(*, response: QAResponse) -> ResponseDocument:
    """The response's actions with their answers, and its history, in three queries however
    many actions and events it has. The caller has checked the user may see it."""
    actions = list(
        RestorativeAction.objects.filter(audit_id=response.audit_id)
        .select_related("owner", "resolved_by__staff", "manager_agreed_by__staff")
        .order_by("order", "id")
    )
    answers = {a.action_id: a for a in ActionResponse.objects.filter(response=response)}
    history = list(
        ResponseEvent.objects.filter(response=response)
        .select_related("by__staff")
        .order_by("at", "id")
    )
    return ResponseDocument(
        response=response,
        actions=[
            ActionItem(number=n, action=a, answer=answers.get(a.pk))
            for n, a in enumerate(actions, start=1)
        ],
        history=history,
    )


# --- Lists ------------------------------------------------------------------------------


def _list_related(qs: QuerySet[QAResponse]) -> QuerySet[QAResponse]:
    return qs.select_related(
        "case", "case__team", "worker", "supervisor", "audit__tool_version__tool"
    )


_my_responses = PreparedQuery()


@dataclass
class MyResponses:
    to_write: list[QAResponse] = field(default_factory=list)
    to_authorise: list[QAResponse] = field(default_factory=list)
    my_actions: list[RestorativeAction] = field(default_factory=list)
    to_agree: list[RestorativeAction] = field(default_factory=list)


def my_responses(
    *, user: Actor, with_actions: bool = True, today: dt.date | None = None
) -> MyResponses:
    """What waits for me: responses I must write (or write again), responses I may authorise,
    and (with `with_actions`) my open actions and those I may agree are resolved. One query
    (three with actions), however many there are. Each response and action gets `overdue`."""
    staff = staff_for_user(user)
    if staff is None:
        return MyResponses()
    today = today or timezone.localdate()
    mine = Q(worker=staff, status__in=WITH_WORKER)
    to_authorise = Q(status=ResponseStatus.SUBMITTED) & authoriser_q(staff)
    # Compiled once per person (caseaudit/core/prepared.py): the home page shows it.
    rows: list[QAResponse] = _my_responses(
        key=user_query_key(user),
        build=lambda: _list_related(response_visible_qs(user).filter(mine | to_authorise)).order_by(
            "due_on", "id"
        ),
    )
    # `overdue` and (below) `overdue_days` are attached for the templates (the home panels,
    # response_list.html, actions_table.html): the models declare no such fields.
    for r in rows:
        r.overdue = r.is_overdue(today)  # type: ignore[attr-defined]
    result = MyResponses(
        to_write=[r for r in rows if r.worker_id == staff.pk and r.status in WITH_WORKER],
        to_authorise=[r for r in rows if r.status == ResponseStatus.SUBMITTED],
    )
    if with_actions:
        actions = _actions_qs(user).select_related("owner", "audit__case", "audit__qa_response")
        result.my_actions = list(
            actions.filter(status=ActionStatus.OPEN)
            .filter(Q(owner=staff) | Q(owner__isnull=True, audit__qa_response__worker=staff))
            .order_by("due_on", "id")
        )
        for a in result.my_actions:
            overdue = _overdue_days(a.due_on, today) if a.due_on and a.due_on < today else 0
            a.overdue_days = overdue  # type: ignore[attr-defined]
        # Those of authorised responses: a submitted response's actions are agreed by
        # authorising it (they are in `to_authorise`).
        managed = QAResponse.objects.filter(
            authoriser_q(staff), status=ResponseStatus.AUTHORISED
        ).values("pk")
        result.to_agree = list(
            actions.filter(
                status=ActionStatus.RESOLVED,
                manager_agreed_at__isnull=True,
                audit__qa_response__in=managed,
            )
            .exclude(owner=staff)
            .order_by("resolved_at", "id")
        )
    return result


def _actions_qs(user: Actor) -> QuerySet[RestorativeAction]:
    """The actions of completed audits with a response, on cases the user may see."""
    return RestorativeAction.objects.filter(
        audit__status=AuditStatus.COMPLETED,
        audit__qa_response__isnull=False,
        audit__case__in=case_visible_qs(user).values("pk"),
    )


# --- The Team Manager's page ------------------------------------------------------------


def overview_q(user: Actor) -> Q | None:
    """A filter on responses for the Team Manager's page: a Team Manager (and Business
    Support) their team's, a CSM their service's, a Practice Supervisor those they supervise,
    senior managers and Performance Assurance every one. None: the page is not for them."""
    if user.is_superuser:
        return Q()
    staff = staff_for_user(user)
    if staff is None or staff.role not in OVERVIEW_ROLES:
        return None
    if staff.role in AUTHORITY_WIDE_ROLES:
        return Q()
    if staff.role in (Role.TEAM_MANAGER, Role.BUSINESS_SUPPORT):
        return Q(case__team_id=staff.team_id) if staff.team_id else NOTHING
    if staff.role == Role.SERVICE_MANAGER:
        area = staff.effective_service_area_id
        return Q(case__team__service_area_id=area) if area else NOTHING
    return Q(supervisor=staff) | Q(worker__line_manager=staff)


def _overdue_days(due_on: dt.date, today: dt.date) -> int:
    """Working days past the due date; at least 1 once the due date has passed (a response
    due on Friday is overdue on Saturday)."""
    return max(1, working_days_between(due_on, today))


@dataclass
class ResponseRow:
    response: QAResponse
    overdue_days: int  # working days past the due date, 0 if not overdue

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass
class ActionRow:
    action: RestorativeAction
    overdue_days: int

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def awaits_agreement(self) -> bool:
        return self.action.status == ActionStatus.RESOLVED


@dataclass
class TeamOverview:
    today: dt.date
    responses: list[ResponseRow]
    actions: list[ActionRow]
    counts: dict[str, int]
    teams: list[Team]
    team_id: int | None
    limit: int = OVERVIEW_LIMIT


def team_overview(
    *, user: Actor, today: dt.date | None = None, team_id: int | None = None
) -> TeamOverview | None:
    """Every outstanding response and every open action in the user's scope, most overdue
    first, with counts. None when the page is not for the user. A fixed number of queries."""
    scope = overview_q(user)
    if scope is None:
        return None
    today = today or timezone.localdate()
    in_scope = response_visible_qs(user).filter(scope)
    teams = list(Team.objects.filter(pk__in=in_scope.values("case__team_id")).order_by("name"))
    if team_id is not None:
        if team_id not in {t.pk for t in teams}:
            team_id = None
        else:
            in_scope = in_scope.filter(case__team_id=team_id)
    outstanding = in_scope.filter(status__in=OUTSTANDING)
    with_worker = Q(status__in=WITH_WORKER)
    counts = outstanding.aggregate(
        outstanding=Count("pk"),
        with_worker=Count("pk", filter=with_worker),
        overdue=Count("pk", filter=with_worker & Q(due_on__lt=today)),
        to_authorise=Count("pk", filter=Q(status=ResponseStatus.SUBMITTED)),
    )
    responses = list(_list_related(outstanding).order_by("due_on", "id")[:OVERVIEW_LIMIT])
    open_actions = RestorativeAction.objects.filter(
        audit__status=AuditStatus.COMPLETED,
        audit__qa_response__in=in_scope.values("pk"),
    ).filter(
        Q(status=ActionStatus.OPEN)
        | Q(status=ActionStatus.RESOLVED, manager_agreed_at__isnull=True)
    )
    counts |= open_actions.aggregate(
        open_actions=Count("pk", filter=Q(status=ActionStatus.OPEN)),
        overdue_actions=Count("pk", filter=Q(status=ActionStatus.OPEN, due_on__lt=today)),
        awaiting_agreement=Count("pk", filter=Q(status=ActionStatus.RESOLVED)),
    )
    actions = list(
        open_actions.select_related("owner", "audit__case", "audit__qa_response").order_by(
            "due_on", "id"
        )[:OVERVIEW_LIMIT]
    )
    return TeamOverview(
        today=today,
        responses=[
            ResponseRow(
                response=r,
                overdue_days=_overdue_days(r.due_on, today) if r.is_overdue(today) else 0,
            )
            for r in responses
        ],
        actions=[
            ActionRow(
                action=a,
                overdue_days=_overdue_days(a.due_on, today)
                if a.status == ActionStatus.OPEN and a.due_on and a.due_on < today
                else 0,
            )
            for a in actions
        ],
        counts=counts,
        teams=teams,
        team_id=team_id,
    )


def home_responses(*, user: Actor) -> MyResponses:
    """The home page's panels: responses due from me, responses to authorise (one query)."""
    return my_responses(user=user, with_actions=False)
