"""Writes of the case register that other apps call: `cases_regrouped`, when cases move
between teams or case types or are erased. Closing and erasing a case are
`caseaudit.dataprotection.services` (they read and delete the records of every app); who may
close is `policy.can_close`.
"""

import logging

from django.db.models import F
from django.utils import timezone

from .models import CaseGrouping

logger = logging.getLogger(__name__)


def cases_regrouped(*, reason: str) -> None:
    """Cases moved between teams or case types, or were erased with their audits: the
    grouping version moves on, so figures counted per team at an earlier version (the reports'
    summaries) read as stale until they are recounted. Call it inside the writing transaction;
    `reason` is a short phrase for the log and the row."""
    now = timezone.now()
    changed = CaseGrouping.objects.filter(pk=CaseGrouping.ROW).update(
        version=F("version") + 1, changed_at=now, reason=reason[:200]
    )
    if not changed:  # the first regrouping: no row means version 0
        CaseGrouping.objects.get_or_create(
            pk=CaseGrouping.ROW, defaults={"version": 1, "changed_at": now, "reason": reason[:200]}
        )
    logger.info("cases regrouped: %s", reason)
