"""Forms of the response page. Field names follow `services.action_field` ("a12-what_done"), so
the services' validation errors land on the right field."""

from django import forms

from caseaudit.audits.forms import DateInput

from .services import action_field


class SubmitForm(forms.Form):
    """The worker's response: for each restorative action what was done or is planned and by
    when; or, where the audit has none, the acknowledgement."""

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            pk, number = item.action.pk, item.number
            self.fields[action_field(pk, "what_done")] = forms.CharField(
                label=f"What was done or is planned for action {number}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[action_field(pk, "planned_by")] = forms.DateField(
                label=f"By when (action {number})",
                required=False,
                widget=DateInput,
                help_text="The date it was done or will be done.",
                error_messages={"invalid": f"“By when” for action {number} must be a real date"},
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
        """(item, what_done field, planned_by field) for the template, in page order."""
        return [
            (
                item,
                self[action_field(item.action.pk, "what_done")],
                self[action_field(item.action.pk, "planned_by")],
            )
            for item in self.items
        ]

    def answers(self) -> dict:
        return {
            item.action.pk: {
                "what_done": self.cleaned_data.get(action_field(item.action.pk, "what_done")),
                "planned_by": self.cleaned_data.get(action_field(item.action.pk, "planned_by")),
            }
            for item in self.items
        }


def submit_initial(document) -> dict:
    """The form as last submitted (a returned response comes back filled in)."""
    initial = {"acknowledgement": document.response.acknowledgement}
    for item in document.actions:
        if item.answer is not None:
            initial[action_field(item.action.pk, "what_done")] = item.answer.what_done
            initial[action_field(item.action.pk, "planned_by")] = item.answer.planned_by
    return initial


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Why are you returning it?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The worker reads this, changes their response and submits it again.",
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenActionForm(forms.Form):
    reason = forms.CharField(
        label="Why is it not resolved yet?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
