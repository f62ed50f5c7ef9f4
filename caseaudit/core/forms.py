"""Helpers the apps' views share for their forms."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal onto a form: on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            form.add_error(key if key in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
