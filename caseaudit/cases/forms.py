import functools
import html

from django import forms
from django.utils.safestring import mark_safe

from caseaudit.organisation.models import Staff, Team

from .models import CaseType

STATUS_CHOICES = [("open", "Open"), ("closed", "Closed"), ("all", "Open and closed")]


def _option_tags(choices, selected: str) -> str:
    """<option> tags for (value, label) pairs, the one whose value is `selected` marked
    selected. Plain string work: a select can list hundreds of workers."""
    tags = []
    for value, label in choices:
        value = str(value)
        start, end = _option_tag(value, str(label))
        tags.append(f"{start} selected{end}" if value == selected else start + end)
    # Safe: the markup is constant and every value and label is escaped.
    return mark_safe("\n".join(tags))  # noqa: S308  # nosec B308 B703


@functools.lru_cache(maxsize=20_000)
def _option_tag(value: str, label: str) -> tuple[str, str]:
    """An <option> tag, escaped, in two parts (for " selected" between them): the same few
    hundred names are escaped again on every page otherwise."""
    return f'<option value="{html.escape(value)}"', f">{html.escape(label)}</option>"


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

    def __init__(self, *args, user, **kwargs):
        """The filters of the case list of `user`: the teams and workers of their scope."""
        from .selectors import case_filter_options

        super().__init__(*args, **kwargs)
        self._user = user
        self._choices = None
        if self.is_bound:  # what the choices are checked against (the options are written
            # from `case_filter_choices`, without these querysets)
            teams, workers = case_filter_options(user=user)
            self.fields["team"].queryset = teams
            self.fields["worker"].queryset = workers

    # The team and worker selects list everyone in the user's scope (hundreds of workers for
    # senior roles). Django's Select widget renders a template per option, which was most of
    # the case list's time: the form writes every select's options in one pass
    # (`cases/includes/filter_select.html`), the team and worker pairs read in one query
    # (`selectors.case_filter_choices`); the fields still validate against the scope.
    def team_options(self) -> str:
        return _option_tags([("", "All"), *self._scope_choices()[0]], self._selected("team"))

    def worker_options(self) -> str:
        return _option_tags([("", "All"), *self._scope_choices()[1]], self._selected("worker"))

    def case_type_options(self) -> str:
        return _option_tags(self.fields["case_type"].choices, self._selected("case_type"))

    def status_options(self) -> str:
        return _option_tags(self.fields["status"].choices, self._selected("status"))

    def _scope_choices(self) -> tuple[list, list]:
        if self._choices is None:
            from .selectors import case_filter_choices

            self._choices = case_filter_choices(user=self._user)
        return self._choices

    def _selected(self, name: str) -> str:
        """The option to mark selected, as Django's Select would: the value given (or the
        initial one); for a team or worker, only one in the user's scope."""
        if name in ("team", "worker"):
            pk = self._selected_pk(name)
            return "" if pk is None else str(pk)
        value = self[name].value()
        return "" if value is None else str(value)

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
