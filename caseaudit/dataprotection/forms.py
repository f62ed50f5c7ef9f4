from django import forms

from caseaudit.audits.forms import DateInput


class CaseCloseForm(forms.Form):
    """Closing a case: when and why (the closure gate is `services.case_close`'s)."""

    closed_on = forms.DateField(
        label="Date the case closed",
        help_text="Not in the future, and not before the closure audit was completed.",
        widget=DateInput,
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
