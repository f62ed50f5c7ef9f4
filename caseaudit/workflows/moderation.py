"""Completing a moderation: the moderation's part, then the reports' grades summary, in one
transaction (see the package's docstring)."""

from django.db import transaction

from caseaudit.core.typing import User
from caseaudit.moderation import services as moderation_services
from caseaudit.moderation.models import Moderation
from caseaudit.reports import services as report_services


def moderation_complete(*, moderation: Moderation, by: User) -> Moderation:
    """Complete a compared moderation (`moderation.services.moderation_complete`: the
    moderated overall scale becomes the audit's final grade), then move the audit between the
    points of the reports' grades summary where its grade changed. Raises what the service
    raises, and then changes nothing."""
    with transaction.atomic():
        done = moderation_services.moderation_complete(moderation=moderation, by=by)
        report_services.summary_regrade(
            audit_id=done.audit_id, before=done.auditor_overall_scale, after=done.overall_scale
        )
        return done
