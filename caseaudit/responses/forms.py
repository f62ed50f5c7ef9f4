"""Forms of the response page. Field names follow `services.action_field` ("a12-what_done"), so
the services' validation errors land on the right field. Every field is text here: the
services check the answers (`answers.answer_clean`), so that every error shows at once."""

import datetime as dt

from django import forms

from caseaudit.audits.forms import DateInput

from .answers import ANSWER_FIELDS
from .services import action_field

WHAT_DONE_HINT = "What changed on the record or for the child and family."
DONE_ON_HINT = "The day it was done: today or earlier."
EVIDENCE_HINT = (
    "Optional. Where it can be seen: the case record entry, document or meeting, and its date."
)


def _done_on_input(today: dt.date | None) -> DateInput:
    """The date picker, which offers no day after today (the service checks it too)."""
    return DateInput(attrs={"max": today.isoformat()} if today else None)


class SubmitForm(forms.Form):
    """The worker's response: one answer per restorative action (what was done, the date it
    was done, the evidence); or, where the audit has none, the acknowledgement."""

    def __init__(self, *args, items=(), today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            pk, number = item.action.pk, item.number
            self.fields[action_field(pk, "what_done")] = forms.CharField(
                label=f"What was done for action {number}",
                required=False,
                help_text=WHAT_DONE_HINT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[action_field(pk, "done_on")] = forms.CharField(
                label=f"Date done (action {number})",
                required=False,
                help_text=DONE_ON_HINT,
                widget=_done_on_input(today),
            )
            self.fields[action_field(pk, "evidence")] = forms.CharField(
                label=f"Evidence (action {number})",
                required=False,
                help_text=EVIDENCE_HINT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if not self.items:
            self.fields["acknowledgement"] = forms.CharField(
                label="Acknowledgement",
                required=False,
                help_text="The audit has no restorative actions, so acknowledge that you have "
                "received it with the entry “QA (date) received”.",
                widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
            )

    def rows(self):
        """(item, what_done, done_on, evidence fields) for the template, in page order: the
        one answer block of each action."""
        return [
            (item, *(self[action_field(item.action.pk, name)] for name in ANSWER_FIELDS))
            for item in self.items
        ]

    def answers(self) -> dict:
        return {
            item.action.pk: {
                name: self.cleaned_data.get(action_field(item.action.pk, name))
                for name in ANSWER_FIELDS
            }
            for item in self.items
        }


def submit_initial(document) -> dict:
    """The form as last submitted (a returned response comes back filled in)."""
    initial = {"acknowledgement": document.response.acknowledgement}
    for item in document.actions:
        if item.answer is not None:
            initial |= answer_initial(
                item.answer, key=lambda name, pk=item.action.pk: action_field(pk, name)
            )
    return initial


def answer_initial(answer, *, key=str) -> dict:
    """One answer's values for a form."""
    return {
        key("what_done"): answer.what_done,
        key("done_on"): answer.done_on.isoformat() if answer.done_on else "",
        key("evidence"): answer.evidence,
    }


class AnswerForm(forms.Form):
    """An action answered on its own after the response (reopened, or added when the audit
    was reopened): the same answer as in the response, prefilled with it."""

    def __init__(self, *args, number: int = 1, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what_done"] = forms.CharField(
            label=f"What was done for action {number}",
            required=False,
            help_text=WHAT_DONE_HINT,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.fields["done_on"] = forms.CharField(
            label=f"Date done (action {number})",
            required=False,
            help_text=DONE_ON_HINT,
            widget=_done_on_input(today),
        )
        self.fields["evidence"] = forms.CharField(
            label=f"Evidence (action {number})",
            required=False,
            help_text=EVIDENCE_HINT,
            widget=forms.Textarea(attrs={"rows": 2}),
        )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Why are you returning it?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The worker reads this, changes their answers and submits them again.",
    )


class ReopenActionForm(forms.Form):
    reason = forms.CharField(
        label="Why is it not resolved yet?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
