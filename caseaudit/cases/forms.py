from django import forms
from django.utils.html import format_html_join

from caseaudit.organisation.models import Staff, Team

from .models import CaseType

STATUS_CHOICES = [("open", "Open"), ("closed", "Closed"), ("all", "Open and closed")]


class CaseFilterForm(forms.Form):
    q = forms.CharField(label="Name or case reference", required=False, max_length=100)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All")
    case_type = forms.ChoiceField(
        label="Case type", required=False, choices=[("", "All"), *CaseType.choices]
    )
    worker = forms.ModelChoiceField(
        label="Allocated worker", queryset=Staff.objects.none(), required=False, empty_label="All"
    )
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES, initial="open")

    def __init__(self, *args, teams, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["worker"].queryset = workers

    # The team and worker selects list everyone in the user's scope (hundreds of workers for
    # senior roles). Django's Select widget renders a template per option, which was most of
    # the case list's time: these write the options from (id, name) pairs in one pass
    # (`cases/includes/filter_select.html`); the fields still validate against the scope.
    def team_options(self) -> str:
        return self._options_html("team")

    def worker_options(self) -> str:
        return self._options_html("worker")

    def team_selected(self) -> int | None:
        return self._selected_pk("team")

    def worker_selected(self) -> int | None:
        return self._selected_pk("worker")

    def _options_html(self, name: str) -> str:
        selected = self._selected_pk(name)
        return format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (pk, " selected" if pk == selected else "", label)
                for pk, label in self.fields[name].queryset.values_list("pk", "name")
            ),
        )

    def _selected_pk(self, name: str) -> int | None:
        if not self.is_bound:
            return None
        self.is_valid()  # cleans once; a field with an error has no cleaned value
        chosen = self.cleaned_data.get(name)
        return chosen.pk if chosen else None

    def filters(self) -> dict:
        """The cleaned filters as keyword arguments for `selectors.case_list`."""
        if not self.is_valid():
            return {"status": "open"}
        data = self.cleaned_data
        return {
            "search": data["q"].strip(),
            "team_id": data["team"].pk if data["team"] else None,
            "case_type": data["case_type"],
            "worker_id": data["worker"].pk if data["worker"] else None,
            "status": data["status"] or "open",
        }


class CaseCloseForm(forms.Form):
    """Closing a case: when and why (the closure gate is `services.case_close`'s)."""

    closed_on = forms.DateField(
        label="Date the case closed",
        help_text="Not in the future, and not before the closure audit was completed.",
        error_messages={
            "required": "Enter the date the case closed",
            "invalid": "The date the case closed must be a real date",
        },
    )
    reason = forms.CharField(
        label="Why is the case closing?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the case is closing"},
    )

    def __init__(self, *args, **kwargs):
        from caseaudit.audits.forms import DateInput  # the audits app's ISO date input

        super().__init__(*args, **kwargs)
        self.fields["closed_on"].widget = DateInput()
