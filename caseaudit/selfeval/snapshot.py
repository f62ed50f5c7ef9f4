"""A pack's snapshot: its figures (`figures.pack_figures`), the comparison with the previous
published pack of the same scope (figure, previous, change) and the generated draft of each
part's narrative. Stored in `SelfEvaluationPack.figures`; a published pack's never changes.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from caseaudit.organisation.models import ServiceArea

from .figures import pack_figures
from .models import SelfEvaluationPack

# The headline figures compared with the previous pack: (path in the figures, label, unit).
# "pp": a percentage, its change in percentage points.
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("know.audits", "Audits completed", ""),
    ("know.average", "Average overall grade (0–10)", ""),
    ("know.good_share", "Audits graded in the top two bands (%)", "pp"),
    ("know.urgent.raised", "Urgent findings raised", ""),
    ("know.urgent.within_day", "Urgent findings acknowledged within 24 hours (%)", "pp"),
    ("know.family.rate", "Family feedback response rate (%)", "pp"),
    ("how.programme.completion", "Programme audits done (%)", "pp"),
    ("how.coverage.coverage", "Open cases audited in the last 12 months (%)", "pp"),
    ("how.auditors.independent_pct", "Audits by someone outside the case's team (%)", "pp"),
    ("how.moderation.within_one", "Moderation: sections within one point (%)", "pp"),
    ("how.practitioners.on_time", "QA responses on time (%)", "pp"),
    ("doing.actions.completed", "Improvement actions completed", ""),
    ("doing.actions.overdue", "Improvement actions overdue", ""),
)


def value_at(figures: dict[str, Any], path: str) -> Any:
    value: Any = figures
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _good_share(figures: dict[str, Any]) -> float | None:
    """The share of scaled audits whose overall grade is in the top two bands."""
    know = figures.get("know", {})
    bands = know.get("bands", [])
    scaled = know.get("scaled") or 0
    if not scaled or len(bands) < 2:
        return None
    return round(100 * sum(b["audits"] for b in bands[-2:]) / scaled, 1)


def with_derived(figures: dict[str, Any]) -> dict[str, Any]:
    figures.setdefault("know", {})["good_share"] = _good_share(figures)
    return figures


def _change(current: Any, previous: Any) -> float | None:
    if not isinstance(current, int | float) or not isinstance(previous, int | float):
        return None
    return round(float(current) - float(previous), 1)


def comparison_of(
    *, figures: dict[str, Any], previous: SelfEvaluationPack | None
) -> dict[str, Any] | None:
    """The headline figures beside the previous published pack's (None without one)."""
    if previous is None:
        return None
    before = previous.figures or {}
    rows = []
    for path, label, unit in HEADLINES:
        current, earlier = value_at(figures, path), value_at(before, path)
        rows.append(
            {
                "label": label,
                "current": current,
                "previous": earlier,
                "change": _change(current, earlier),
                "unit": unit,
            }
        )
    return {
        "id": previous.pk,
        "title": previous.title,
        "period_label": previous.period_label,
        "published_on": timezone.localdate(previous.published_at).isoformat()
        if previous.published_at
        else "",
        "rows": rows,
    }


def _pct(value: Any) -> str:
    return "no figure" if value is None else f"{value:g}%"


def _names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def draft_texts(figures: dict[str, Any]) -> dict[str, str]:
    """A sentence or two per part from the figures: the authors' starting point, to rewrite."""
    know, how, doing = figures["know"], figures["how"], figures["doing"]
    period = figures["period"]["label"]
    if know["audits"]:
        average = "–" if know["average"] is None else know["average"]
        first = (
            f"From {period} we completed {know['audits']:,} audits of {know['cases']:,} cases; "
            f"the average overall grade was {average} out of 10"
            + (
                f", with {_pct(know.get('good_share'))} in the top two bands."
                if know.get("good_share") is not None
                else "."
            )
        )
    else:
        first = f"From {period} no audit was completed."
    averages = {t["theme"]: t["average"] for t in know["themes"]}

    def scored(names: list[str]) -> str:
        return _names([f"{name} ({averages.get(name)})" for name in names])

    themes = ""
    if know["strongest"]:
        themes = f" Practice is strongest in {scored(know['strongest'])}"
        themes += f" and weakest in {scored(know['weakest'])}." if know["weakest"] else "."
    family = know["family"]
    family_text = (
        f" Families answered {family['answered']:,} of {family['sent']:,} feedback requests "
        f"({_pct(family['rate'])})."
        if family["sent"]
        else ""
    )
    programme, coverage, moderation = how["programme"], how["coverage"], how["moderation"]
    if programme["expected"]:
        done = (
            f"Auditors completed {programme['done']:,} of the {programme['expected']:,} audits "
            f"the programme allocated ({_pct(programme['completion'])})"
        )
    else:
        done = (
            "No audit was allocated by a confirmed programme in the period; "
            f"{programme['other']:,} were done outside it"
        )
    how_text = (
        f"{done}; {_pct(coverage['coverage'])} of "
        f"open cases were audited in the last 12 months. "
        f"{_pct(how['auditors']['independent_pct'])} of audits were done by someone from outside "
        "the case's team"
        + (
            f", and moderators agreed within one point on {_pct(moderation['within_one'])} of "
            f"sections in {moderation['moderated']:,} moderated audits."
            if moderation["moderated"]
            else "."
        )
    )
    actions, followups = doing["actions"], doing["followups"]
    travelled = followups["travelled"]
    doing_text = (
        f"{actions['completed']:,} of {actions['total']:,} improvement actions from our findings "
        f"reports are completed, {actions['in_progress']:,} in progress and "
        f"{actions['overdue']:,} overdue."
        if actions["total"]
        else "No improvement action from a published findings report yet."
    )
    if travelled.get("followups"):
        doing_text += (
            f" Follow-up audits of {travelled['followups']:,} cases graded in the lowest band "
            f"moved their average grade from {travelled['first']} to {travelled['then']}."
        )
    if doing["campaigns"]["coming"]:
        doing_text += (
            " Next thematic audits: "
            + _names([c["name"] for c in doing["campaigns"]["coming"][:3]])
            + "."
        )
    return {"know": first + themes + family_text, "how": how_text, "doing": doing_text}


def compute_snapshot(
    *,
    service: ServiceArea | None,
    period_start: dt.date,
    period_end: dt.date,
    today: dt.date,
    previous: SelfEvaluationPack | None,
) -> dict[str, Any]:
    """The figures computed now, with the comparison and the generated drafts."""
    figures = with_derived(
        pack_figures(scope=service, period_start=period_start, period_end=period_end, today=today)
    )
    figures["comparison"] = comparison_of(figures=figures, previous=previous)
    figures["drafts"] = draft_texts(figures)
    return figures
