"""FastSelect writes the select the project's template writes (templates/django/forms/
widgets/select.html), option for option; NamedModelChoiceField offers what Django's
ModelChoiceField does, read as rows."""

import re

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from caseaudit.core.widgets import FastSelect, NamedModelChoiceField
from caseaudit.factories import TeamFactory
from caseaudit.organisation.models import Team

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


def _same(html: str) -> str:
    """The template puts newlines between tags, and repeats a class the widget's attributes
    already name; the markup is otherwise the same."""
    html = re.sub(r"\s*\n\s*", "", html.strip())
    return html.replace('class="govuk-select govuk-select"', 'class="govuk-select"')


@given(
    choices=st.lists(st.tuples(st.text(max_size=6), TEXT), max_size=8, unique_by=lambda c: c[0]),
    picked=st.integers(min_value=0, max_value=8),
    groups=st.booleans(),
    described_by=TEXT,
)
def test_the_same_html_as_the_project_s_select_template(choices, picked, groups, described_by):
    value = choices[picked][0] if picked < len(choices) else None
    if groups and choices:
        choices = [("Group <one>", choices[: len(choices) // 2]), *choices[len(choices) // 2 :]]
    attrs = {"class": "govuk-select", "id": "id_team", "aria-describedby": described_by}
    ours = FastSelect(choices=choices).render("team", value, attrs=attrs)
    theirs = forms.Select(choices=choices).render("team", value, attrs=attrs)
    assert _same(ours) == _same(theirs)


def test_a_form_field_renders_with_its_choice_selected_and_escaped():
    class Form(forms.Form):
        team = forms.ChoiceField(
            choices=[("", "All teams"), ("a&b", "North <A>")], widget=FastSelect
        )

    html = str(Form({"team": "a&b"})["team"])
    assert '<option value="a&amp;b" selected>North &lt;A&gt;</option>' in html
    assert '<option value="">All teams</option>' in html
    assert html.startswith('<select name="team" class="govuk-select" required id="id_team">')


@pytest.mark.django_db
def test_a_named_model_choice_field_offers_what_a_model_choice_field_does(
    django_assert_num_queries,
):
    """The same options in the same order, the same selected one, the same validation, with
    no model instance made per option (so no `Team.__init__`)."""
    teams = [TeamFactory(name=name) for name in ("South <B>", "North & A", "East")]
    outside = TeamFactory(name="Elsewhere")
    queryset = Team.objects.filter(pk__in=[t.pk for t in teams]).order_by("name")

    def form(field_class, data):
        class Form(forms.Form):
            team = field_class(queryset=queryset, required=False, empty_label="All teams")

        return Form(data)

    for data in ({}, {"team": str(teams[1].pk)}):
        ours, theirs = form(NamedModelChoiceField, data), form(forms.ModelChoiceField, data)
        assert str(ours["team"]) == str(theirs["team"])
    # Two: the options, and the chosen team (the form validates its data to show errors).
    made = []
    original_init = Team.__init__

    def counted_init(self, *args, **kwargs):
        made.append(self)
        original_init(self, *args, **kwargs)

    Team.__init__ = counted_init
    try:
        with django_assert_num_queries(2):
            html = str(form(NamedModelChoiceField, {"team": str(teams[1].pk)})["team"])
    finally:
        Team.__init__ = original_init
    assert made == [teams[1]]  # that one, not one per option
    assert f'<option value="{teams[1].pk}" selected>North &amp; A</option>' in _same(html)
    chosen = form(NamedModelChoiceField, {"team": str(teams[0].pk)})
    assert chosen.is_valid() and chosen.cleaned_data["team"] == teams[0]
    refused = form(NamedModelChoiceField, {"team": str(outside.pk)})
    assert not refused.is_valid() and "team" in refused.errors
