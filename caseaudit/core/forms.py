"""Helpers the apps' views share for their forms."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from caseaudit.core.exceptions import NOT_ALLOWED


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal onto a form: on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            form.add_error(key if key in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def service_outcome(request: HttpRequest, run: Callable[[], object], *, success: str) -> bool:
    """Run a service step a button asked for and tell the person how it went (a message on
    the next page): True if it ran. A refusal because of who asks is a 403, not a message."""
    try:
        run()
    except ValidationError as error:
        if getattr(error, "code", None) == NOT_ALLOWED:
            raise PermissionDenied(" ".join(error.messages)) from error
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True
