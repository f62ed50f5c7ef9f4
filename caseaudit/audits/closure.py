"""Reads of the closure gate: what stands between a case and its closure, worked out from
its audits (docs/procedure.md; the procedure: "Closure audit for all cases prior to closure.
Where actions are needed prior to closure this should be immediately done so closure may
happen").

They read audits and their restorative actions only, so they live here, below the apps that
show them (the programme's due page, the reports, the case closure page in
`caseaudit.dataprotection`); closing a case is `caseaudit.dataprotection.services.case_close`.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from caseaudit.cases.models import Case
from caseaudit.cases.selectors import case_visible_qs
from caseaudit.core.typing import Actor

from .models import ActionStatus, Audit, AuditStatus, RestorativeAction

CLOSURE_TOOL = "closure"


@dataclass
class ClosureStatus:
    """What stands between a case and its closure.

    `closure_audit`: its latest completed Closure Record (None if there is none);
    `drafts`: Closure Records still in draft; `open_actions`: the restorative actions of the
    case's completed audits (every tool, not only the Closure Record) not yet resolved by
    their owner and agreed by a manager. Actions of draft audits are not actions yet.
    """

    case: Case
    closure_audit: Audit | None
    drafts: list = field(default_factory=list)
    open_actions: list = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Why the case cannot close, in words (empty when it can)."""
        problems = []
        if self.closure_audit is None:
            if self.drafts:
                problems.append(
                    "The Closure Record (closure audit) of this case is still a draft: it must "
                    "be completed before the case can close."
                )
            else:
                problems.append(
                    "No Closure Record (closure audit) has been completed for this case."
                )
        if self.open_actions:
            count = len(self.open_actions)
            problems.append(
                f"{count} restorative action{'s' if count != 1 else ''} on this case "
                f"{'are' if count != 1 else 'is'} not resolved: each must be resolved by its "
                "owner and agreed by a manager."
            )
        return problems

    @property
    def ready(self) -> bool:
        return self.case.closed_on is None and not self.problems


def _unresolved_actions_q() -> Q:
    return Q(status=ActionStatus.OPEN) | Q(manager_agreed_at__isnull=True)


def closure_status(*, case: Case) -> ClosureStatus:
    """The case's closure gate, in two queries. The caller has checked the user may see it."""
    audits = list(
        Audit.objects.filter(case=case, tool_version__tool__code=CLOSURE_TOOL)
        .exclude(status=AuditStatus.DISCARDED)
        .select_related("auditor", "tool_version__tool")
        .order_by("-started_at", "-id")
    )
    completed = [a for a in audits if a.status == AuditStatus.COMPLETED]
    open_actions = list(
        RestorativeAction.objects.filter(audit__case=case, audit__status=AuditStatus.COMPLETED)
        .filter(_unresolved_actions_q())
        .select_related("owner", "audit__tool_version__tool")
        .order_by("due_on", "id")
    )
    return ClosureStatus(
        case=case,
        closure_audit=max(completed, key=lambda a: a.completed_at) if completed else None,
        drafts=[a for a in audits if a.status == AuditStatus.DRAFT],
        open_actions=open_actions,
    )


def closure_pending(
    *, user: Actor, team_id: int | None = None, service_area_id: int | None = None
) -> QuerySet[Case]:
    """Open cases in the user's scope whose closure is under way but not ready: a Closure
    Record in draft, or one completed while actions on the case are still unresolved (a
    discarded draft does not count).

    Each case carries `closure_audit_id`, `closure_audit_status`, `closure_started_at` and
    `closure_completed_at` (its latest Closure Record) and `unresolved_actions`; the
    longest-waiting first. A fixed number of queries however many cases.
    """
    # A discarded draft (started by mistake) is no Closure Record: it holds nothing up.
    closure_audits = Audit.objects.filter(tool_version__tool__code=CLOSURE_TOOL).exclude(
        status=AuditStatus.DISCARDED
    )
    of_case = closure_audits.filter(case=OuterRef("pk"))
    latest = of_case.order_by("-started_at", "-id")
    unresolved = (
        RestorativeAction.objects.filter(
            audit__case=OuterRef("pk"), audit__status=AuditStatus.COMPLETED
        )
        .filter(_unresolved_actions_q())
        .order_by()
        .values("audit__case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        case_visible_qs(user)
        .filter(closed_on__isnull=True, pk__in=closure_audits.values("case_id"))
        .annotate(
            closure_draft=Exists(of_case.filter(status=AuditStatus.DRAFT)),
            closure_completed=Exists(of_case.filter(status=AuditStatus.COMPLETED)),
            unresolved_actions=Coalesce(
                Subquery(unresolved, output_field=IntegerField()), 0, output_field=IntegerField()
            ),
            closure_audit_id=Subquery(latest.values("pk")[:1]),
            closure_audit_status=Subquery(latest.values("status")[:1]),
            closure_started_at=Subquery(latest.values("started_at")[:1]),
            closure_completed_at=Subquery(latest.values("completed_at")[:1]),
        )
        .filter(Q(closure_draft=True) | Q(closure_completed=True, unresolved_actions__gt=0))
    )
    if team_id:
        qs = qs.filter(team_id=team_id)
    if service_area_id:
        qs = qs.filter(team__service_area_id=service_area_id)
    return qs.select_related("team", "allocated_worker").order_by("closure_started_at", "reference")
