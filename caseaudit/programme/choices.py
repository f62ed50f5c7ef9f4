"""The programme's enumerations: a month's status, the rules that allocate audits, an
allocation's status. Plain `TextChoices` (no models), so the allocation engine (`engine.py`, pure
Python over plain rows) uses the same members as the models, services and pages."""

from django.db import models


class MonthStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"


class Rule(models.TextChoices):
    PS_PEER = "ps-peer", "Practice Supervisor peer audit"
    TM_SINGLE_PS = "tm-single-ps", "Team Manager audit (team with one Practice Supervisor)"
    MANAGER_PEER = "manager-peer", "Manager's monthly peer audit"


class AllocationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# An allocation not yet done: it stays open (carried over into the months after its own) until
# its audit is completed, and its case is not allocated again meanwhile.
OPEN_STATUSES = (AllocationStatus.PLANNED, AllocationStatus.STARTED)
