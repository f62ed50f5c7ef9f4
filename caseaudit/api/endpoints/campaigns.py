"""/api/v1/ operations of caseaudit.campaigns."""

from ninja import Router

router = Router(tags=["campaigns"])
