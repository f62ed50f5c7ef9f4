import datetime as dt

from django import forms
from django.utils.http import urlencode

from caseaudit.audit_tools.models import Theme, Tool
from caseaudit.cases.models import CaseType
from caseaudit.core.widgets import FastSelect, NamedModelChoiceField

from .periods import CUSTOM, LAST_12_MONTHS, MAX_DAYS, PERIOD_CHOICES, period_range
from .scope import ReportFilters, ReportScope

FILTER_KEYS = ("period", "start", "end", "service", "team", "case_type", "tool", "theme")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10"}, format="%Y-%m-%d")


class ReportFilterForm(forms.Form):
    """Period (a quick pick or two dates), service, team, case type and tool; the practice
    quality report adds a theme. Teams and services offered are those of the user's scope."""

    period = forms.ChoiceField(
        label="Period",
        choices=PERIOD_CHOICES,
        required=False,
        initial=LAST_12_MONTHS,
        widget=FastSelect,
    )
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())
    service = NamedModelChoiceField(
        label="Service",
        queryset=None,
        required=False,
        empty_label="All services",
        widget=FastSelect,
    )
    team = NamedModelChoiceField(
        # A scope's hundreds of teams: read as rows (`NamedModelChoiceField`) and written in one
        # pass (`FastSelect`), as every select here.
        label="Team",
        queryset=None,
        required=False,
        empty_label="All teams",
        widget=FastSelect,
    )
    case_type = forms.ChoiceField(
        label="Case type",
        choices=[("", "All case types"), *CaseType.choices],
        required=False,
        widget=FastSelect,
    )
    tool = forms.ModelChoiceField(
        label="Audit tool",
        queryset=Tool.objects.order_by("name"),
        required=False,
        empty_label="All tools",
        widget=FastSelect,
    )
    theme = forms.ModelChoiceField(
        label="Theme",
        queryset=Theme.objects.order_by("order", "name"),
        required=False,
        empty_label="All themes",
        widget=FastSelect,
    )

    def __init__(self, data, *, scope: ReportScope, today: dt.date, with_theme=False):
        super().__init__(data)
        self.today = today
        self.fields["service"].queryset = scope.services()
        self.fields["team"].queryset = scope.teams()
        for name in ("service", "team", "case_type", "tool", "theme", "period"):
            self.fields[name].widget.attrs["class"] = "govuk-select"
        if not with_theme:
            del self.fields["theme"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        period = data.get("period") or ""
        # A quick pick wins over dates left in the form; dates alone mean "dates I choose".
        if period == CUSTOM or (not period and (start or end)):
            if not (start and end):
                self.add_error("start" if not start else "end", "Enter both dates of the period")
            elif start > end:
                self.add_error("end", "The period must end on or after the day it starts")
            elif (end - start).days > MAX_DAYS:
                self.add_error("end", "Choose a period of at most five years")
            else:
                data["period"] = CUSTOM
        return data

    def filters(self) -> ReportFilters:
        """The filters asked for, or the default (the last 12 months, everything in scope)
        when the form has errors."""
        if not self.is_bound or not self.is_valid():
            return ReportFilters.default(self.today)
        data = self.cleaned_data
        period = data.get("period") or LAST_12_MONTHS
        if period == CUSTOM:
            start, end = data["start"], data["end"]
        else:
            start, end = period_range(period, self.today)
        params = {
            key: self.data.get(key)
            for key in FILTER_KEYS
            if key in self.fields and self.data.get(key) and key not in ("start", "end", "period")
        }
        params["period"] = period
        if period == CUSTOM:
            params.update(start=start.isoformat(), end=end.isoformat())
        return ReportFilters(
            start=start,
            end=end,
            period=period,
            service=data.get("service"),
            team=data.get("team"),
            case_type=data.get("case_type") or "",
            tool=data.get("tool"),
            theme=data.get("theme"),
            params=params,
        )


def filter_querystring(filters: ReportFilters, **extra) -> str:
    params = dict(filters.params)
    if extra.get("period") and extra["period"] != CUSTOM:
        params.pop("start", None)
        params.pop("end", None)
    params.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(params)
