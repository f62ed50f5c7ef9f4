"""What an audit needs before it can be completed (docs/procedure.md, section 3): every gap as
(field name, message), in the order of the audit form, so the error summary can link each to
its field. `services.audit_complete` refuses while there is any.

The rules that vary are data: a question marked `required` in the tool version must be
answered, and a section scaled in a band marked `actions_required` needs at least one
restorative action for it (the overall scale in such a band: at least one action). The rest
hold for every tool:
- each scaled section: "working well" or "worried about" written, and a scale;
- the voice of the child;
- contact with the family: made or tried (with who and how), or a reason it was not
  appropriate;
- each restorative action: a description, an owner and a due date;
- a serious safeguarding issue, if marked, described; an overall scale; a summary.
"""

from django.db.models import Prefetch

from caseaudit.audit_tools.models import Question, ScalingBand, Section
from caseaudit.audit_tools.selectors import band_for, scaling_bands

from . import fields
from .models import Audit, ContactMade, QuestionAnswer, RestorativeAction, SectionAnswer

Problem = tuple[str, str]


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _section_problems(
    section: Section, answer: SectionAnswer | None, answered: set[int]
) -> list[Problem]:
    problems = []
    if section.scaled:
        if answer is None or (not answer.working_well and not answer.worried_about):
            problems.append(
                (
                    fields.section_field(section.pk, "working_well"),
                    f"Write what is working well or what you are worried about in "
                    f"“{section.title}”",
                )
            )
        if answer is None or answer.scale is None:
            problems.append(
                (fields.section_field(section.pk, "scale"), f"Choose a scale for “{section.title}”")
            )
    for question in section.questions.all():
        if question.required and question.pk not in answered:
            problems.append(
                (
                    fields.question_field(question.pk, "answer"),
                    f"Answer “{_short(question.text)}” in “{section.title}”",
                )
            )
    return problems


def family_contact_problems(audit: Audit) -> list[Problem]:
    """Contact with the family: made or tried, with who and how; or why it was not
    appropriate."""
    made = audit.contact_made
    if not made:
        return [
            (
                "contact_made",
                "Say whether contact with the child or family was made, tried, or not appropriate",
            )
        ]
    if made == ContactMade.NOT_APPROPRIATE:
        if not audit.contact_not_appropriate_reason.strip():
            return [
                (
                    "contact_not_appropriate_reason",
                    "Explain why contact with the child or family was not appropriate",
                )
            ]
        return []
    tried = made == ContactMade.ATTEMPTED
    problems = []
    if not audit.who_contacted.strip():
        problems.append(
            (
                "who_contacted",
                "Enter who you tried to contact" if tried else "Enter who was contacted",
            )
        )
    if not audit.contact_method:
        problems.append(
            (
                "contact_method",
                "Choose how you tried to make contact" if tried else "Choose how contact was made",
            )
        )
    return problems


def _actions_problems(
    audit: Audit,
    sections: list[Section],
    answers: dict[int, SectionAnswer],
    actions: list[RestorativeAction],
    bands: list[ScalingBand],
) -> list[Problem]:
    """A section scaled in a band that needs actions has at least one action for it; an
    overall scale in such a band, at least one action."""
    problems = []
    for_section = {a.section_id for a in actions if a.section_id}
    for section in sections:
        answer = answers.get(section.pk)
        band = band_for(score=answer.scale, bands=bands) if section.scaled and answer else None
        if band is not None and band.actions_required and section.pk not in for_section:
            problems.append(
                (
                    fields.section_field(section.pk, "actions"),
                    f"Add a restorative action for “{section.title}”: it is scaled "
                    f"{answer.scale} ({band.name}), which needs one",
                )
            )
    band = band_for(score=audit.overall_scale, bands=bands)
    if band is not None and band.actions_required and not actions:
        problems.append(
            (
                fields.OVERALL_ACTIONS,
                f"Add at least one restorative action: the overall scale {audit.overall_scale} "
                f"({band.name}) needs one",
            )
        )
    return problems


def _action_row_problems(actions: list[RestorativeAction]) -> list[Problem]:
    problems = []
    for number, action in enumerate(actions, start=1):
        if not action.description:
            problems.append(
                (fields.action_field(action.pk, "description"), f"Describe action {number}")
            )
        if action.owner_id is None:
            problems.append(
                (fields.action_field(action.pk, "owner"), f"Choose who owns action {number}")
            )
        if action.due_on is None:
            problems.append(
                (fields.action_field(action.pk, "due_on"), f"Enter a due date for action {number}")
            )
    return problems


def completion_problems(audit: Audit) -> list[Problem]:
    """What stops the audit being completed, as (field name, message), in page order. Five
    queries however many sections, questions and actions."""
    answers = {a.section_id: a for a in SectionAnswer.objects.filter(audit=audit)}
    answered = set(
        QuestionAnswer.objects.filter(audit=audit)
        .exclude(answer="")
        .values_list("question_id", flat=True)
    )
    sections = list(
        Section.objects.filter(version_id=audit.tool_version_id)
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("order", "id")))
        .order_by("order", "id")
    )
    actions = list(RestorativeAction.objects.filter(audit=audit).order_by("order", "id"))
    problems: list[Problem] = []
    for section in sections:
        problems += _section_problems(section, answers.get(section.pk), answered)
    if not audit.voice_of_child:
        problems.append(("voice_of_child", "Write about the voice of the child"))
    problems += family_contact_problems(audit)
    problems += _actions_problems(audit, sections, answers, actions, scaling_bands())
    problems += _action_row_problems(actions)
    if audit.serious_safeguarding and not audit.serious_safeguarding_detail:
        problems.append(("serious_safeguarding_detail", "Describe the serious safeguarding issue"))
    if audit.overall_scale is None:
        problems.append(("overall_scale", "Choose an overall scale"))
    if not audit.summary:
        problems.append(("summary", "Write a summary of the audit"))
    return problems
