"""FastSelect writes the select the project's template writes (templates/django/forms/
widgets/select.html), option for option."""

import re

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from caseaudit.core.widgets import FastSelect

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
