"""Urgent findings, from raising to closing.

- **Raising.** A section or the overall scale in an urgent band, or a serious safeguarding issue
  marked, is a trigger (`urgent_triggers`). `audit_save` raises the triggers not yet raised
  (`raise_urgent_findings`) when asked to: the API's save does; the audit form's autosave and
  "Save and add more actions" never do; the form's "Save draft" and "Complete" save without
  raising and, when a trigger is pending (`pending_triggers`), ask the auditor first on a page
  of its own; only their confirmation raises it (`findings_raise_confirmed`), checked against
  the revision they were shown.
- **Who is told** (`finding_recipients`): the case team's Team Manager(s) (else the service's
  CSMs) and the case's Practice Supervisor, never the auditor; in the app and by email at once.
  The email names the case by its reference and links to the finding; it never carries the
  child's name or the auditor's words. The finding's page shows them.
- **Closing.** A manager acknowledges it with the action taken (`urgent_finding_acknowledge`),
  or the auditor withdraws it as raised in error, with a reason (`urgent_finding_withdraw`):
  everyone told about it is told it was withdrawn. Both are compare-and-sets on "still open",
  so of the two at once exactly one wins. The audit's history keeps both the raising and the
  withdrawal. Nothing closes a finding by itself: a finding whose section has since been
  scaled out of the urgent band stays open and is offered to the auditor for withdrawal
  (`FindingItem.still_urgent`).
- **Chasing** (`findings_chase`, run by `run_due_jobs` each working day): a finding still open
  1 working day after the day it was raised is reminded to those told; after 2 working days it
  goes to the service's Children's Service Manager(s); after 5 to the Assistant Director
  (`CHASE_STEPS`). Each step is taken once per finding (a compare-and-set on its time).
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from caseaudit.audit_tools.models import ScalingBand, Section
from caseaudit.audit_tools.selectors import band_for, scaling_bands
from caseaudit.cases.models import Case
from caseaudit.core.exceptions import TransitionConflict
from caseaudit.core.typing import Actor, By, User
from caseaudit.core.working_days import add_working_days, is_working_day
from caseaudit.notifications.models import Notification
from caseaudit.notifications.services import NotificationKind, notify
from caseaudit.organisation.models import Staff
from caseaudit.organisation.roles import Role
from caseaudit.organisation.selectors import team_accountable_managers

from .models import (
    Audit,
    AuditEvent,
    AuditStatus,
    EventKind,
    SectionAnswer,
    UrgentFinding,
    open_finding_q,
)
from .policy import can_acknowledge, can_edit, can_withdraw
from .wording import at_moment, by_whom

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trigger:
    """Something in an audit that raises an urgent finding: `key` is the finding's `trigger`
    ("section:<section id>", "overall" or "serious")."""

    key: str
    reason: str
    scale: int | None
    section: Section | None = None


@dataclass(frozen=True)
class ChaseStep:
    number: int
    after: int  # working days after the day the finding was raised
    field: str  # the finding's time of this step
    kind: NotificationKind
    name: str  # what run_due_jobs counts


CHASE_STEPS = (
    ChaseStep(1, 1, "reminded_at", NotificationKind.URGENT_FINDING_REMINDER, "urgent_reminded"),
    ChaseStep(
        2, 2, "escalated_to_csm_at", NotificationKind.URGENT_FINDING_ESCALATED, "urgent_to_csm"
    ),
    ChaseStep(
        3, 5, "escalated_to_ad_at", NotificationKind.URGENT_FINDING_ESCALATED, "urgent_to_ad"
    ),
)


def _clean_text(value) -> str:
    return "" if value is None else str(value).strip()


def _event(audit: Audit, by: By, kind: str, at, **detail) -> AuditEvent:
    return AuditEvent.objects.create(audit=audit, by=by, kind=kind, at=at, detail=detail)


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def finding_url(finding: UrgentFinding) -> str:
    """The finding's own page: what the auditor is worried about, and the acknowledge form."""
    return reverse("urgent_finding_acknowledge", args=[finding.pk])


def finding_headline(finding: UrgentFinding) -> str:
    """The finding without the auditor's narrative (which an email must not carry)."""
    if finding.trigger == "serious":
        return "the auditor marked a serious safeguarding issue"
    return finding.reason


# --- Raising ------------------------------------------------------------------------------


def urgent_triggers(
    audit: Audit, answers: dict, sections: dict, bands: list[ScalingBand] | None = None
) -> list[Trigger]:
    """Each urgent matter the audit holds now (`answers` and `sections` by section id;
    `bands`, when loaded already, saves a query)."""
    if bands is None:
        bands = scaling_bands()
    triggers = []
    for section in sorted(sections.values(), key=lambda s: (s.order, s.pk)):
        scale = getattr(answers.get(section.pk), "scale", None)
        band = band_for(score=scale, bands=bands)
        if band is not None and band.urgent:
            triggers.append(
                Trigger(
                    f"section:{section.pk}",
                    f"“{section.title}” scaled {scale} ({band.name})",
                    scale,
                    section,
                )
            )
    band = band_for(score=audit.overall_scale, bands=bands)
    if band is not None and band.urgent:
        triggers.append(
            Trigger(
                "overall", f"Overall scale {audit.overall_scale} ({band.name})", audit.overall_scale
            )
        )
    if audit.serious_safeguarding:
        reason = "The auditor marked a serious safeguarding issue"
        if audit.serious_safeguarding_detail:
            reason += f": {audit.serious_safeguarding_detail}"
        triggers.append(Trigger("serious", reason, None))
    return triggers


def _live_triggers(audit: Audit) -> set[str]:
    """The triggers the audit has raised and not withdrawn (open or acknowledged)."""
    return set(
        UrgentFinding.objects.filter(audit=audit, withdrawn_at__isnull=True).values_list(
            "trigger", flat=True
        )
    )


def raise_urgent_findings(
    *, audit: Audit, by: By, answers: dict, sections: dict, now
) -> list[UrgentFinding]:
    """Raise each trigger the audit holds that has no finding yet (a withdrawn one does not
    count), record it in the audit's history and tell the managers. The caller holds the
    audit's row (a save's revision update, or `findings_raise_confirmed`'s lock)."""
    triggers = urgent_triggers(audit, answers, sections)
    if not triggers:
        return []
    raised_before = _live_triggers(audit)
    raised = []
    for trigger in triggers:
        if trigger.key in raised_before:
            continue
        finding = UrgentFinding.objects.create(
            audit=audit,
            case_id=audit.case_id,
            trigger=trigger.key,
            reason=trigger.reason,
            scale=trigger.scale,
            raised_at=now,
            raised_by=by,
        )
        _event(
            audit, by, EventKind.FINDING_RAISED, at=now, finding=finding.pk, reason=trigger.reason
        )
        raised.append(finding)
    if raised:
        _notify_raised(audit, raised)
    return raised


def pending_triggers(*, audit: Audit) -> list[Trigger]:
    """The triggers a save has left waiting for the auditor's confirmation: what confirming
    would raise now (from the audit as saved)."""
    sections = {s.pk: s for s in Section.objects.filter(version_id=audit.tool_version_id)}
    answers = {a.section_id: a for a in SectionAnswer.objects.filter(audit=audit)}
    live = _live_triggers(audit)
    return [t for t in urgent_triggers(audit, answers, sections) if t.key not in live]


def pending_in_document(*, document) -> list[Trigger]:
    """`pending_triggers` of an audit document already loaded (`selectors.audit_document`),
    without a query: what the audit form shows as "not yet alerted"."""
    sections = {item.section.pk: item.section for item in document.sections}
    answers = {item.section.pk: item.answer for item in document.sections if item.answer}
    live = {f.trigger for f in document.findings if not f.is_withdrawn}
    triggers = urgent_triggers(document.audit, answers, sections, document.bands)
    return [t for t in triggers if t.key not in live]


def document_finding_items(*, user: Actor, document) -> list["FindingItem"]:
    """`finding_items` of every finding of an audit document already loaded, without a query."""
    return finding_items(
        user=user,
        audit=document.audit,
        findings=document.findings,
        answers={item.section.pk: item.answer for item in document.sections if item.answer},
        sections={item.section.pk: item.section for item in document.sections},
        bands=document.bands,
    )


def pending_words(*, audit: Audit, triggers: list[Trigger]) -> list[tuple[Trigger, list]]:
    """Each pending trigger with the auditor's own words about it (as `FindingItem.words`)."""
    answers = {
        a.section_id: a
        for a in SectionAnswer.objects.filter(
            audit=audit, section_id__in=[t.section.pk for t in triggers if t.section]
        )
    }
    return [
        (t, _words(audit, t.key, answers.get(t.section.pk) if t.section else None))
        for t in triggers
    ]


def findings_raise_confirmed(*, audit: Audit, by: User, revision: int) -> list[UrgentFinding]:
    """The auditor confirms the alert they were asked about: raise the pending findings of the
    audit as it was at `revision` (the revision the question showed). When the audit has been
    saved since, or completed, `TransitionConflict`: nothing is raised, and the auditor is asked
    again about what it holds now. Of two confirmations at once (a double click) the second
    finds the findings raised and raises nothing."""
    if not can_edit(by, audit):
        raise ValidationError(
            "Only the auditor can raise this audit's urgent findings.", code="not_allowed"
        )
    with transaction.atomic():
        current = (
            Audit.objects.select_for_update()
            .filter(pk=audit.pk)
            .values_list("revision", "status")
            .first()
        )
        if current != (revision, AuditStatus.DRAFT):
            raise TransitionConflict(
                "The audit was saved again or completed after you were asked, so nobody was "
                "alerted: check what would be raised now."
            )
        audit.refresh_from_db(
            fields=["overall_scale", "serious_safeguarding", "serious_safeguarding_detail"]
        )
        sections = {s.pk: s for s in Section.objects.filter(version_id=audit.tool_version_id)}
        answers = {a.section_id: a for a in SectionAnswer.objects.filter(audit=audit)}
        return raise_urgent_findings(
            audit=audit, by=by, answers=answers, sections=sections, now=timezone.now()
        )


def finding_recipients(case: Case, *, exclude: Staff | None = None) -> list[Staff]:
    """Who is told of an urgent finding at once: the case team's Team Manager(s) and the case's
    Practice Supervisor; if the team has no Team Manager, the service's CSM(s) instead."""
    recipients = {s.pk: s for s in team_accountable_managers(team=case.team)}
    supervisor = case.practice_supervisor
    if supervisor is not None and supervisor.is_active:
        recipients.setdefault(supervisor.pk, supervisor)
    if exclude is not None:
        recipients.pop(exclude.pk, None)
    return list(recipients.values())


def recipients_in_words(recipients: list[Staff]) -> str:
    """ "the Team Manager and Practice Supervisor": the roles of those told, in words."""
    roles = []
    for staff in recipients:
        label = staff.get_role_display()
        if label not in roles:
            roles.append(label)
    if not roles:
        return "nobody else"
    if len(roles) == 1:
        return f"the {roles[0]}"
    return "the " + ", ".join(roles[:-1]) + f" and {roles[-1]}"


def _notify_raised(audit: Audit, findings: list[UrgentFinding]) -> None:
    case = audit.case
    tool = audit.tool_version.tool.name
    for staff in finding_recipients(case, exclude=audit.auditor):
        for finding in findings:
            # No child's name and no narrative in the subject or the email: the reference only.
            notify(
                recipient=staff,
                kind=NotificationKind.URGENT_FINDING,
                subject=f"Urgent finding: case {case.reference}",
                body=(
                    f"An audit of case {case.reference} ({tool}, by {audit.auditor.name}) has "
                    f"raised an urgent finding: {finding_headline(finding)}.\n\n"
                    "Open the finding to read what the auditor is worried about and what needs "
                    "to happen, and record the action taken. It stays open until a manager "
                    "acknowledges it: if nobody has after 2 working days the Children's Service "
                    "Manager is told, and after 5 the Assistant Director."
                ),
                url=finding_url(finding),
                idempotency_key=f"urgent-finding:{finding.pk}:{staff.pk}",
                email=True,
            )


# --- Closing: acknowledging and withdrawing ----------------------------------------------


def _closed_conflict(pk: int) -> TransitionConflict:
    current = UrgentFinding.objects.select_related("acknowledged_by", "withdrawn_by").get(pk=pk)
    if current.withdrawn_at is not None:
        return TransitionConflict(
            f"This finding was withdrawn{by_whom(current.withdrawn_by)}"
            f"{at_moment(current.withdrawn_at)}: nothing was changed."
        )
    return TransitionConflict(
        f"This finding has already been acknowledged{by_whom(current.acknowledged_by)}"
        f"{at_moment(current.acknowledged_at)}: nothing was changed."
    )


def urgent_finding_acknowledge(
    *, finding: UrgentFinding, by: User, action_taken: str
) -> UrgentFinding:
    """A manager records the action taken on an open urgent finding, which closes it (a
    compare-and-set on "still open": one that was acknowledged or withdrawn meanwhile is a
    `TransitionConflict`)."""
    action_taken = _clean_text(action_taken)
    with transaction.atomic():
        if not can_acknowledge(by, finding):
            raise ValidationError(
                "Only the case's Team Manager or Practice Supervisor, the service's CSM, an "
                "Assistant Director or the Director can acknowledge this finding.",
                code="not_allowed",
            )
        if not action_taken:
            raise ValidationError({"action_taken": "Enter the action taken"})
        now = timezone.now()
        done = UrgentFinding.objects.filter(open_finding_q(), pk=finding.pk).update(
            acknowledged_at=now, acknowledged_by=by, action_taken=action_taken
        )
        if not done:
            raise _closed_conflict(finding.pk)
        finding.acknowledged_at, finding.acknowledged_by, finding.action_taken = (
            now,
            by,
            action_taken,
        )
        _event(
            finding.audit,
            by,
            EventKind.FINDING_ACKNOWLEDGED,
            at=now,
            finding=finding.pk,
            reason=finding.reason,
            action_taken=action_taken,
        )
        return finding


def finding_told(*, finding: UrgentFinding) -> list[Staff]:
    """Everyone told about the finding so far (when it was raised, and by its reminders and
    escalations) who is still a member of staff: the recipients of its notifications."""
    told = (
        Notification.objects.filter(idempotency_key__startswith=f"urgent-finding:{finding.pk}:")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    return list(
        Staff.objects.active().filter(pk__in=told).select_related("user").order_by("name", "pk")
    )


def urgent_finding_withdraw(*, finding: UrgentFinding, by: User, reason: str) -> UrgentFinding:
    """The auditor withdraws an open finding raised in error, saying why. Everyone told about
    it is told it was withdrawn; the audit's history keeps the raising and the withdrawal. A
    compare-and-set on "still open": a finding acknowledged (or withdrawn) meanwhile is a
    `TransitionConflict`, so of a withdrawal and an acknowledgement at once one wins."""
    reason = _clean_text(reason)
    with transaction.atomic():
        if not can_withdraw(by, finding):
            raise ValidationError(
                "Only the auditor who raised this finding can withdraw it.", code="not_allowed"
            )
        if not reason:
            raise ValidationError({"reason": "Enter why the finding was raised in error"})
        now = timezone.now()
        done = UrgentFinding.objects.filter(open_finding_q(), pk=finding.pk).update(
            withdrawn_at=now, withdrawn_by=by, withdrawn_reason=reason
        )
        if not done:
            raise _closed_conflict(finding.pk)
        finding.withdrawn_at, finding.withdrawn_by, finding.withdrawn_reason = now, by, reason
        audit = finding.audit
        told = [s for s in finding_told(finding=finding) if s.user_id != by.pk]
        _event(
            audit,
            by,
            EventKind.FINDING_WITHDRAWN,
            at=now,
            finding=finding.pk,
            reason=finding.reason,
            withdrawn_reason=reason,
            told=[s.name for s in told],
        )
        reference = finding.case.reference
        raised_on = _long_date(timezone.localdate(finding.raised_at))
        for staff in told:
            notify(
                recipient=staff,
                kind=NotificationKind.URGENT_FINDING_WITHDRAWN,
                subject=f"Urgent finding withdrawn: case {reference}",
                body=(
                    f"The urgent finding on case {reference} raised on {raised_on} "
                    f"({finding_headline(finding)}) was withdrawn by the auditor, "
                    f"{audit.auditor.name}, as raised in error. Nothing more is needed from "
                    "you about it. Open it to read why."
                ),
                url=finding_url(finding),
                idempotency_key=f"urgent-finding-withdrawn:{finding.pk}:{staff.pk}",
            )
        return finding


# --- Showing a finding ----------------------------------------------------------------------


@dataclass
class FindingItem:
    """A finding as its pages show it: what raised it, the auditor's own words about it
    (`words`: (heading, text) pairs), and whether it still holds in the audit as it is now."""

    finding: UrgentFinding
    label: str
    scale: int | None
    band: ScalingBand | None
    words: list[tuple[str, str]] = field(default_factory=list)
    still_urgent: bool = True
    can_withdraw: bool = False


def _words(audit: Audit, trigger: str, answer: SectionAnswer | None) -> list[tuple[str, str]]:
    if trigger.startswith("section:"):
        return [
            ("What the auditor is worried about", answer.worried_about if answer else ""),
            ("What needs to happen", answer.needs_to_happen if answer else ""),
        ]
    if trigger == "serious":
        return [("The serious safeguarding issue", audit.serious_safeguarding_detail)]
    return [("The auditor's summary", audit.summary)]


def finding_items(
    *,
    user: Actor,
    audit: Audit,
    findings: list[UrgentFinding],
    answers: dict | None = None,
    sections: dict | None = None,
    bands: list[ScalingBand] | None = None,
) -> list[FindingItem]:
    """The audit's `findings` as their pages show them. `answers`, `sections` (by section id)
    and `bands`, when the caller has them loaded (the audit document), save the queries."""
    section_ids = [f.section_id for f in findings if f.section_id]
    if answers is None:
        answers = {
            a.section_id: a
            for a in SectionAnswer.objects.filter(audit=audit, section_id__in=section_ids)
        }
    if sections is None:
        sections = Section.objects.in_bulk(section_ids) if section_ids else {}
    if bands is None:
        bands = scaling_bands()
    for finding in findings:
        finding.audit = audit  # loaded already: not once per finding
    may_withdraw = bool(findings) and can_withdraw(user, findings[0])
    items = []
    for finding in findings:
        section_id = finding.section_id
        answer = answers.get(section_id) if section_id else None
        if section_id:
            section = sections.get(section_id)
            label = f"Section: {section.title}" if section else "A section"
            now_band = band_for(score=answer.scale, bands=bands) if answer else None
            still = now_band is not None and now_band.urgent
        elif finding.trigger == "overall":
            label = "Overall scale"
            now_band = band_for(score=audit.overall_scale, bands=bands)
            still = now_band is not None and now_band.urgent
        else:
            label = "Serious safeguarding issue"
            still = audit.serious_safeguarding
        items.append(
            FindingItem(
                finding=finding,
                label=label,
                scale=finding.scale,
                band=band_for(score=finding.scale, bands=bands),
                words=_words(audit, finding.trigger, answer),
                still_urgent=still,
                can_withdraw=may_withdraw and finding.is_open,
            )
        )
    return items


# --- Chasing -------------------------------------------------------------------------------


@dataclass
class ChaseReport:
    """What `findings_chase` did: (kind, line) for each step taken, and the failures."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    errors: int = 0


def chase_due_on(*, finding: UrgentFinding, step: ChaseStep) -> dt.date:
    """The working day on which `step` falls due: `step.after` working days after the day the
    finding was raised (the day itself not counted)."""
    return add_working_days(timezone.localdate(finding.raised_at), step.after)


def _service_managers(case: Case, exclude_pk: int | None) -> list[Staff]:
    """The current Children's Service Manager(s) of the case's service (or placed in its team)."""
    team = case.team
    return list(
        Staff.objects.active()
        .filter(Q(service_area_id=team.service_area_id) | Q(team_id=team.pk))
        .filter(role=Role.SERVICE_MANAGER)
        .exclude(pk=exclude_pk)
        .select_related("user")
        .order_by("pk")
    )


def assistant_directors_for(*, case: Case, exclude_pk: int | None = None) -> list[Staff]:
    """The Assistant Director(s) over the case's service: those whose service it is (their
    `service_area`); else those who line-manage its Children's Service Manager(s); else every
    current Assistant Director; with none at all, the Director(s)."""
    area = case.team.service_area_id
    ads = list(
        Staff.objects.active()
        .filter(role=Role.ASSISTANT_DIRECTOR)
        .exclude(pk=exclude_pk)
        .select_related("user")
        .order_by("pk")
    )
    own = [a for a in ads if a.service_area_id == area]
    if own:
        return own
    csm_managers = set(
        Staff.objects.active()
        .filter(Q(service_area_id=area) | Q(team_id=case.team_id), role=Role.SERVICE_MANAGER)
        .values_list("line_manager_id", flat=True)
    )
    over = [a for a in ads if a.pk in csm_managers]
    if over or ads:
        return over or ads
    return list(
        Staff.objects.active()
        .filter(role=Role.DIRECTOR)
        .exclude(pk=exclude_pk)
        .select_related("user")
        .order_by("pk")
    )


def chase_recipients(*, finding: UrgentFinding, step: ChaseStep) -> list[Staff]:
    """Who a chase step tells (never the auditor): step 1 those the finding tells when raised
    (as the case is now); step 2 the service's CSM(s), or the Assistant Director(s) when it has
    none; step 3 the Assistant Director(s) (`assistant_directors_for`)."""
    auditor_pk = finding.audit.auditor_id
    if step.number == 1:
        return finding_recipients(finding.case, exclude=finding.audit.auditor)
    if step.number == 2:
        return _service_managers(finding.case, auditor_pk) or assistant_directors_for(
            case=finding.case, exclude_pk=auditor_pk
        )
    return assistant_directors_for(case=finding.case, exclude_pk=auditor_pk)


def _chase_text(finding: UrgentFinding, step: ChaseStep) -> tuple[str, str]:
    reference = finding.case.reference
    raised_on = _long_date(timezone.localdate(finding.raised_at))
    what = (
        f"The urgent finding on case {reference} raised on {raised_on} "
        f"({finding_headline(finding)})"
    )
    days = f"{step.after} working day{'s' if step.after != 1 else ''}"
    if step.number == 1:
        return (
            f"Reminder: urgent finding on case {reference} not acknowledged",
            f"{what} has not been acknowledged after {days}. Open it to read what the auditor "
            "is worried about and record the action taken. If it is still open after 2 working "
            "days the Children's Service Manager is told, and after 5 the Assistant Director.",
        )
    nxt = (
        " It goes to the Assistant Director if it is still open after 5 working days."
        if step.number == 2
        else ""
    )
    return (
        f"Urgent finding not acknowledged in {days}: case {reference}",
        f"{what} has not been acknowledged by the case's managers after {days}, so it is "
        "escalated to you. Open it to read what the auditor is worried about, and record the "
        f"action taken or make sure the case's managers do.{nxt}",
    )


def _chase_step(finding: UrgentFinding, step: ChaseStep, *, today: dt.date, now, report) -> None:
    done = UrgentFinding.objects.filter(
        open_finding_q(), pk=finding.pk, **{f"{step.field}__isnull": True}
    ).update(**{step.field: now})
    if not done:  # taken by another run a moment ago, or closed meanwhile
        return
    setattr(finding, step.field, now)
    recipients = chase_recipients(finding=finding, step=step)
    subject, body = _chase_text(finding, step)
    for staff in recipients:
        notify(
            recipient=staff,
            kind=step.kind,
            subject=subject,
            body=body,
            url=finding_url(finding),
            idempotency_key=f"urgent-finding:{finding.pk}:chase-{step.number}:{staff.pk}",
        )
    _event(
        finding.audit,
        None,
        EventKind.FINDING_REMINDED if step.number == 1 else EventKind.FINDING_ESCALATED,
        at=now,
        finding=finding.pk,
        reason=finding.reason,
        step=step.number,
        to=[s.name for s in recipients],
        on=today.isoformat(),
    )
    reference = finding.case.reference
    if not recipients:
        logger.warning("Urgent finding %s: nobody to tell at step %s", finding.pk, step.number)
        report.lines.append((step.name, f"Nobody to tell: urgent finding on case {reference}"))
        return
    what = "Reminded" if step.number == 1 else "Escalated to"
    for staff in recipients:
        report.lines.append(
            (
                step.name,
                f"{what} {staff.name} ({staff.get_role_display()}): urgent finding on case "
                f"{reference} open {step.after} working day{'s' if step.after != 1 else ''}",
            )
        )


def findings_chase(*, today: dt.date, now: dt.datetime | None = None) -> ChaseReport:
    """Chase the open urgent findings on `today` (a working day; on any other day nothing is
    sent). Each step of `CHASE_STEPS` whose day has come and that was not taken yet is taken,
    in order, once per finding: a run that missed days catches up, and a second run on a day
    sends nothing. A step that fails is logged and counted; the next run tries it again."""
    now = now or timezone.now()
    report = ChaseReport()
    if not is_working_day(today):
        return report
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    findings = (
        UrgentFinding.objects.open()
        .filter(raised_at__lt=start_of_today, escalated_to_ad_at__isnull=True)
        .select_related(
            "case",
            "case__team",
            "case__allocated_worker__line_manager",
            "audit",
            "audit__auditor",
        )
        .order_by("raised_at", "id")
    )
    for finding in findings:
        for step in CHASE_STEPS:
            if getattr(finding, step.field) is not None:
                continue
            if chase_due_on(finding=finding, step=step) > today:
                break
            try:
                with transaction.atomic():
                    _chase_step(finding, step, today=today, now=now, report=report)
            except Exception:
                report.errors += 1
                logger.exception("Chasing finding %s (step %s) failed", finding.pk, step.number)
                break
    return report
