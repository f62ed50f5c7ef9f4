"""The campaign's forms: its draft (what, when, which cases, who audits), and closing it."""

from django import forms
from django.utils import timezone

from caseaudit.audit_tools.selectors import scaling_bands
from caseaudit.cases.models import CaseType
from caseaudit.organisation.models import Staff

from . import selectors
from .models import Campaign, Purpose
from .policy import Scope
from .sample import NEVER

# Number inputs as wide as their numbers (GOV.UK's fixed-width inputs).
NARROW = forms.NumberInput(attrs={"class": "govuk-input--width-4"})


# What each required field says when it is left empty.
REQUIRED = {
    "purpose": "Choose the campaign’s purpose",
    "starts_on": "Enter the day the campaign starts",
    "ends_on": "Enter the day the campaign ends",
    "tool": "Choose the audit tool",
    "sample_size": "Enter how many cases to audit",
    "auditors": "Invite at least one auditor",
}


class CampaignForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=120, error_messages={"required": "Enter the campaign’s name"}
    )
    purpose = forms.ChoiceField(label="Purpose", choices=Purpose.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label="What the campaign looks at (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_on = forms.DateField(
        label="Starts on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label="Ends on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    tool = forms.ModelChoiceField(label="Audit tool", queryset=selectors.campaign_tools())
    team_ids = forms.TypedMultipleChoiceField(
        label="Teams", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    case_types = forms.MultipleChoiceField(
        label="Case types",
        choices=CaseType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    worker = forms.ModelChoiceField(
        label="Held by (optional: to review one member of staff's work)",
        queryset=Staff.objects.none(),
        required=False,
        empty_label="Anyone",
    )
    age_min = forms.IntegerField(
        label="Child aged from", min_value=0, max_value=25, required=False, widget=NARROW
    )
    age_max = forms.IntegerField(
        label="to", min_value=0, max_value=25, required=False, widget=NARROW
    )
    open_months_min = forms.IntegerField(
        label="Open for at least (months)",
        min_value=0,
        max_value=600,
        required=False,
        widget=NARROW,
    )
    open_months_max = forms.IntegerField(
        label="Open for at most (months)", min_value=0, max_value=600, required=False, widget=NARROW
    )
    last_scale_bands = forms.MultipleChoiceField(
        label="Last overall scale", required=False, widget=forms.CheckboxSelectMultiple
    )
    sample_size = forms.IntegerField(
        label="How many cases", min_value=1, max_value=200, widget=NARROW
    )
    seed = forms.IntegerField(
        label="Seed (optional)",
        min_value=0,
        max_value=999_999,
        required=False,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-10"}),
        help_text="Leave empty for a new random draw; the same seed on the same cases draws "
        "the same sample.",
    )
    auditors = forms.ModelMultipleChoiceField(
        label="Auditors invited",
        queryset=Staff.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, scope: Scope, campaign: Campaign | None = None, **kwargs):
        if campaign is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = initial_for(campaign)
        super().__init__(*args, **kwargs)
        for name, message in REQUIRED.items():
            self.fields[name].error_messages["required"] = message
        teams = selectors.scope_teams(scope=scope)
        self.fields["team_ids"].choices = [(t.pk, t.name) for t in teams]
        if scope.team is not None:  # one team: nothing to choose
            del self.fields["team_ids"]
        self.fields["worker"].queryset = selectors.scope_workers(scope=scope)
        self.fields["last_scale_bands"].choices = [
            (b.code, f"{b.name} ({b.min_score}–{b.max_score})") for b in scaling_bands()
        ] + [(NEVER, "Never audited here")]
        self.fields["auditors"].queryset = selectors.invitable_staff().select_related("team")
        self.fields["auditors"].label_from_instance = lambda s: (
            f"{s.name}, {s.get_role_display()}" + (f", {s.team.name}" if s.team else "")
        )
        if campaign is None:
            today = timezone.localdate()
            self.fields["starts_on"].initial = today
            self.fields["ends_on"].initial = today

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("team_ids", [])
        data.pop("auditors", None)
        data.pop("revision", None)
        return data


def initial_for(campaign: Campaign) -> dict:
    return {
        "name": campaign.name,
        "purpose": campaign.purpose,
        "description": campaign.description,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "tool": campaign.tool_id,
        "team_ids": list(campaign.team_ids or []),
        "case_types": list(campaign.case_types or []),
        "worker": campaign.worker_id,
        "age_min": campaign.age_min,
        "age_max": campaign.age_max,
        "open_months_min": campaign.open_months_min,
        "open_months_max": campaign.open_months_max,
        "last_scale_bands": list(campaign.last_scale_bands or []),
        "sample_size": campaign.sample_size,
        "seed": campaign.seed,
        "auditors": list(campaign.invitations.values_list("staff_id", flat=True)),
        "revision": campaign.revision,
    }


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Why is the campaign closed early?", widget=forms.Textarea(attrs={"rows": 3})
    )
