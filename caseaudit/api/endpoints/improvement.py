"""/api/v1/ operations of caseaudit.improvement."""

from ninja import Router

router = Router(tags=["improvement"])
