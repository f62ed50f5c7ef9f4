"""Who may import, and the import history.

Imports are for system administrators and the Performance Assurance Team (and superusers): they
load the authority's whole case register, so only roles that already see every case may use them.
"""

from django.db.models import QuerySet
from django.http import Http404

from caseaudit.core.typing import Actor
from caseaudit.organisation.models import Role
from caseaudit.organisation.selectors import staff_for_user

from .models import ImportRun

IMPORT_ROLES = frozenset({Role.ADMIN, Role.PERFORMANCE})


def import_allowed(user: Actor) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    staff = staff_for_user(user)
    return staff is not None and staff.role in IMPORT_ROLES


def import_access_check(user: Actor) -> None:
    """404 for anyone who may not import, so the pages' existence is not revealed."""
    if not import_allowed(user):
        raise Http404("No such page")


# The uploaded files a background run holds until its task has read them: never loaded for a page.
FILE_FIELDS = ("upload", "episodes_upload")


def import_run_list(*, user: Actor) -> QuerySet[ImportRun]:
    import_access_check(user)
    return (
        ImportRun.objects.select_related("by", "by__staff")
        .defer(*FILE_FIELDS)
        .order_by("-started_at", "-pk")
    )


def import_run_get(*, user: Actor, pk: int) -> ImportRun:
    """One run (its page shows a background import's progress, then its outcome)."""
    import_access_check(user)
    run = (
        ImportRun.objects.select_related("by", "by__staff")
        .defer(*FILE_FIELDS)
        .filter(pk=pk)
        .first()
    )
    if run is None:
        raise Http404("No such import")
    return run
