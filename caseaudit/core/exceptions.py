"""Exceptions services share across apps."""

from django.core.exceptions import ValidationError

CONFLICT = "conflict"


class TransitionConflict(ValidationError):
    """A lifecycle transition lost a race: the record's state moved (someone else completed,
    authorised, closed it a moment ago) between the caller reading it and the change.

    Every transition is a compare-and-set on the current state (docs/adr/0003 and 0004), so of two
    requests at once exactly one succeeds and the other raises this. It is a
    `ValidationError` (code "conflict"), so a page that shows a service's refusal shows its
    message; the API answers 409 with its error document.
    """

    def __init__(self, message: str, *, params=None):
        super().__init__(message, code=CONFLICT, params=params)


NOT_ALLOWED = "not_allowed"


def not_allowed(message: str) -> ValidationError:
    """A service's refusal because of who asks (the API answers 403, a page shows `message`)."""
    return ValidationError(message, code=NOT_ALLOWED)
