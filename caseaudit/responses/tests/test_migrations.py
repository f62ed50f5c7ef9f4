"""Migration 0004: "what was done" written twice (the response's answer and the action's
resolution note) becomes one answer per action, and no text is lost."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from caseaudit.audits.models import ActionStatus, RestorativeAction
from caseaudit.audits.tests.concurrency import load_shipped_tools
from caseaudit.responses.models import ActionResponse, ResponseDraft

from .conftest import at

BEFORE = [("responses", "0002_response_draft")]
# Forward again: every app's latest migration (what later tests' tables need), not only 0004's
# successor: going back to 0002 also unapplies the responses' later migrations.
AFTER = None


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_two_texts_are_merged_into_the_one_answer(org, response_for):
    load_shipped_tools()
    response = response_for(actions=5)
    a1, a2, a3, a4, a5 = response.audit.actions.order_by("order", "id")
    resolved = {"status": ActionStatus.RESOLVED, "resolved_at": at(2026, 11, 25, 15)}
    # 1: planned, then resolved with a different note.
    RestorativeAction.objects.filter(pk=a1.pk).update(resolution="Chronology updated.", **resolved)
    # 2: resolved, then reopened by a manager (the note stays, the date goes).
    RestorativeAction.objects.filter(pk=a2.pk).update(resolution="Uploaded.")
    # 3: resolved with the very words of the answer, on the day planned.
    RestorativeAction.objects.filter(pk=a3.pk).update(resolution="Chronology updated.", **resolved)
    # 4: resolved with a note, never answered in the response.
    RestorativeAction.objects.filter(pk=a4.pk).update(resolution="Recorded the visit.", **resolved)
    # 5: answered with a plan still to come, still open.
    try:
        old = migrate(BEFORE)
        Answer = old.get_model("responses", "ActionResponse")
        Draft = old.get_model("responses", "ResponseDraft")
        for action, what, planned in (
            (a1, "I will update the chronology.", dt.date(2026, 11, 20)),
            (a2, "Done: the plan is on the record.", None),
            (a3, "Chronology updated.", dt.date(2026, 11, 25)),
            (a5, "I will see the child alone.", dt.date(2027, 3, 1)),
        ):
            Answer.objects.create(
                response_id=response.pk, action_id=action.pk, what_done=what, planned_by=planned
            )
        Draft.objects.create(
            response_id=response.pk,
            values={
                f"a{a1.pk}-what_done": "Typed so far",
                f"a{a1.pk}-planned_by": "2030-01-01",
                f"a{a2.pk}-planned_by": "2026-11-0",
            },
        )
    finally:
        migrate(AFTER)

    answers = {a.action_id: a for a in ActionResponse.objects.all()}
    assert set(answers) == {a1.pk, a2.pk, a3.pk, a4.pk, a5.pk}  # one per action
    assert answers[a1.pk].what_done == (
        "I will update the chronology.\n\n"
        "Marked resolved on 25 November 2026: Chronology updated.\n\n"
        "Planned by 20 November 2026."
    )
    assert answers[a1.pk].done_on == dt.date(2026, 11, 25)
    assert answers[a2.pk].what_done == (
        "Done: the plan is on the record.\n\n"
        "Resolution note before the action was reopened: Uploaded."
    )
    assert answers[a2.pk].done_on is None  # open: not done, so asked with the next answer
    assert (answers[a3.pk].what_done, answers[a3.pk].done_on) == (
        "Chronology updated.",
        dt.date(2026, 11, 25),
    )
    assert (answers[a4.pk].what_done, answers[a4.pk].done_on) == (
        "Recorded the visit.",
        dt.date(2026, 11, 25),
    )
    assert answers[a4.pk].answered_at == at(2026, 11, 25, 15)
    assert answers[a5.pk].what_done == "I will see the child alone.\n\nPlanned by 1 March 2027."
    assert answers[a5.pk].done_on is None
    # The actions' own notes are as they were.
    assert RestorativeAction.objects.get(pk=a1.pk).resolution == "Chronology updated."
    # The draft: a date still to come moves into the text; another becomes the date done.
    assert ResponseDraft.objects.get().values == {
        f"a{a1.pk}-what_done": "Typed so far\n\nPlanned by 1 January 2030.",
        f"a{a2.pk}-done_on": "2026-11-0",
    }


@pytest.mark.django_db(transaction=True)
def test_going_back_keeps_the_date_done_as_by_when(org, response_for):
    load_shipped_tools()
    response = response_for(actions=1)
    action = response.audit.actions.get()
    ActionResponse.objects.create(
        response=response, action=action, what_done="Done.", done_on=dt.date(2026, 11, 2)
    )
    ResponseDraft.objects.create(response=response, values={f"a{action.pk}-done_on": "2026-11-"})
    try:
        old = migrate(BEFORE)
        answer = old.get_model("responses", "ActionResponse").objects.get()
        assert (answer.what_done, answer.planned_by) == ("Done.", dt.date(2026, 11, 2))
        draft = old.get_model("responses", "ResponseDraft").objects.get()
        assert draft.values == {f"a{action.pk}-planned_by": "2026-11-"}
    finally:
        migrate(AFTER)
    # Forward again, the open action's date is kept in its text (it is not resolved).
    answer = ActionResponse.objects.get()
    assert (answer.what_done, answer.done_on) == ("Done.\n\nPlanned by 2 November 2026.", None)
