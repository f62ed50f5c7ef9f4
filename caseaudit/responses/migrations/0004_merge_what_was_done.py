"""Before this change "what was done" was written twice for an action: in the QA response
(`ActionResponse.what_done`, "what was done or is planned", with an optional "by when") and
again when its owner marked it resolved (`RestorativeAction.resolution`). Now the answer is the
one place. This keeps every word of both:

- An answer whose action has a resolution note it does not already contain gets the note
  added after a blank line: "Marked resolved on 9 January 2027: <note>" (or "Resolution note
  before the action was reopened: <note>" for an action open again).
- "Date done" is the day the action was marked resolved, for a resolved action; otherwise it is
  left empty (a "by when" is not a date it was done), to be given with the next answer.
- A "by when" that is not that date is kept in the text: "Planned by 8 January 2027."
- An action resolved with a note but never answered in its response (added when the audit
  was reopened) gets an answer made from the note, dated the day it was marked resolved.
- A saved draft's "by when" becomes its "date done" (the worker checks it before submitting);
  a date still to come moves into the draft's "what was done" text as "Planned by ...".

The action's own `resolution` is left as it was. Going back copies "date done" into "by when";
the merged text stays merged.
"""

import datetime as dt

from django.db import migrations
from django.db.models import F
from django.utils import timezone


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _resolved_on(action) -> dt.date | None:
    if action.status == "resolved" and action.resolved_at is not None:
        return timezone.localdate(action.resolved_at)
    return None


def merged_answer(what_done: str, planned_by, action) -> tuple[str, dt.date | None]:
    """(the answer's text, its date done) from an old answer and its action."""
    parts = [what_done.rstrip()] if what_done.strip() else []
    note = (action.resolution or "").strip()
    done_on = _resolved_on(action)
    if note and note not in what_done:
        if not parts:
            parts.append(note)
        elif done_on is not None:
            parts.append(f"Marked resolved on {_long(done_on)}: {note}")
        elif action.status == "resolved":
            parts.append(f"Marked resolved: {note}")
        else:
            parts.append(f"Resolution note before the action was reopened: {note}")
    if planned_by is not None and planned_by != done_on:
        parts.append(f"Planned by {_long(planned_by)}.")
    return "\n\n".join(parts), done_on


def forwards(apps, schema_editor):
    ActionResponse = apps.get_model("responses", "ActionResponse")
    QAResponse = apps.get_model("responses", "QAResponse")
    ResponseDraft = apps.get_model("responses", "ResponseDraft")
    RestorativeAction = apps.get_model("audits", "RestorativeAction")

    changed = []
    for answer in ActionResponse.objects.select_related("action").iterator(chunk_size=500):
        text, done_on = merged_answer(answer.what_done, answer.planned_by, answer.action)
        if (text, done_on) != (answer.what_done, answer.done_on):
            answer.what_done, answer.done_on = text, done_on
            changed.append(answer)
        if len(changed) >= 500:
            ActionResponse.objects.bulk_update(changed, ["what_done", "done_on"])
            changed = []
    ActionResponse.objects.bulk_update(changed, ["what_done", "done_on"])

    responses = dict(QAResponse.objects.values_list("audit_id", "pk"))
    answered = set(ActionResponse.objects.values_list("action_id", flat=True))
    made = []
    unanswered = RestorativeAction.objects.exclude(resolution="").exclude(pk__in=answered)
    for action in unanswered.iterator(chunk_size=500):
        response_id = responses.get(action.audit_id)
        if response_id is None or not action.resolution.strip():
            continue
        made.append(
            ActionResponse(
                response_id=response_id,
                action_id=action.pk,
                what_done=action.resolution.strip(),
                done_on=_resolved_on(action),
                answered_at=action.resolved_at or timezone.now(),
            )
        )
    ActionResponse.objects.bulk_create(made, batch_size=500)

    today = timezone.localdate()
    for draft in ResponseDraft.objects.all():
        values = dict(draft.values)
        for key in [k for k in values if k.endswith("-planned_by")]:
            prefix = key[: -len("-planned_by")]
            typed = str(values.pop(key) or "")
            try:
                planned = dt.date.fromisoformat(typed.strip())
            except ValueError:
                planned = None
            if planned is not None and planned > today:
                what = str(values.get(f"{prefix}-what_done") or "").rstrip()
                line = f"Planned by {_long(planned)}."
                values[f"{prefix}-what_done"] = f"{what}\n\n{line}" if what else line
            else:
                values.setdefault(f"{prefix}-done_on", typed)
        if values != draft.values:
            draft.values = values
            draft.save(update_fields=["values"])


def backwards(apps, schema_editor):
    ActionResponse = apps.get_model("responses", "ActionResponse")
    ResponseDraft = apps.get_model("responses", "ResponseDraft")
    ActionResponse.objects.exclude(done_on=None).update(planned_by=F("done_on"))
    for draft in ResponseDraft.objects.all():
        values = {
            (k[: -len("-done_on")] + "-planned_by" if k.endswith("-done_on") else k): v
            for k, v in draft.values.items()
        }
        if values != draft.values:
            draft.values = values
            draft.save(update_fields=["values"])


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0003_actionresponse_done_on_evidence"),
        ("audits", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
