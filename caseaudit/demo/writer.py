"""Turning planned audits into rows (`Writer`), as the services would have written them.

Each audit gets its sections with the three Signs of Safety columns and scales, question
answers, voice of the child, family contact, good practice (about three in ten), 0-3
restorative actions owned by the allocated worker, its history (`AuditEvent`: started, saved
in one to three sittings, findings raised, completed, reopened), and an urgent finding for
each section or overall scale of 0-2 (about 3% of audits) with the notification the case's
Team Manager and Practice Supervisor got, most acknowledged with the action taken.

Everything is drawn from one random source in a fixed order, so the same seed gives the same
history: the steps of `Writer.write` must keep their order.
"""

import datetime as dt
import itertools
import math

from django.urls import reverse
from django.utils import timezone

from caseaudit.audits.models import (
    ActionStatus,
    Audit,
    AuditEvent,
    AuditStatus,
    EventKind,
    QuestionAnswer,
    RestorativeAction,
    SectionAnswer,
    UrgentFinding,
)
from caseaudit.notifications.models import EmailStatus, Notification
from caseaudit.organisation.models import Role

from . import columns
from .answers import contact_fields, question_rows
from .bulk import Sink, next_id
from .county import County
from .phrases import PHRASES, N, R, W
from .planner import Plan
from .texts import (
    ACTIONS_TAKEN,
    GOOD_PRACTICE,
    GOOD_PRACTICE_CARERS,
    REOPEN_REASONS,
    RESOLUTIONS,
    SERIOUS_DETAILS,
    SUMMARY_OPENINGS,
    VOICE_OF_CHILD,
    VOICE_OF_CHILD_CARERS,
    band_kind,
    fill,
)
from .workdays import WorkingCalendar

URGENT_SHARE = 0.03
# How many restorative actions an audit has, by its overall band (drawn from each list).
ACTIONS_BY_BAND = {
    "inadequate": (2, 2, 3, 3, 3),
    "requires": (1, 1, 1, 2, 2, 2, 2, 3, 3, 3),
    "good": (0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3),
    "outstanding": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2),
}


class Writer:
    """Makes the rows of each planned audit (as the services would have written them) and
    writes them in bulk."""

    def __init__(self, org: County, *, today, rng, now, resolve_actions, question_share):
        self.org, self.today, self.rng, self.now = org, today, rng, now
        self.resolve_actions = resolve_actions
        self.question_share = question_share
        self.cal = WorkingCalendar(
            today - dt.timedelta(days=6 * 366), today + dt.timedelta(days=400)
        )
        self.audits = Sink(Audit, columns.AUDIT_FIELDS)
        self.sections = Sink(SectionAnswer, columns.SECTION_FIELDS)
        self.questions = Sink(QuestionAnswer, columns.QUESTION_FIELDS)
        self.actions = Sink(RestorativeAction, columns.ACTION_FIELDS)
        self.findings = Sink(UrgentFinding, columns.FINDING_FIELDS)
        self.events = Sink(AuditEvent, columns.EVENT_FIELDS)
        self.notifications = Sink(Notification, columns.NOTIFICATION_FIELDS)
        self.sinks = [
            self.audits,
            self.sections,
            self.questions,
            self.actions,
            self.findings,
            self.events,
            self.notifications,
        ]
        self.ids = {sink.model: next_id(sink.model) for sink in self.sinks}
        self.seq = {model: itertools.count(pk) for model, pk in self.ids.items()}
        self.rnd = rng.random
        self.tz = timezone.get_current_timezone()
        self.audit_url = reverse("audit_detail", args=[987654321]).replace("987654321", "{}")
        self.last_completed: dict[int, dt.date] = {}
        self._texts: dict = {}

    def next_id(self, model) -> int:
        return next(self.seq[model])

    def choice(self, options):
        """`random.choice`, faster (this is called millions of times at the large scales)."""
        return options[int(self.rnd() * len(options))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.rnd() * (b - a + 1))

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def flush(self) -> None:
        for sink in self.sinks:
            sink.flush()

    def counts(self) -> dict:
        return {sink.model._meta.verbose_name_plural: sink.written for sink in self.sinks}

    # Texts -----------------------------------------------------------------------------------

    def texts(self, tool: str, theme: str, term: str):
        """The (working well, worried about, needs to happen) phrases of a tool's theme."""
        key = (tool, theme, term)
        found = self._texts.get(key)
        if found is None:
            bank = (
                PHRASES.get((tool, theme))
                or PHRASES.get(("*", theme))
                or PHRASES[("*", "recording")]
            )
            found = tuple([fill(t, term) for t in bank[col]] for col in (W, R, N))
            self._texts[key] = found
        return found

    def _some(self, options: list[str], n: int) -> str:
        """n (1 or 2) different phrases of `options`, as one text."""
        size = len(options)
        first = int(self.rnd() * size)
        if n <= 1 or size < 2:
            return options[first]
        second = (first + 1 + int(self.rnd() * (size - 1))) % size
        return f"{options[first]} {options[second]}"

    # Times -----------------------------------------------------------------------------------

    def _sittings(self, plan: Plan) -> list[tuple[dt.datetime, list[dt.datetime]]]:
        """When the auditor worked on the audit: one to three sittings ending on the plan's
        day, each a start and the times of its saves (10-25 minutes apart)."""
        cal = self.cal
        r = self.rnd()
        n = 1 if r < 0.35 else 2 if r < 0.8 else 3
        days = [plan.day]
        for _ in range(n - 1):
            earlier = cal.add(cal.on_or_before(days[0]), -self.randint(1, 3))
            if earlier < plan.case.opened or earlier < self.today - dt.timedelta(days=6 * 365):
                break
            days.insert(0, earlier)
        sittings = []
        for day in days:
            start = self.randint(9 * 3600, 15 * 3600)
            saves, t = [], start
            r = self.rnd()
            for _ in range(1 if r < 0.3 else 2 if r < 0.65 else 3 if r < 0.9 else 4):
                t += self.randint(8 * 60, 25 * 60)
                saves.append(t)
            sittings.append((day, start, saves))
        # Nothing in the future: today's work ends a few minutes before now.
        out = []
        latest = self.now - dt.timedelta(minutes=3)
        for day, start, saves in sittings:
            begin = cal.at(day, start)
            times = [cal.at(day, s) for s in saves]
            if times[-1] > latest:
                shift = times[-1] - latest
                begin, times = begin - shift, [t - shift for t in times]
            out.append((begin, times))
        return out

    # One audit -------------------------------------------------------------------------------

    def write(self, plan: Plan, audit_id: int, *, bias: float, progress: float) -> None:
        """All the rows of one audit. The steps draw from the random source in this order."""
        case, tool = plan.case, self.org.tools[plan.tool]
        auditor_user = self.org.staff[plan.auditor][0]
        sittings = self._sittings(plan)
        n_sit = len(sittings)
        urgent, overall, scales, serious = self._scales(plan, tool, bias=bias, progress=progress)
        sitting_of, answered = self._answered(tool, n_sit, plan.draft)
        worst = self._section_rows(plan, audit_id, answered, scales, overall)
        last_sitting_day = self.local_date(sittings[-1][1][-1])
        self._actions(plan, audit_id, overall, worst, sittings, last_sitting_day, scales)
        triggers, detail = self._triggers(
            plan, tool, scales, answered, sitting_of, overall, n_sit, serious
        )
        ack = self._acknowledgement(plan, triggers, sittings, last_sitting_day)
        events, revision = self._sitting_events(
            plan, audit_id, tool, sittings, triggers, ack, auditor_user
        )
        completed_at, reopened = None, (None, None, "")
        if not plan.draft:
            completed_at, reopened, revision = self._complete(
                plan, events, sittings, overall, urgent, revision, auditor_user
            )
        updated_at = completed_at or sittings[-1][1][-1]
        for _written, at, by, kind, detail_ in sorted(events, key=lambda e: e[0]):
            self.events.add((self.next_id(AuditEvent), audit_id, at, by, kind, detail_))
        contact = contact_fields(self, case, plan, sittings, overall)
        summary, voice, good = self._narrative(plan, overall, worst)
        self.audits.add(
            (
                audit_id,
                case.id,
                tool.version_id,
                plan.auditor,
                plan.kind,
                AuditStatus.DRAFT if plan.draft else AuditStatus.COMPLETED,
                sittings[0][0],
                updated_at,
                auditor_user,
                completed_at,
                auditor_user if completed_at else None,
                None if plan.draft else overall,
                summary,
                voice,
                good,
                serious,
                detail,
                *contact,
                revision,
                reopened[2],
                reopened[1],
                reopened[0],
            )
        )

    def _scales(self, plan: Plan, tool, *, bias: float, progress: float):
        """The overall and section scales: mostly 5-8, some 9-10, a few 3-4; about 3% with a
        0-2 (urgent), never in a closure audit (a case closes when it is safe to). Returns
        (urgent, overall, {section id: scale}, serious safeguarding issue)."""
        rng, choice, rnd = self.rng, self.choice, self.rnd
        urgent = plan.force == "urgent" or (
            not plan.draft and not plan.force and plan.kind != "closure" and rnd() < URGENT_SHARE
        )
        scaled = tool.scaled
        if urgent:
            overall = choice((1, 2, 2, 3, 3, 4))
            low = rng.sample(scaled, min(len(scaled), choice((1, 1, 2))))
            low_ids = {s[0] for s in low}
            scales = {}
            for s in scaled:
                if s[0] in low_ids:
                    scales[s[0]] = choice((0, 1, 2, 2))
                else:
                    scales[s[0]] = max(3, min(10, overall + choice((0, 1, 1, 2, 3))))
        else:
            # A closure audit has no actions left to do (the case closes): no section is
            # scaled where actions are needed.
            low = 6 if plan.kind == "closure" else 3
            overall = round(rng.gauss(6.4 + bias + 0.5 * progress, 1.45))
            overall = max(low, min(10, overall))
            spread = (-2, -1, -1, 0, 0, 0, 1, 1, 2)
            scales = {s[0]: max(low, min(10, overall + choice(spread))) for s in scaled}
        serious = urgent and rnd() < 0.25
        return urgent, overall, scales, serious

    def _answered(self, tool, n_sit: int, draft: bool):
        """Which sitting saved each section (in order), and the sections saved by the end
        (a draft's last sitting, and a section or two before it, are still to come)."""
        sections = tool.sections
        per_sitting = max(1, math.ceil(len(sections) / n_sit))
        sitting_of = {s[0]: min(n_sit - 1, k // per_sitting) for k, s in enumerate(sections)}
        if draft:
            answered = [s for s in sections if sitting_of[s[0]] < n_sit - 1 or n_sit == 1]
            answered = answered[: max(1, len(answered) - self.randint(0, 2))]
        else:
            answered = sections
        return sitting_of, answered

    def _section_rows(self, plan: Plan, audit_id, answered, scales, overall) -> list[tuple]:
        """The section answers (and question answers, for the share of audits that have them).
        Returns the sections with worries, weakest first: (level, r, needs, worries, strengths)."""
        rnd, term = self.rnd, plan.case.term
        with_questions = rnd() < self.question_share
        required = self.org.tools[plan.tool].required
        worst = []
        some, add_section = self._some, self.sections.rows.append
        section_seq = self.seq[SectionAnswer]
        for section_id, _title, theme, is_scaled, questions in answered:
            ww, wa, nh = self.texts(plan.tool, theme, term)
            scale = scales.get(section_id) if is_scaled else None
            level = scale if scale is not None else overall
            worried = some(wa, 2 if level <= 4 else 1) if level <= 8 or rnd() < 0.5 else ""
            add_section(
                (
                    next(section_seq),
                    audit_id,
                    section_id,
                    some(ww, 2 if level >= 8 else 1) if level >= 3 or rnd() < 0.5 else "",
                    worried,
                    some(nh, 2 if level <= 4 else 1) if worried else "",
                    scale,
                )
            )
            if worried:
                worst.append((level, rnd(), nh, wa, ww))
            # Every completed audit answers its tool's required questions (completion_rules);
            # a share of audits answer the rest too.
            if with_questions or not plan.draft:
                question_rows(
                    self,
                    audit_id,
                    questions,
                    level,
                    plan.case,
                    plan.day,
                    required=set() if plan.draft else required,
                    only_required=not with_questions,
                )
        worst.sort()
        return worst

    def _actions(
        self, plan: Plan, audit_id, overall, worst, sittings, last_sitting_day, scales
    ) -> None:
        """Restorative actions, fewer the better the practice: one for each section scaled
        in a band that needs actions (`completion_rules`), what needs to happen in the weakest
        sections, then recording basics."""
        org, rng, choice, case = self.org, self.rng, self.choice, plan.case
        if plan.draft:
            n_actions = choice((0, 0, 1))
        elif plan.kind == "closure":
            n_actions = 0
        else:
            n_actions = choice(ACTIONS_BY_BAND[band_kind(overall)])
        if plan.force and n_actions == 0:
            n_actions = 1
        owner = case.worker or (org.tms[case.team] or [plan.auditor])[0]
        # (description, section id): first one for each section that needs one.
        for_sections = []
        if not plan.draft:
            tool = org.tools[plan.tool]
            term = case.term
            for section_id, _title, theme, is_scaled, _q in tool.sections:
                if is_scaled and scales.get(section_id) in org.action_scales:
                    needs = self.texts(plan.tool, theme, term)[2]
                    for_sections.append((choice(needs), section_id))
        descriptions = [text for text, _section in for_sections]
        pool = [choice(nh) for _level, _r, nh, _wa, _ww in worst]
        pool += rng.sample(self.texts("*", "recording", case.term)[2], 3)
        for text in pool:
            if len(descriptions) >= n_actions:
                break
            if text not in descriptions:
                descriptions.append(text)
        action_at = sittings[-1][1][0]
        action_sections = [section_id for _text, section_id in for_sections]
        for order, text in enumerate(descriptions, start=1):
            due_on = self.cal.add(last_sitting_day, choice((10, 15, 20)))
            self._action(
                audit_id,
                text,
                owner,
                due_on,
                order,
                action_at,
                case,
                plan,
                plan.draft,
                section_id=action_sections[order - 1] if order <= len(action_sections) else None,
            )

    def _triggers(self, plan: Plan, tool, scales, answered, sitting_of, overall, n_sit, serious):
        """What raises urgent findings, each as (sitting, trigger, reason, scale): the saves
        that entered a section scale of 0-2 (sections in order), then at the last sitting the
        overall scale and a serious safeguarding issue. Returns them and the issue's detail."""
        org, term = self.org, plan.case.term
        answered_ids = {s[0] for s in answered}
        triggers = []
        for section_id, title, _theme, is_scaled, _q in tool.sections:
            scale = scales.get(section_id)
            if is_scaled and section_id in answered_ids and scale in org.urgent_scales:
                triggers.append(
                    (
                        sitting_of[section_id],
                        f"section:{section_id}",
                        f"“{title}” scaled {scale} ({org.band_names[scale]})",
                        scale,
                    )
                )
        detail = fill(self.choice(SERIOUS_DETAILS), term) if serious else ""
        if not plan.draft:
            if overall in org.urgent_scales:
                triggers.append(
                    (
                        n_sit - 1,
                        "overall",
                        f"Overall scale {overall} ({org.band_names[overall]})",
                        overall,
                    )
                )
            if serious:
                triggers.append(
                    (
                        n_sit - 1,
                        "serious",
                        f"The auditor marked a serious safeguarding issue: {detail}",
                        None,
                    )
                )
        return triggers, detail

    def _acknowledgement(self, plan: Plan, triggers, sittings, last_sitting_day):
        """When a manager acknowledged the audit's findings and the action taken, as
        [time, text], or None while they are open. All at one sitting, within about two
        working days of the last; some of the last fortnight's (and a few older ones) are
        still open, never on a case since closed."""
        if not triggers:
            return None
        rnd, case = self.rnd, plan.case
        age = (self.now - sittings[-1][1][-1]).days
        stays_open = plan.force == "urgent" or (
            case.closed is None and ((age < 14 and rnd() < 0.5) or rnd() < 0.04)
        )
        if stays_open:
            return None
        day = self.cal.add(last_sitting_day, self.choice((0, 1, 1, 2)))
        at = max(
            self.cal.at(day, self.randint(9 * 3600, 17 * 3600)),
            sittings[-1][1][-1] + dt.timedelta(minutes=self.randint(20, 90)),
        )
        if at < self.now - dt.timedelta(minutes=15):
            return [at, fill(self.choice(ACTIONS_TAKEN), case.term)]
        return None

    def _sitting_events(self, plan: Plan, audit_id, tool, sittings, triggers, ack, auditor_user):
        """The history up to the last save, as (when the row was written, its time, by, kind,
        detail): a sitting's "saved" entry is written by its first save and moved on by the
        later ones (`SAVE_EVENT_MERGE`); each finding is raised by its sitting's first save.
        Returns the events and the audit's revision after its saves."""
        started_at = sittings[0][0]
        started = {"tool": tool.code, "version": tool.number, "reason": plan.kind}
        events = [(started_at, started_at, auditor_user, EventKind.STARTED, started)]
        total_saves = 0
        for k, (_begin, saves) in enumerate(sittings):
            total_saves += len(saves)
            events.append(
                (saves[0], saves[-1], auditor_user, EventKind.SAVED, {"saves": len(saves)})
            )
            for sitting, trigger, reason, scale in triggers:
                if sitting == k:
                    self._finding(
                        plan, audit_id, trigger, reason, scale, saves[0], auditor_user, events, ack
                    )
        return events, 1 + total_saves

    def _complete(self, plan: Plan, events, sittings, overall, urgent, revision, auditor_user):
        """Completed just after the last save (a few older audits reopened by a manager and
        completed again). Returns (completed at, (reopened at, by, reason), revision)."""
        completed_at = sittings[-1][1][-1] + dt.timedelta(seconds=self.randint(1, 20))
        revision += 1
        reopened = (None, None, "")
        if (
            not urgent
            and not plan.force
            and self.rnd() < 0.004
            and completed_at < self.now - dt.timedelta(days=40)
        ):
            completed_at, reopened = self._reopen(plan, events, completed_at, overall, auditor_user)
            revision += 3
        events.append(
            (
                completed_at,
                completed_at,
                auditor_user,
                EventKind.COMPLETED,
                {"overall_scale": overall},
            )
        )
        done_on = self.local_date(completed_at)
        previous = self.last_completed.get(plan.case.id)
        if previous is None or done_on > previous:
            self.last_completed[plan.case.id] = done_on
        return completed_at, reopened, revision

    def _reopen(self, plan: Plan, events, completed_at, overall, auditor_user):
        """Completed, reopened by a manager, changed and completed again a few days later.
        Returns the new completion time and (reopened at, by, reason)."""
        org, rng, case = self.org, self.rng, plan.case
        events.append(
            (
                completed_at,
                completed_at,
                auditor_user,
                EventKind.COMPLETED,
                {"overall_scale": overall},
            )
        )
        manager = (org.tms[case.team] or org.by_role[Role.PERFORMANCE])[0]
        manager_user = org.staff[manager][0]
        reason = rng.choice(REOPEN_REASONS)
        reopened_at = completed_at + dt.timedelta(days=rng.randint(1, 4), hours=1)
        events.append(
            (reopened_at, reopened_at, manager_user, EventKind.REOPENED, {"reason": reason})
        )
        saved_at = reopened_at + dt.timedelta(days=1, minutes=rng.randint(5, 300))
        events.append((saved_at, saved_at, auditor_user, EventKind.SAVED, {"saves": 1}))
        completed_at = saved_at + dt.timedelta(seconds=rng.randint(1, 20))
        return completed_at, (reopened_at, manager_user, reason)

    def _narrative(self, plan: Plan, overall, worst) -> tuple[str, str, str]:
        """The summary, voice of the child and good practice (a draft has at most a voice)."""
        rng, case = self.rng, plan.case
        term = case.term
        voices = VOICE_OF_CHILD_CARERS if case.is_carer else VOICE_OF_CHILD
        if plan.draft:
            voice = fill(rng.choice(voices), term) if rng.random() < 0.5 else ""
            return "", voice, ""
        strength = worst[-1][4] if worst else self.texts(plan.tool, "recording", term)[0]
        concern = worst[0][3] if worst else None
        parts = [
            fill(rng.choice(SUMMARY_OPENINGS[band_kind(overall)]), term),
            "Strengths:",
            rng.choice(strength),
        ]
        if concern:
            parts += ["To develop:", rng.choice(concern)]
        parts.append(f"Overall scaled {overall}.")
        summary = " ".join(parts)
        voice = fill(rng.choice(voices), term)
        share = 0.5 if overall >= 8 else 0.25 if overall >= 5 else 0.08
        good = ""
        if rng.random() < share:
            good = fill(rng.choice(GOOD_PRACTICE_CARERS if case.is_carer else GOOD_PRACTICE), term)
        return summary, voice, good

    # Actions and findings --------------------------------------------------------------------

    def _action(
        self, audit_id, text, owner, due_on, order, created_at, case, plan, draft, *, section_id
    ) -> None:
        """One restorative action; of older audits (when `resolve_actions`) and of cases since
        closed, most resolved by their owner and agreed by the owner's line manager."""
        rng, org = self.rng, self.org
        resolved_at = resolved_by = agreed_by = agreed_at = None
        resolution = ""
        status = ActionStatus.OPEN
        completed_on = plan.day
        closing = case.closed is not None
        if not draft and (self.resolve_actions or closing) and not plan.force:
            age = (self.today - completed_on).days
            chance = 1.0 if closing else 0.85 if due_on < self.today else 0.4 if age > 10 else 0
            if rng.random() < chance:
                latest = min(self.today, due_on + dt.timedelta(days=10))
                if closing:
                    latest = min(latest, case.closed)
                first = self.cal.add(completed_on, 2)
                day = self.cal.between(rng, first, latest) if first <= latest else None
                if day is None and closing:
                    day = completed_on
                if day is not None:
                    at = self.cal.at(day, rng.randint(10 * 3600, 17 * 3600))
                    at = min(at, self.now - dt.timedelta(minutes=2))
                    status, resolved_at = ActionStatus.RESOLVED, at
                    resolved_by = org.staff[owner][0]
                    resolution = rng.choice(RESOLUTIONS)
                    supervisor = org.staff[owner][4]
                    if supervisor and supervisor in org.staff and rng.random() < 0.8:
                        agreed = at + dt.timedelta(days=rng.randint(1, 3), hours=1)
                        if agreed < self.now:
                            agreed_by, agreed_at = org.staff[supervisor][0], agreed
        self.actions.add(
            (
                self.next_id(RestorativeAction),
                audit_id,
                fill(text, case.term),
                owner,
                due_on,
                section_id,
                order,
                status,
                created_at,
                resolved_at,
                resolved_by,
                resolution,
                agreed_by,
                agreed_at,
            )
        )

    def _finding(self, plan, audit_id, trigger, reason, scale, raised_at, by, events, ack):
        """One urgent finding, its history, and the notifications it sent. `ack`: when the
        audit's findings were acknowledged and the action taken (None: still open)."""
        org, case = self.org, plan.case
        finding_id = self.next_id(UrgentFinding)
        raised = {"finding": finding_id, "reason": reason}
        # Written just after the save's own "saved" entry.
        written = raised_at + dt.timedelta(microseconds=1)
        events.append((written, raised_at, by, EventKind.FINDING_RAISED, raised))
        # Who was told at once: the team's Team Manager(s) (else the service's CSMs) and the
        # case's Practice Supervisor, never the auditor (`services.finding_recipients`).
        recipients = list(org.tms[case.team] or org.csms[case.area])
        if case.sup and case.sup in org.staff and case.sup not in recipients:
            recipients.append(case.sup)
        recipients = [r for r in recipients if r != plan.auditor]
        acknowledged_at = acknowledged_by = None
        action_taken = ""
        if ack is not None and recipients:
            at = ack[0] = ack[0] + dt.timedelta(seconds=self.randint(20, 120))
            acknowledged_at, acknowledged_by = at, org.staff[recipients[0]][0]
            action_taken = ack[1]
            detail = {"finding": finding_id, "reason": reason, "action_taken": action_taken}
            events.append((at, at, acknowledged_by, EventKind.FINDING_ACKNOWLEDGED, detail))
        self.findings.add(
            (
                finding_id,
                audit_id,
                case.id,
                trigger,
                reason,
                scale,
                raised_at,
                by,
                acknowledged_at,
                acknowledged_by,
                action_taken,
            )
        )
        self._finding_notifications(
            plan, audit_id, finding_id, trigger, reason, raised_at, acknowledged_at, recipients
        )

    def _finding_notifications(
        self, plan, audit_id, finding_id, trigger, reason, raised_at, read_at, recipients
    ) -> None:
        """The urgent-finding notice each recipient got (emailed at once; read when the
        finding was acknowledged)."""
        case = plan.case
        tool_name = self.org.tools[plan.tool].name
        headline = (
            "the auditor marked a serious safeguarding issue" if trigger == "serious" else reason
        )
        body = (
            f"An audit of case {case.ref} ({tool_name}) has raised an urgent finding: "
            f"{headline}.\n\n"
            "Open the audit to read it and record the action taken. The finding stays open "
            "until a manager acknowledges it."
        )
        for staff_id in recipients:
            self.notifications.add(
                (
                    self.next_id(Notification),
                    staff_id,
                    "urgent_finding",
                    f"Urgent finding: case {case.ref}",
                    body,
                    self.audit_url.format(audit_id) + "#urgent-findings",
                    raised_at,
                    read_at,
                    EmailStatus.SENT,
                    raised_at + dt.timedelta(seconds=self.rng.randint(5, 90)),
                    1,
                    f"urgent-finding:{finding_id}:{staff_id}",
                )
            )
