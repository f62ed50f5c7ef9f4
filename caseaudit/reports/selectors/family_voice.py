"""The family's and the practitioner's voice in the reports (caseaudit.feedback).

Practice quality: feedback requests sent on the period's completed audits, how many the family
answered, the family's own 0-10 scale by team, and beside each theme's average section scale
(the auditors') the family's scale on the same audits; and the share of audits with the
practitioner involved (their reflection written) and with family feedback, by team. The
findings report: the family's words they agreed may be shared, without names (the case's name
and the allocated worker's are replaced by [name], as in the auditors' excerpts), and without
the case's reference, since they agreed to anonymous sharing.

Every figure is counted in the database over the scoped completed audits (`completed_audits`):
a fixed number of queries however many audits.
"""

import datetime as dt
from collections import defaultdict
from typing import Any, cast

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.utils import timezone

from caseaudit.audits.models import Audit, SectionAnswer
from caseaudit.feedback.models import (
    Collaboration,
    FamilyFeedback,
    FeedbackRequest,
    Relationship,
    RequestStatus,
)

from ..scope import ReportFilters, ReportScope
from ..tables import DATE, DECIMAL, NUMBER, PERCENT, Column, Table, one_decimal, percent
from ..text import excerpt
from .common import NO_TEAM, audit_q, completed_audits
from .grades import grade_summary_rows

TEAM = "case__team__name"
WORDS_SHOWN = 12


def _by_team(qs: QuerySet, team_field: str, **aggregates: Any) -> dict[str, dict[str, Any]]:
    return {
        row[team_field] or NO_TEAM: row
        for row in qs.values(team_field).annotate(**aggregates).order_by()
    }


AUDIT_COUNTS = ("n", "reflected", "sent", "answered")


def _audit_counts_by_team(
    scope: ReportScope, filters: ReportFilters, audits: QuerySet[Audit], today: dt.date
) -> dict[str, dict[str, Any]]:
    """By team: the audits (n), those with the practitioner's reflection, and the feedback
    requests sent on them and answered. The audits are counted by team from the grades
    summary where it answers (a year of audits grouped by team was the report's slowest
    query at the national scale), else from the audits; the reflections and requests, a few
    rows each, are counted from their own tables in one query (a union: joining the requests
    to the audits would count each audit once per request)."""
    audit_rows: QuerySet[Any, Any]
    summary = grade_summary_rows(scope=scope, filters=filters, today=today)
    if summary is not None:
        audit_rows = summary.values(team_label=F("team__name")).annotate(n=Sum("audits"))
    else:
        audit_rows = audits.values(team_label=F(TEAM)).annotate(n=Count("pk"))
    nought = Sum(Value(0))
    by_reflections = (
        Collaboration.objects.filter(
            audit_q(scope=scope, filters=filters, prefix="audit__"), reflected_at__isnull=False
        )
        .values(team_label=F(f"audit__{TEAM}"))
        .annotate(reflected=Count("pk"), sent=nought, answered=nought)
    )
    by_requests = (
        FeedbackRequest.objects.filter(audit_q(scope=scope, filters=filters, prefix="audit__"))
        .values(team_label=F(f"audit__{TEAM}"))
        .annotate(
            reflected=nought,
            sent=Count("pk"),
            answered=Count("pk", filter=Q(status=RequestStatus.ANSWERED)),
        )
    )
    counts: dict[str, dict[str, Any]] = {}
    # Rows of the names above, whichever half they come from (the stubs see two row types).
    rows_of_both = cast(
        "QuerySet[Any, dict[str, Any]]",
        by_reflections.order_by().union(by_requests.order_by(), all=True),
    )
    for row in [*audit_rows.order_by(), *rows_of_both]:
        team = counts.setdefault(row["team_label"] or NO_TEAM, dict.fromkeys(AUDIT_COUNTS, 0))
        for name in AUDIT_COUNTS:
            team[name] += row.get(name) or 0
    # Reflections and requests are only ever on the audits counted: every team has audits.
    return {team: c for team, c in counts.items() if c["n"]}


def family_voice_figures(
    *, scope: ReportScope, filters: ReportFilters, today: dt.date
) -> dict[str, Any]:
    """The quality report's family voice: figures for the whole scope, and the two tables."""
    audits = completed_audits(scope=scope, filters=filters)
    # One query for the audits, their requests and reflections, one for the family's answers
    # (their average must not be multiplied by them).
    per_team_audits = _audit_counts_by_team(scope, filters, audits, today)
    per_team_feedback = _by_team(
        FamilyFeedback.objects.filter(audit__in=audits.values("pk")),
        f"audit__{TEAM}",
        audits=Count("audit", distinct=True),
        scaled=Count("scale"),
        average=Avg("scale"),
    )
    rows = []
    totals: defaultdict[str, float] = defaultdict(float)
    for team in sorted(per_team_audits):
        counts = per_team_audits[team]
        n, sent, answered = counts["n"], counts["sent"], counts["answered"]
        reflected = counts["reflected"]
        feedback = per_team_feedback.get(team, {})
        with_feedback = feedback.get("audits", 0)
        scaled, average = feedback.get("scaled", 0), feedback.get("average")
        rows.append(
            [
                team,
                n,
                sent,
                answered,
                percent(answered, sent),
                one_decimal(average),
                percent(with_feedback, n),
                percent(reflected, n),
            ]
        )
        for key, value in (
            ("audits", n),
            ("sent", sent),
            ("answered", answered),
            ("with_feedback", with_feedback),
            ("reflected", reflected),
            ("scaled", scaled),
            ("scale_sum", (average or 0) * scaled),
        ):
            totals[key] += value
    team_table = Table(
        "family-voice-teams",
        "The family's and the practitioner's voice, by team",
        [
            Column("team", "Team"),
            Column("audits", "Audits completed", NUMBER),
            Column("sent", "Feedback requests sent", NUMBER),
            Column("answered", "Answered", NUMBER),
            Column("rate", "Response rate", PERCENT),
            Column("scale", "The family's scale (0–10, average)", DECIMAL),
            Column("with_feedback", "Audits with family feedback", PERCENT),
            Column("reflected", "Audits with the practitioner's reflection", PERCENT),
        ],
        rows,
        description="For the audits completed in the period: the feedback requests the auditors "
        "sent the family, how many were answered, the family's own 0 to 10 scale (10 best), and "
        "the share of audits with feedback from the family and with the practitioner's "
        "reflection.",
    )
    return {
        "sent": int(totals["sent"]),
        "answered": int(totals["answered"]),
        "rate": percent(int(totals["answered"]), int(totals["sent"])),
        "average": one_decimal(totals["scale_sum"] / totals["scaled"])
        if totals["scaled"]
        else None,
        "with_feedback": percent(int(totals["with_feedback"]), int(totals["audits"])),
        "reflected": percent(int(totals["reflected"]), int(totals["audits"])),
        "tables": [team_table, _theme_table(audits)],
    }


def _theme_table(audits: QuerySet[Audit]) -> Table:
    """Each theme's average section scale (the auditors') beside the family's own scale, on
    the audits where the family gave one."""
    scaled_feedback = FamilyFeedback.objects.filter(
        audit__in=audits.values("pk"), scale__isnull=False
    )
    family_scale = (
        FamilyFeedback.objects.filter(audit_id=OuterRef("audit_id"), scale__isnull=False)
        .values("audit_id")
        .annotate(average=Avg("scale"))
        .values("average")
    )
    answers = (
        SectionAnswer.objects.filter(
            audit__in=scaled_feedback.values("audit_id"), scale__isnull=False
        )
        .values("section__theme__name", "audit_id")
        .annotate(scale=Avg("scale"), family=Subquery(family_scale))
        .order_by()
    )
    themes: dict[str, dict[str, list[float]]] = {}
    for row in answers:
        theme = themes.setdefault(
            row["section__theme__name"] or "No theme", {"auditor": [], "family": []}
        )
        theme["auditor"].append(row["scale"])
        theme["family"].append(row["family"])
    rows = [
        [
            name,
            len(values["family"]),
            one_decimal(sum(values["auditor"]) / len(values["auditor"])),
            one_decimal(sum(values["family"]) / len(values["family"])),
        ]
        for name, values in sorted(themes.items())
    ]
    return Table(
        "family-voice-themes",
        "The family's scale beside the auditors', by theme",
        [
            Column("theme", "Theme"),
            Column("audits", "Audits with the family's scale", NUMBER),
            Column("auditor", "Auditors' section scale (average)", DECIMAL),
            Column("family", "The family's scale (average)", DECIMAL),
        ],
        rows,
        description="On the audits where the family gave their own 0 to 10 scale: each theme's "
        "average section scale given by the auditors, and the family's average scale on the same "
        "audits.",
    )


def family_words_table(*, scope: ReportScope, filters: ReportFilters, full: bool = False) -> Table:
    """The family's words they agreed may be shared, without names or case references."""
    rows = (
        FamilyFeedback.objects.filter(
            audit__in=completed_audits(scope=scope, filters=filters).values("pk"),
            share_consent=True,
        )
        .filter(~Q(going_well="") | ~Q(worries="") | ~Q(would_like=""))
        .order_by("-submitted_at", "-pk")
        .values(
            "submitted_at",
            "relationship",
            "going_well",
            "worries",
            "would_like",
            "scale",
            "audit__case__display_name",
            "audit__case__allocated_worker__name",
            f"audit__{TEAM}",
        )
    )
    rows = rows if full else rows[:WORDS_SHOWN]
    labels = dict(Relationship.choices)

    def words(row: dict[str, Any], name: str) -> str:
        names = " ".join(
            n
            for n in (row["audit__case__display_name"], row["audit__case__allocated_worker__name"])
            if n
        )
        return excerpt(row[name], display_name=names)

    return Table(
        "family-words",
        "In the family's own words",
        [
            Column("date", "Received", DATE),
            Column("team", "Team"),
            Column("from", "From"),
            Column("going_well", "What is going well (excerpt)"),
            Column("worries", "What worries them (excerpt)"),
            Column("would_like", "What they would like to happen (excerpt)"),
            Column("scale", "Their scale (0–10)", NUMBER),
        ],
        [
            [
                timezone.localdate(r["submitted_at"]),
                r[f"audit__{TEAM}"] or NO_TEAM,
                labels.get(r["relationship"], ""),
                words(r, "going_well"),
                words(r, "worries"),
                words(r, "would_like"),
                r["scale"],
            ]
            for r in rows
        ],
        description="Feedback families sent about the audited work and agreed may be shared "
        "anonymously to help others learn, most recent first. Names of the child, the family "
        "and the social worker are replaced by [name]; no case is named.",
    )
