import datetime as dt

from django import forms

from caseaudit.organisation.models import ServiceArea, Staff, Team

from .due import add_months


def month_choices(today: dt.date) -> list[tuple[str, str]]:
    first = today.replace(day=1)
    months = [add_months(first, offset) for offset in (-1, 0, 1, 2)]
    return [(m.strftime("%Y-%m"), m.strftime("%B %Y")) for m in months]


class GenerateForm(forms.Form):
    month = forms.ChoiceField(label="Month")
    seed = forms.IntegerField(
        label="Seed (optional)",
        required=False,
        min_value=0,
        help_text="Leave empty for a new random draw; reuse a seed to reproduce a programme.",
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices(today)
        self.fields["month"].initial = add_months(today.replace(day=1), 1).strftime("%Y-%m")

    def clean_month(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["month"] + "-01")


class SwapForm(forms.Form):
    reference = forms.CharField(
        label="Case reference (optional)",
        required=False,
        max_length=40,
        help_text="Leave empty to take the next case the rules choose.",
    )


class ReallocateForm(forms.Form):
    auditor = forms.ModelChoiceField(label="New auditor", queryset=Staff.objects.none())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = candidates


# Short enough to read whole in the filter column (a quarter of the page): "month" is due by
# the end of this month, "next" by the end of next month; the hint says both take in the
# overdue ones.
WHEN_CHOICES = [
    ("month", "Due this month"),
    ("overdue", "Overdue"),
    ("next", "Due up to next month"),
]


class DueFilterForm(forms.Form):
    when = forms.ChoiceField(
        label="Show",
        choices=WHEN_CHOICES,
        required=False,
        help_text="Due this month or next: overdue ones included.",
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All")
    service_area = forms.ModelChoiceField(
        label="Service",
        queryset=ServiceArea.objects.order_by("name"),
        required=False,
        empty_label="All",
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def filters(self) -> dict:
        if not self.is_valid():
            return {"when": "month"}
        data = self.cleaned_data
        return {
            "when": data["when"] or "month",
            "team_id": data["team"].pk if data["team"] else None,
            "service_area_id": data["service_area"].pk if data["service_area"] else None,
        }
