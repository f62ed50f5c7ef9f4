"""Fixtures for the audits app: tools of any size, started audits and a complete answer set."""

import datetime as dt

import pytest
from django.http import Http404

from caseaudit.api.tests.conftest import api  # noqa: F401  (the API tests' `api(staff)` client)
from caseaudit.audit_tools.models import (
    Question,
    QuestionKind,
    Section,
    Theme,
    Tool,
    ToolVersion,
    VersionStatus,
)
from caseaudit.audit_tools.selectors import band_for, scaling_bands, tool_version_published
from caseaudit.audits import services
from caseaudit.audits.models import AuditReason


@pytest.fixture
def make_tool(db):
    """`make_tool(code, sections=3)`: a published tool for child cases, each section scaled
    with a yes/no/N/A, a date, a choice and a text question."""

    def _make(code="test-tool", *, sections=3, applies_to=("cin", "cp", "cla")):
        theme = Theme.objects.order_by("order").first()
        tool = Tool.objects.create(code=code, name=f"Tool {code}", applies_to=list(applies_to))
        version = ToolVersion.objects.create(tool=tool, number=1, status=VersionStatus.PUBLISHED)
        questions = []
        for i in range(sections):
            section = Section.objects.create(
                version=version,
                key=f"s{i}",
                title=f"Section {i + 1}",
                guidance=f"Guidance for section {i + 1}.",
                theme=theme,
                order=i,
            )
            questions += [
                Question(
                    section=section,
                    key="yn",
                    text="Was it done?",
                    kind=QuestionKind.YES_NO_NA,
                    order=0,
                ),
                Question(
                    section=section, key="when", text="When?", kind=QuestionKind.DATE, order=1
                ),
                Question(
                    section=section,
                    key="how",
                    text="How well?",
                    kind=QuestionKind.CHOICE,
                    choices=["Well", "Badly"],
                    order=2,
                ),
                Question(
                    section=section, key="note", text="Notes", kind=QuestionKind.TEXT, order=3
                ),
            ]
        Question.objects.bulk_create(questions)
        return version

    return _make


@pytest.fixture
def generic(db):
    return tool_version_published(code="generic")


@pytest.fixture
def start(org):
    """`start(auditor=org.csm_north, case=org.case, tool_code="generic")`: a started draft."""

    def _start(auditor=None, case=None, tool_code="generic", reason=AuditReason.PERMISSIVE):
        return services.audit_start(
            case=case or org.case,
            auditor=auditor or org.csm_north,
            tool_code=tool_code,
            reason=reason,
        )

    return _start


def required_answers(audit) -> dict:
    """Answers to the tool version's questions that must be answered (`Question.required`),
    as `audit_save`'s "questions": yes, the first choice, a date or a text by their kind."""
    answers = {}
    for question in Question.objects.filter(section__version_id=audit.tool_version_id):
        if not question.required:
            continue
        if question.kind == QuestionKind.YES_NO_NA:
            answers[question.pk] = {"answer": "yes", "evidence": ""}
        elif question.kind == QuestionKind.CHOICE:
            answers[question.pk] = {"answer": question.choices[0]}
        elif question.kind == QuestionKind.DATE:
            answers[question.pk] = {"answer": "2026-11-02"}
        else:
            answers[question.pk] = {"answer": "Recorded."}
    return answers


FAMILY_CONTACT = {
    "contact_made": "yes",
    "who_contacted": "The child's mother",
    "contact_relationship": "Mother",
    "contact_method": "phone",
}


def completion_extras(audit) -> dict:
    """What every audit needs to complete besides its sections, scales, voice, overall scale
    and summary: the required questions' answers and the family contact (`audit_save` data)."""
    return {"questions": required_answers(audit), **FAMILY_CONTACT}


def complete_data(audit, *, scale=7, overall=7) -> dict:
    """Everything `audit_complete` requires, as `audit_save` data: with a scale in a band that
    needs restorative actions, one action for each scaled section."""
    sections = list(audit.tool_version.sections.all())
    band = band_for(score=scale, bands=scaling_bands())
    if band is not None and band.actions_required:
        actions = [
            {
                "description": f"Improve “{s.title}”.",
                "owner_id": audit.case.allocated_worker_id,
                "due_on": dt.date(2027, 1, 15),
                "section_id": s.pk,
            }
            for s in sections
            if s.scaled
        ]
    else:
        actions = [
            {
                "description": "Update the chronology.",
                "owner_id": audit.case.allocated_worker_id,
                "due_on": dt.date(2027, 1, 15),
            }
        ]
    return {
        "sections": {
            s.pk: {
                "working_well": f"Good work in {s.title}.",
                "worried_about": "",
                "needs_to_happen": "Keep going.",
                "scale": scale if s.scaled else None,
            }
            for s in sections
        },
        "voice_of_child": "The child's wishes are recorded in their own words.",
        "overall_scale": overall,
        "summary": "A well-managed case.",
        "actions": actions,
        **completion_extras(audit),
    }


@pytest.fixture
def save(django_capture_on_commit_callbacks):
    """`save(audit, by, data)`: `audit_save` at the audit's current revision, with its
    on-commit work (emails) run as in production."""

    def _save(audit, by, data, revision=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.audit_save(
                audit=audit,
                by=by.user if hasattr(by, "user") else by,
                data=data,
                revision=audit.revision if revision is None else revision,
            )

    return _save


# The scoped `*_get` selectors are compiled once per case scope and kept on the connection
# (caseaudit/core/prepared.py): each person asking in turn must still get their own answer.
ROUNDS = ("tm", "outsider", "worker", "tm_b", "ps1", "director", "colleague", "tm", "outsider")


def answers_in_turn(get, org, *, pk, expected, visible, rounds=ROUNDS) -> None:
    """`get(user=..., pk=pk)` for each person of `rounds` in turn, on one connection: those
    in `visible` get `expected`, everyone else a 404."""
    for who in rounds:
        user = getattr(org, who).user
        if who in visible:
            assert get(user=user, pk=pk) == expected, who
        else:
            with pytest.raises(Http404):
                get(user=user, pk=pk)
