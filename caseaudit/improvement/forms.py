from django import forms
from django.utils import timezone

from caseaudit.audit_tools.models import Theme
from caseaudit.organisation.models import ServiceArea, Staff, Team
from caseaudit.reports.forms import DateInput

from .models import ActionStatus, ScopeKind

SELECT = {"class": "govuk-select"}
TEXTAREA = {"class": "govuk-textarea", "rows": 6}
INPUT = {"class": "govuk-input"}


class ReportCreateForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, widget=forms.TextInput(attrs=INPUT))
    scope_kind = forms.ChoiceField(
        label="Scope", choices=ScopeKind.choices, widget=forms.Select(attrs=SELECT)
    )
    service = forms.ModelChoiceField(
        label="Service (for a service's report)",
        queryset=ServiceArea.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    team = forms.ModelChoiceField(
        label="Team (for a team's report)",
        queryset=Team.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    period_start = forms.DateField(label="Period from", widget=DateInput())
    period_end = forms.DateField(label="Period to", widget=DateInput())

    def __init__(self, data=None, *, services, teams, kinds, initial=None):
        super().__init__(data, initial=initial)
        self.fields["service"].queryset = services
        self.fields["team"].queryset = teams
        self.fields["scope_kind"].choices = [c for c in ScopeKind.choices if c[0] in kinds]

    def clean(self):
        data = super().clean()
        kind = data.get("scope_kind")
        if kind == ScopeKind.SERVICE and not data.get("service"):
            self.add_error("service", "Choose the service")
        if kind == ScopeKind.TEAM and not data.get("team"):
            self.add_error("team", "Choose the team")
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", "The period must end on or after the day it starts")
        return data


class ReportEditForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=200, widget=forms.TextInput(attrs=INPUT))
    overview = forms.CharField(
        label="Overview",
        help_text="What the audits in the period show, in your words: the report's summary for "
        "the board.",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA | {"rows": 10}),
    )


class RecommendationForm(forms.Form):
    text = forms.CharField(
        label="Recommendation",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA | {"rows": 3}),
    )
    theme = forms.ModelChoiceField(
        label="Theme",
        queryset=Theme.objects.order_by("order", "name"),
        required=False,
        empty_label="No theme",
        widget=forms.Select(attrs=SELECT),
    )
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=Staff.objects.none(),
        required=False,
        empty_label="Choose who owns the action",
        widget=forms.Select(attrs=SELECT),
    )
    due_on = forms.DateField(label="Due by", required=False, widget=DateInput())

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners

    def clean(self):
        data = super().clean()
        if (data.get("text") or "").strip():
            if not data.get("owner"):
                self.add_error("owner", "Choose who owns this action")
            if not data.get("due_on"):
                self.add_error("due_on", "Enter the date it is due by")
            elif data["due_on"] < timezone.localdate():
                self.add_error("due_on", "The due date must be today or later")
        return data


class BaseRecommendationFormSet(forms.BaseFormSet):
    def __init__(self, *args, owners=None, **kwargs):
        self.owners = owners
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"owners": self.owners}


RecommendationFormSet = forms.formset_factory(
    RecommendationForm, formset=BaseRecommendationFormSet, extra=0, max_num=10
)


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label="Senior manager to review it",
        queryset=Staff.objects.none(),
        empty_label="Choose a reviewer",
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, data=None, *, reviewers):
        super().__init__(data)
        self.fields["reviewer"].queryset = reviewers


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve it for publishing"), ("return", "Return it for changes")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comments",
        required=False,
        help_text="Needed when you return it.",
        widget=forms.Textarea(attrs=TEXTAREA | {"rows": 4}),
    )


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status now", choices=ActionStatus.choices, widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(label="Progress", widget=forms.Textarea(attrs=TEXTAREA | {"rows": 4}))
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        help_text="What shows it is done: a document's name and where it is kept, a meeting's "
        "minutes. Needed to complete the action.",
        widget=forms.Textarea(attrs=TEXTAREA | {"rows": 3}),
    )
    evidence_url = forms.URLField(
        label="Evidence link (optional)",
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs=INPUT),
    )

    def clean_evidence_url(self):
        url = self.cleaned_data.get("evidence_url") or ""
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Enter a web address starting https://")
        return url


class ActionFilterForm(forms.Form):
    service = forms.ModelChoiceField(
        label="Service",
        queryset=ServiceArea.objects.none(),
        required=False,
        empty_label="All services",
        widget=forms.Select(attrs=SELECT),
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "Any status"), ("overdue", "Overdue"), *ActionStatus.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, data=None, *, services):
        super().__init__(data)
        self.fields["service"].queryset = services


class GoodPracticeForm(forms.Form):
    theme = forms.ModelChoiceField(
        label="Theme",
        queryset=Theme.objects.order_by("order", "name"),
        empty_label="Choose a theme",
        widget=forms.Select(attrs=SELECT),
    )
    title = forms.CharField(
        label="Short title", max_length=120, widget=forms.TextInput(attrs=INPUT)
    )
    text = forms.CharField(
        label="The good practice to share",
        help_text="Edit it to what colleagues can learn from. The child's and family's names "
        "are taken out before anyone else reads it; do not add other details that identify them.",
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class GoodPracticeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("share", "Share it in the good-practice library"),
            ("decline", "Do not share it"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        help_text="Needed when you do not share it: it is sent to whoever put it forward.",
        widget=forms.Textarea(attrs=TEXTAREA | {"rows": 3}),
    )


class LibraryFilterForm(forms.Form):
    theme = forms.ModelChoiceField(
        label="Theme",
        queryset=Theme.objects.none(),
        required=False,
        empty_label="All themes",
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, data=None, *, themes):
        super().__init__(data)
        self.fields["theme"].queryset = themes
