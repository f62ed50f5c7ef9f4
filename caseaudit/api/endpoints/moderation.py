"""/api/v1/ operations of caseaudit.moderation."""

from ninja import Router

router = Router(tags=["moderation"])
