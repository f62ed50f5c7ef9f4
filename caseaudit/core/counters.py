"""Counters kept in summary tables: add to a row found by its key, creating it the first time.

Used by the reports' summaries (`reports.services`) and the restorative actions' summary
(`responses.action_summary`), each in its caller's transaction."""

from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F


def increment(model: type[models.Model], key: dict[str, Any], change: dict[str, int]) -> None:
    """Add `change` (column -> amount) to the row of `model` matching `key` (the columns of
    its unique constraint), or create it with `change` as its values. One UPDATE when the row
    exists; otherwise an INSERT in a savepoint, so a concurrent insert of the same row wins
    and this adds to it instead."""
    updates = {name: F(name) + value for name, value in change.items()}
    if model._default_manager.filter(**key).update(**updates):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert of the same row wins
            model._default_manager.create(**key, **change)
    except IntegrityError:
        model._default_manager.filter(**key).update(**updates)
