"""Fixtures for the responses app: audits completed through the audits app's own services, at
a chosen moment, with their on-commit work (emails) run as in production."""

import contextlib
import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from caseaudit.audit_tools.models import Question, QuestionKind
from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit, AuditReason
from caseaudit.responses.models import QAResponse
from caseaudit.workflows import audits as workflows

UTC = dt.UTC


def at(year, month, day, hour=10, minute=0) -> dt.datetime:
    """An aware moment (UTC; the same clock time as London in winter)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


@contextlib.contextmanager
def clock(moment: dt.datetime | None):
    """Stop the clock at `moment` (services read `django.utils.timezone.now`)."""
    if moment is None:
        yield
        return
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _question_answer(question) -> dict:
    """A valid answer to any question (the tool marks some required)."""
    answer = {
        QuestionKind.YES_NO_NA: "yes",
        QuestionKind.DATE: "2026-11-02",
        QuestionKind.CHOICE: (question.choices or [""])[0],
    }.get(question.kind, "Recorded.")
    if isinstance(answer, dict | list | tuple):  # a choice given as [value, label]
        answer = answer[0] if isinstance(answer, list | tuple) else answer.get("value", "")
    return {"answer": answer, "evidence": "Seen on the record."}


def audit_data(audit: Audit, *, actions) -> dict:
    """Everything `audit_complete` requires (every question answered, contact with the
    family recorded), with these actions: a list of (description, owner, due_on)."""
    sections = audit.tool_version.sections.all()
    questions = Question.objects.filter(section__version=audit.tool_version)
    return {
        "questions": {q.pk: _question_answer(q) for q in questions},
        "contact_made": "not_appropriate",
        "contact_not_appropriate_reason": "The audit was of the record only.",
        "sections": {
            s.pk: {
                "working_well": f"Good work in {s.title}.",
                "worried_about": "",
                "needs_to_happen": "Keep going.",
                "scale": 7 if s.scaled else None,
            }
            for s in sections
        },
        "voice_of_child": "The child's wishes are recorded in their own words.",
        "overall_scale": 7,
        "summary": "A well-managed case.",
        "actions": [
            {"description": description, "owner_id": owner.pk, "due_on": due_on}
            for description, owner, due_on in actions
        ],
    }


@pytest.fixture
def complete_audit(org, django_capture_on_commit_callbacks):
    """`complete_audit(actions=1, at=moment, case=org.case, auditor=org.csm_north)`: a Generic
    Audit started, filled in and completed at `moment` (default: now). `actions` is a count
    (owned by the case's worker, due 15 January 2027) or a list of (description, owner, due)."""

    def _complete(*, actions=1, at=None, case=None, auditor=None) -> Audit:
        case = case or org.case
        auditor = auditor or org.csm_north
        if isinstance(actions, int):
            owner = case.allocated_worker or org.tm
            actions = [
                (f"Update the chronology ({n + 1}).", owner, dt.date(2027, 1, 15))
                for n in range(actions)
            ]
        with clock(at), django_capture_on_commit_callbacks(execute=True):
            audit = audit_services.audit_start(
                case=case, auditor=auditor, tool_code="generic", reason=AuditReason.PERMISSIVE
            )
            audit_services.audit_save(
                audit=audit,
                by=auditor.user,
                data=audit_data(audit, actions=actions),
                revision=audit.revision,
            )
            workflows.audit_complete(audit=audit, by=auditor.user)
        return audit

    return _complete


@pytest.fixture
def response_for(complete_audit):
    """`response_for(actions=1, at=moment, ...)`: the QA response of a newly completed audit."""

    def _response(**kwargs) -> QAResponse:
        audit = complete_audit(**kwargs)
        return QAResponse.objects.select_related(
            "case", "case__team", "worker", "worker__line_manager", "supervisor", "audit"
        ).get(audit=audit)

    return _response


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """`run(service, **kwargs)`: call a service with its on-commit work (emails) run."""

    def _run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return _run


def today_is(d: dt.date):
    """Patch the clock to 09:00 on `d` (for pages that read today's date)."""
    return clock(dt.datetime.combine(d, dt.time(9, 0), tzinfo=timezone.get_current_timezone()))


# A day every test's clock has passed: a "date done" that is never in the future.
DONE = dt.date(2026, 11, 2)


def answer(text="Chronology updated.", *, done_on=DONE, evidence="Case note of 2 Nov 2026."):
    """One action's answer as `response_submit` takes it."""
    return {"what_done": text, "done_on": done_on, "evidence": evidence}


def answers_for(response, text="Chronology updated.", **kwargs) -> dict:
    """An answer for every action of the response ("<text> (<action id>)")."""
    return {
        a.pk: answer(f"{text} ({a.pk})", **kwargs)
        for a in response.audit.actions.order_by("order", "id")
    }
