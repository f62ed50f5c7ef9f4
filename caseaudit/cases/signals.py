"""Signals other apps connect to, so the cases app never imports them.

`cases_regrouped` is sent inside the writing transaction when cases move between teams or case
types, or are erased with their audits, with `reason` (a short phrase for the log). Figures
kept per team elsewhere (the reports' summary) must be recounted.
"""

from django.dispatch import Signal

cases_regrouped = Signal()
