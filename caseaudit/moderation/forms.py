import datetime as dt

from django import forms

from .services import DEFAULT_SHARE


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class SampleForm(forms.Form):
    month = forms.CharField(
        label="Month sampled",
        help_text="The month whose completed audits are sampled, as 2026-11.",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )
    share = forms.IntegerField(
        label="Share of the month's audits (%)",
        min_value=1,
        max_value=100,
        initial=DEFAULT_SHARE,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3"}),
    )
    seed = forms.IntegerField(
        label="Seed (optional)",
        required=False,
        min_value=0,
        help_text="Reuse a seed to draw the same sample again.",
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = previous_month(today).strftime("%Y-%m")

    def clean_month(self) -> dt.date:
        value = self.cleaned_data["month"].strip()
        try:
            if len(value) != 7:
                raise ValueError(value)
            return dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            raise forms.ValidationError("Enter a month like 2026-11") from None


class ReferForm(forms.Form):
    audit = forms.TypedChoiceField(label="Audit", coerce=int)
    reason = forms.CharField(
        label="Why should it be moderated?",
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 4}),
    )

    def __init__(self, *args, audits, **kwargs):
        super().__init__(*args, **kwargs)
        self.audits = {a.pk: a for a in audits}
        self.fields["audit"].choices = [("", "Choose an audit")] + [
            (
                a.pk,
                f"Case {a.case.reference}: {a.tool_version.tool.name} by {a.auditor.name}, "
                f"completed {a.completed_at:%d %b %Y}",
            )
            for a in self.audits.values()
        ]
        self.fields["audit"].widget.attrs["class"] = "govuk-select"


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply",
        max_length=5000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 4}),
    )


class ExerciseForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=150,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
    )
    summary = forms.CharField(
        label="The exemplar: an anonymised case summary",
        help_text="Written for training. Never copy a real child's record: no names, dates of "
        "birth, addresses or case references.",
        max_length=20000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 10}),
    )
    tool = forms.ChoiceField(label="Tool to score it with")
    invited = forms.MultipleChoiceField(
        label="Who is invited to score it",
        help_text="Hold Ctrl (or Cmd) to choose several.",
    )

    def __init__(self, *args, versions, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {str(v.pk): v for v in versions}
        self.staff = {str(s.pk): s for s in staff}
        self.fields["tool"].choices = [(k, v.tool.name) for k, v in self.versions.items()]
        self.fields["tool"].widget.attrs["class"] = "govuk-select"
        self.fields["invited"].choices = [
            (k, f"{s.name} ({s.get_role_display()})") for k, s in self.staff.items()
        ]
        self.fields["invited"].widget.attrs.update({"class": "govuk-select", "size": 12})
