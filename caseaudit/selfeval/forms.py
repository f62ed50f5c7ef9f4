import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from caseaudit.organisation.models import ServiceArea
from caseaudit.reports.forms import DateInput

from .models import PARTS, PackScope
from .periods import CUSTOM, FINANCIAL_YEAR, LAST_12_COMPLETE, period_for

SELECT = {"class": "govuk-select"}
TEXTAREA = {"class": "govuk-textarea", "rows": 10}
INPUT = {"class": "govuk-input"}


def _range(days: tuple[dt.date, dt.date]) -> str:
    return f"{days[0]:%-d %B %Y} to {days[1]:%-d %B %Y}"


class PackCreateForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, widget=forms.TextInput(attrs=INPUT))
    scope_kind = forms.ChoiceField(
        label="Scope", choices=PackScope.choices, widget=forms.Select(attrs=SELECT)
    )
    service = forms.ModelChoiceField(
        label="Service (for a service's pack)",
        queryset=ServiceArea.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    period = forms.ChoiceField(label="Period", widget=forms.RadioSelect)
    period_start = forms.DateField(
        label="From (for dates you choose)", required=False, widget=DateInput()
    )
    period_end = forms.DateField(
        label="To (for dates you choose)", required=False, widget=DateInput()
    )

    def __init__(
        self,
        data: Any = None,
        *,
        services: QuerySet[ServiceArea],
        kinds: list[str],
        today: dt.date,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.today = today
        service = cast(forms.ModelChoiceField, self.fields["service"])
        scope_kind = cast(forms.ChoiceField, self.fields["scope_kind"])
        period = cast(forms.ChoiceField, self.fields["period"])
        service.queryset = services
        scope_kind.choices = [c for c in PackScope.choices if c[0] in kinds]
        twelve = period_for(LAST_12_COMPLETE, today)
        year = period_for(FINANCIAL_YEAR, today)
        if twelve is None or year is None:  # both periods are defined for every day
            raise ValueError("No period for today")
        period.choices = [
            (LAST_12_COMPLETE, f"The last 12 complete months ({_range(twelve)})"),
            (FINANCIAL_YEAR, f"The last financial year ({_range(year)})"),
            (CUSTOM, "Dates I choose"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("scope_kind")
        if kind == PackScope.SERVICE and not data.get("service"):
            self.add_error("service", "Choose the service")
        key = data.get("period")
        chosen = period_for(key, self.today) if key else None
        if key == CUSTOM:
            start, end = data.get("period_start"), data.get("period_end")
            if not start:
                self.add_error("period_start", "Enter the first day of the period")
            if not end:
                self.add_error("period_end", "Enter the last day of the period")
            if start and end and start > end:
                self.add_error("period_end", "The period must end on or after the day it starts")
        elif chosen is not None:
            data["period_start"], data["period_end"] = chosen
        return data


class PackEditForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=200, widget=forms.TextInput(attrs=INPUT))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, (key, heading) in enumerate(PARTS, start=1):
            self.fields[f"narrative_{key}"] = forms.CharField(
                label=f"{number}. {heading}",
                required=False,
                help_text="In your words: what the figures mean, what lies behind them and "
                "what you are sure of. The figures and tables are added from the data.",
                widget=forms.Textarea(attrs=TEXTAREA),
            )
