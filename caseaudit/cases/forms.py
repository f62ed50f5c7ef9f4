from django import forms

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
