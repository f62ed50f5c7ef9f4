"""Who may import, and the import history.

Imports are for system administrators and the Performance Assurance Team (and superusers): they
load the authority's whole case register, so only roles that already see every case may use them;
and for Business Support, their own team's case lists and their own runs (`policy`).
"""

from django.db.models import QuerySet
from django.http import Http404

from caseaudit.core.typing import Actor

from .models import ImportRun
from .policy import can_import, import_allowed, import_runs_q


def import_access_check(*, user: Actor, kind: str | None = None) -> None:
    """404 for anyone who may not import (with `kind`: a list of that kind), so the pages'
    existence is not revealed."""
    if not import_allowed(user) or (kind is not None and not can_import(user, kind)):
        raise Http404("No such page")


# The uploaded files a background run holds until its task has read them: never loaded for a page.
FILE_FIELDS = ("upload", "episodes_upload")


def import_run_list(*, user: Actor) -> QuerySet[ImportRun]:
    import_access_check(user=user)
    return (
        ImportRun.objects.filter(import_runs_q(user))
        .select_related("by", "by__staff")
        .defer(*FILE_FIELDS)
        .order_by("-started_at", "-pk")
    )


def import_run_get(*, user: Actor, pk: int) -> ImportRun:
    """One run (its page shows a background import's progress, then its outcome)."""
    import_access_check(user=user)
    run = (
        ImportRun.objects.select_related(
            "by", "by__staff", "new_places_allowed_by", "new_places_allowed_by__staff"
        )
        .defer(*FILE_FIELDS)
        .filter(import_runs_q(user), pk=pk)
        .first()
    )
    if run is None:
        raise Http404("No such import")
    return run
