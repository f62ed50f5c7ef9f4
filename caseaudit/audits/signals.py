"""Signals other apps connect to, so the audits app never imports them.

`audit_completed` is sent by `services.audit_complete` inside its transaction, after the audit is
saved as completed, with keyword arguments:

- `audit`: the completed `Audit`;
- `by`: the user who completed it;
- `recompleted`: True when the audit had been completed before and was reopened, so receivers
  that create follow-up work (the QA Response) can avoid doing it twice.

`audit_reopened` is sent by `services.audit_reopen` inside its transaction, after the audit is
back to a draft, with `audit`, `by` and `completed_at` (when it had been completed).

Receivers run in the same transaction: an exception in one rolls the change back.
"""

from django.dispatch import Signal

audit_completed = Signal()
audit_reopened = Signal()
