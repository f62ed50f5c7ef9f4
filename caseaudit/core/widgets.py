"""Form widgets the apps share."""

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _attributes(attrs: dict[str, Any]) -> SafeString:
    """Attributes as the project's attrs.html writes them: in their order, without "class",
    a True one by its name alone, a False one not at all."""
    return mark_safe(  # noqa: S308  # nosec B308 B703  # escaped by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if name != "class" and value is not False
        )
    )


class FastSelect(forms.Select):
    """A select written in one pass in Python: the markup of the project's select template
    (`templates/django/forms/widgets/select.html`: GOV.UK's class first, then the widget's
    other attributes, each option as Django's `select_option.html` writes it), without the
    template engine's work for each option. The hundreds of teams of a report's filters took
    tens of milliseconds of every report page at the national scale."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        widget_attrs = widget["attrs"]
        classes = ["govuk-select"]
        classes += [c for c in str(widget_attrs.get("class", "")).split() if c not in classes]
        parts = [
            format_html(
                '<select name="{}" class="{}"{}>',
                widget["name"],
                " ".join(classes),
                _attributes(widget_attrs),
            )
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(option["value"]),
                    _attributes(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        # Safe: every name, value and label above went through format_html's escaping.
        return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


class _NameRows(forms.models.ModelChoiceIterator):
    """The options as (pk, name) rows of the field's queryset, in its order."""

    def __iter__(self):  # type: ignore[override]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NamedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField of a model labelled by its `name` (its `__str__`) whose options are
    read as rows, not as a model instance each: a scope's hundreds of teams cost every report
    page at the national scale some 20 ms of making instances only to print their names.
    Validating a chosen value is the ModelChoiceField's own (one lookup)."""

    iterator = _NameRows
