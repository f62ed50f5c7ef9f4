from django.db.models import Model

from caseaudit.core.prepared import PreparedQuery
from caseaudit.core.typing import Actor, User

from .models import AccessEvent
from .policy import RANK_ADMINISTRATOR, account_privilege_rank, can_manage_account

# Compiled once per process (caseaudit/core/prepared.py): the case page shows it.
_case_access_log = PreparedQuery()


def case_access_log(*, case: Model, limit: int = 50) -> list[AccessEvent]:
    """Who has accessed this case, newest first. Callers check the viewer may see the case."""
    return _case_access_log(
        case.pk,
        key=limit,
        build=lambda case_id: (
            AccessEvent.objects.filter(case_id=case_id)
            .select_related("user", "user__staff")
            .order_by("-at")[:limit]
        ),
    )


def account_for_identity_change(*, user: Actor, pk: int) -> User:
    """The account `user` may change the identity of (email, username), with its staff record.

    Only system administrators reach the page (404 for everyone else: its existence is not
    revealed), and only for accounts they may manage (404 for one above their own)."""
    from django.contrib.auth import get_user_model
    from django.http import Http404

    if account_privilege_rank(user) < RANK_ADMINISTRATOR:
        raise Http404("No such page")
    target = get_user_model().objects.select_related("staff").filter(pk=pk).first()
    if target is None or not can_manage_account(actor=user, target=target):
        raise Http404("No such account")
    return target
