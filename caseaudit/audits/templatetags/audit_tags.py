"""Helpers for the audit pages' hand-written GOV.UK form markup."""

import datetime as dt

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def errors_for(context, field) -> list[str]:
    """The error messages for a bound field (or a field name) from `field_errors`."""
    name = getattr(field, "html_name", field)
    return context.get("field_errors", {}).get(name, [])


@register.filter
def radio_options(field) -> list[dict]:
    """A bound choice field's options as GOV.UK radios: the first option's id is the field's
    own id (so error summary links land on it), the others `<id>-<value>`."""
    value = field.value()
    current = "" if value is None else str(value)
    options = []
    for choice, label in field.field.choices:
        if choice in ("", None):
            continue
        choice = str(choice)
        options.append(
            {
                "value": choice,
                "label": label,
                "id": field.auto_id if not options else f"{field.auto_id}-{choice}",
                "checked": choice == current,
            }
        )
    return options


@register.filter
def input_value(value) -> str:
    """A field's value as an input's value attribute: dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@register.filter
def select_options(field) -> list[dict]:
    """A bound choice field's options for a select, with the current one selected."""
    value = field.value()
    current = "" if value is None else str(value)
    return [
        {
            "value": "" if choice is None else str(choice),
            "label": label,
            "selected": str(choice) == current,
        }
        for choice, label in field.field.choices
    ]
