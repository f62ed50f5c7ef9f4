"""Reads of audits, always scoped to what the user may see.

An audit is visible to whoever may see its case (`caseaudit.cases.selectors.case_scope`), which
includes the auditor: the case scope holds every case a member of staff audits
(`caseaudit.cases.selectors._own_work_scope`).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_denied_record
from caseaudit.audit_tools.models import (
    Question,
    QuestionKind,
    ScalingBand,
    Section,
    Tool,
    ToolVersion,
    VersionStatus,
)
from caseaudit.audit_tools.selectors import band_for, scaling_bands, tool_version_with_content
from caseaudit.cases.models import Case
from caseaudit.cases.selectors import case_scope_key, case_visible_qs
from caseaudit.core.prepared import PreparedQuery
from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import AUDIT_TEXT_HIDDEN_ROLES
from caseaudit.organisation.selectors import staff_for_user

from . import start_rules
from .models import (
    Audit,
    AuditEvent,
    AuditStatus,
    BlindReading,
    QuestionAnswer,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
    open_finding_q,
)
from .policy import NOTHING, audit_refusal, finding_case_q

MY_AUDITS_RECENT_DAYS = 90


def _denied_if_exists(user: Actor, object_type: str, qs: QuerySet, object_id: int) -> None:
    """A record that exists but is out of the user's scope: log the refused attempt (a
    missing record is only a 404). `qs` selects the record by its key; it has a `case_id`."""
    case_id = qs.values_list("case_id", flat=True).first()
    if case_id is not None:
        access_denied_record(
            user=user, object_type=object_type, object_id=object_id, case_id=case_id
        )


def audit_visible_qs(user: Actor) -> QuerySet[Audit]:
    """The audits of the cases the user may see (`case_visible_qs`, which includes the cases
    they audit)."""
    return Audit.objects.filter(case__in=case_visible_qs(user).values("pk"))


def reads_audit_text(user: Actor) -> bool:
    """Whether the user may read audits themselves (their text, PDF and urgent findings),
    not only that they exist: everyone who sees the case except `AUDIT_TEXT_HIDDEN_ROLES`."""
    staff = staff_for_user(user)
    return staff is None or staff.role not in AUDIT_TEXT_HIDDEN_ROLES


def audit_text_qs(user: Actor) -> QuerySet[Audit]:
    """The audits whose text the user may read: `audit_visible_qs` without the roles that
    see only that audits exist."""
    if not reads_audit_text(user):
        return Audit.objects.none()
    return audit_visible_qs(user)


# An audit with its case, tool and the people named on its page: compiled once per case scope
# and per whether the role reads audits (caseaudit/core/prepared.py). Every audit page, save
# and autosave reads it; compiling its twelve joins and the scope's subqueries cost more than
# running them (7.5 against 0.3 ms of CPU, PostgreSQL, county).
_audit_get = PreparedQuery()


def audit_get(*, user: Actor, pk: int) -> Audit:
    """The audit, if the user may read it (they see its case, auditors always do, and their
    role reads audits); otherwise 404."""

    def build(audit_id: int) -> QuerySet[Audit]:
        return (
            audit_text_qs(user)
            .select_related(
                "case",
                "case__team",
                "case__team__service_area",
                "case__allocated_worker",
                "case__allocated_worker__line_manager",
                "tool_version",
                "tool_version__tool",
                "auditor",
                "completed_by__staff",
                "reopened_by__staff",
                "updated_by__staff",
                "discarded_by__staff",
            )
            .filter(pk=audit_id)
        )

    found = _audit_get(int(pk), key=(case_scope_key(user), reads_audit_text(user)), build=build)
    if not found:
        _denied_if_exists(user, AccessObjectType.AUDIT, Audit.objects.filter(pk=pk), pk)
        raise Http404("No such audit")
    return found[0]


def scales_hidden_for(*, user: Actor, audit: Audit) -> bool:
    """Whether the audit's scales are hidden from the user: they are its moderator and have
    not compared yet (`BlindReading`, written by the moderation app). One query, none for a
    user without a staff record or for the audit's own auditor (never its moderator)."""
    staff = staff_for_user(user)
    if staff is None or staff.pk == audit.auditor_id:
        return False
    return BlindReading.objects.filter(audit_id=audit.pk, staff_id=staff.pk).exists()


# The case page's audits: compiled once per case scope (caseaudit/core/prepared.py).
_audit_list_for_case = PreparedQuery()


def audit_list_for_case(*, user: Actor, case: Case) -> list[Audit]:
    """The case's audits, newest first, with their count of open urgent findings."""

    def build(case_id: int) -> QuerySet[Audit]:
        return (
            audit_visible_qs(user)
            .filter(case_id=case_id)
            .select_related("tool_version__tool", "auditor")
            .annotate(
                open_findings=Count("urgent_findings", filter=open_finding_q("urgent_findings__"))
            )
            .order_by("-started_at", "-id")
        )

    return _audit_list_for_case(case.pk, key=case_scope_key(user), build=build)


def my_audits_since(*, recent_days: int = MY_AUDITS_RECENT_DAYS) -> dt.datetime:
    """Where "completed recently" (`my_audits`) starts: `recent_days` ago."""
    return timezone.now() - dt.timedelta(days=recent_days)


def my_audits(
    *, user: Actor, recent_days: int = MY_AUDITS_RECENT_DAYS, since: dt.datetime | None = None
) -> QuerySet[Audit]:
    """The audits I am doing (drafts) and those I completed recently (since `since`, by
    default `my_audits_since(recent_days=recent_days)`): drafts first."""
    staff = staff_for_user(user)
    if staff is None:
        return Audit.objects.none()
    if since is None:
        since = my_audits_since(recent_days=recent_days)
    return (
        Audit.objects.filter(auditor=staff)
        .filter(Q(status=AuditStatus.DRAFT) | Q(completed_at__gte=since))
        .select_related("case", "tool_version__tool")
        .order_by("-status", "-updated_at", "-id")  # "draft" sorts after "completed"
    )


def urgent_findings_open_for(*, user: Actor) -> QuerySet[UrgentFinding]:
    """Open urgent findings the user must acknowledge: on cases in their scope where they are
    the Team Manager, the Practice Supervisor, the service's CSM, an AD or the Director."""
    staff = staff_for_user(user)
    responsible = finding_case_q(staff)
    if responsible == NOTHING:  # no staff record, or not one who acknowledges
        return UrgentFinding.objects.none()
    # The case of each open finding is checked (a subquery on the finding's own case), rather
    # than the person's whole case scope listed and matched with the open findings: those are
    # a few hundred in the authority, the scope's cases thousands, and PostgreSQL would read
    # every case to list them (a Team Manager's home page: 5 ms for this query, 0.6 ms so;
    # a CSM's 10 ms, 2 ms; `make bench`, county). Referring to the outer row keeps PostgreSQL
    # from turning the subquery back into a join.
    cases = case_visible_qs(user).filter(responsible, pk=OuterRef("case_id"))
    return (
        UrgentFinding.objects.open()
        .filter(case__in=cases.values("pk"))
        .select_related("case", "audit__tool_version__tool", "audit__auditor")
        .order_by("raised_at", "id")
    )


# A finding with its audit, case and people, prepared as `audit_get` (5.8 against 0.3 ms of
# CPU, PostgreSQL, county).
_urgent_finding_get = PreparedQuery()


def urgent_finding_get(*, user: Actor, pk: int) -> UrgentFinding:
    """The finding, if the user may see its case; otherwise 404."""

    def build(finding_id: int) -> QuerySet[UrgentFinding]:
        cases = case_visible_qs(user) if reads_audit_text(user) else Case.objects.none()
        return UrgentFinding.objects.filter(
            pk=finding_id, case__in=cases.values("pk")
        ).select_related(
            "audit",
            "audit__tool_version__tool",
            "audit__auditor",
            "case",
            "case__team",
            "case__allocated_worker",
            "acknowledged_by__staff",
            "withdrawn_by__staff",
        )

    key = (case_scope_key(user), reads_audit_text(user))
    found = _urgent_finding_get(int(pk), key=key, build=build)
    if not found:
        _denied_if_exists(
            user, AccessObjectType.URGENT_FINDING, UrgentFinding.objects.filter(pk=pk), pk
        )
        raise Http404("No such finding")
    return found[0]


# --- The audit as a document: what the form, the audit page and the PDF show ---------------


QUESTION_ANSWER_LABELS = {"yes": "Yes", "no": "No", "na": "Not applicable"}


@dataclass
class QuestionItem:
    question: Question
    answer: QuestionAnswer | None

    @property
    def display(self) -> str:
        """The answer as a person reads it ("Yes", "1 March 2026", the text)."""
        value = self.answer.answer if self.answer else ""
        if not value:
            return ""
        if self.question.kind == QuestionKind.YES_NO_NA:
            return QUESTION_ANSWER_LABELS.get(value, value)
        if self.question.kind == QuestionKind.DATE:
            try:
                return f"{dt.date.fromisoformat(value):%-d %B %Y}"
            except ValueError:
                return value
        return value

    @property
    def evidence(self) -> str:
        return self.answer.evidence if self.answer else ""


@dataclass
class SectionItem:
    number: int
    section: Section
    answer: SectionAnswer | None
    band: ScalingBand | None
    questions: list[QuestionItem] = field(default_factory=list)

    @property
    def scale(self) -> int | None:
        return self.answer.scale if self.answer else None


@dataclass
class AuditDocument:
    audit: Audit
    version: ToolVersion
    bands: list[ScalingBand]
    sections: list[SectionItem]
    actions: list[RestorativeAction]
    findings: list[UrgentFinding]
    overall_band: ScalingBand | None

    @property
    def open_findings(self) -> list[UrgentFinding]:
        return [f for f in self.findings if f.is_open]


# The audit's own rows, each query compiled once (caseaudit/core/prepared.py): every audit
# page, save and check reads them (compiling was a fifth of the audit page's CPU time).
_section_answers = PreparedQuery(lambda audit_id: SectionAnswer.objects.filter(audit_id=audit_id))
_question_answers = PreparedQuery(lambda audit_id: QuestionAnswer.objects.filter(audit_id=audit_id))
_actions = PreparedQuery(
    lambda audit_id: (
        RestorativeAction.objects.filter(audit_id=audit_id)
        .select_related("owner", "section")
        .order_by("order", "id")
    )
)
_findings = PreparedQuery(
    lambda audit_id: (
        UrgentFinding.objects.filter(audit_id=audit_id)
        .select_related("acknowledged_by__staff", "withdrawn_by__staff")
        .order_by("raised_at", "id")
    )
)
_history = PreparedQuery(
    lambda audit_id: (
        AuditEvent.objects.filter(audit_id=audit_id)
        .select_related("by__staff")
        .order_by("at", "id")
    )
)


def audit_document(*, audit: Audit) -> AuditDocument:
    """Everything an audit holds, loaded in a fixed number of queries (eight) however many
    sections, questions and actions it has. The caller has checked the user may see it."""
    version = tool_version_with_content(pk=audit.tool_version_id)
    bands = scaling_bands()
    section_answers = {a.section_id: a for a in _section_answers(audit.pk)}
    question_answers = {a.question_id: a for a in _question_answers(audit.pk)}
    sections = []
    for number, section in enumerate(version.sections.all(), start=1):
        answer = section_answers.get(section.pk)
        sections.append(
            SectionItem(
                number=number,
                section=section,
                answer=answer,
                band=band_for(score=answer.scale, bands=bands) if answer else None,
                questions=[
                    QuestionItem(question=q, answer=question_answers.get(q.pk))
                    for q in section.questions.all()
                ],
            )
        )
    actions = _actions(audit.pk)
    findings = _findings(audit.pk)
    return AuditDocument(
        audit=audit,
        version=version,
        bands=bands,
        sections=sections,
        actions=actions,
        findings=findings,
        overall_band=band_for(score=audit.overall_scale, bands=bands),
    )


def audit_history(*, audit: Audit) -> list[AuditEvent]:
    return _history(audit.pk)


def action_owner_choices(*, case: Case, actions: Iterable[RestorativeAction] = ()) -> list[Staff]:
    """Who may own a restorative action: the case team's current staff and the allocated
    worker, plus anyone already named on one of the audit's actions."""
    q = Q(team_id=case.team_id, left_on__isnull=True)
    if case.allocated_worker_id:
        q |= Q(pk=case.allocated_worker_id)
    owner_ids = [a.owner_id for a in actions if a.owner_id]
    if owner_ids:
        q |= Q(pk__in=owner_ids)
    return list(Staff.objects.filter(q).order_by("name"))


# The case page offers them: compiled once per process (caseaudit/core/prepared.py).
_published_tools = PreparedQuery(
    lambda: Tool.objects.filter(versions__status=VersionStatus.PUBLISHED).order_by("name")
)


def audit_start_options(*, user: Actor, case: Case) -> list[Tool]:
    """The tools the user may start an audit of this case with (empty when they may not
    audit it). The caller has checked the user may see the case (`case_get`); `audit_start`
    checks it again."""

    staff = staff_for_user(user)
    if staff is None or audit_refusal(staff, case, check_visible=False) is not None:
        return []
    return [
        tool
        for tool in _published_tools()
        if case.case_type in (tool.applies_to or [])
        and audit_refusal(staff, case, tool_code=tool.code, check_visible=False) is None
        and start_rules.tool_refusal(staff=staff, case=case, tool=tool) is None
    ]
