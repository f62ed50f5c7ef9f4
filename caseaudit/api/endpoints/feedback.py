"""/api/v1/ operations of caseaudit.feedback."""

from ninja import Router

router = Router(tags=["feedback"])
