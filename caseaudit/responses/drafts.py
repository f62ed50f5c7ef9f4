"""The worker's draft of a QA response: their answers as typed (one answer per action: what
was done, the date done, the evidence; or the acknowledgement), saved without submitting and
not checked until they are submitted.

The response page saves it with "Save draft" and by itself (autosave, every 30 seconds and when
a field loses focus). Each save names the draft revision the page was based on, as "Save
draft" does for an audit: if the draft was saved since (in another window), nothing is saved
and `DraftConflict` is raised. The draft is shown in the form when it is newer than the last
submission (so a returned response comes back with the submitted answers, or a newer draft of
them), and discarded when the response is submitted.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from caseaudit.organisation.selectors import staff_for_user

from .models import WITH_WORKER, QAResponse, ResponseDraft

# A draft field holds at most this many characters (a long answer is a few thousand).
MAX_VALUE_LENGTH = 20_000


class DraftConflict(Exception):
    """The draft was saved (in another window) after the revision the page was based on."""

    def __init__(self, *, draft: ResponseDraft, same_user: bool):
        when = timezone.localtime(draft.saved_at).strftime("%H:%M")
        if same_user:
            message = (
                f"You saved this response in another window at {when}; your changes here were "
                "not saved: reload to see that version"
            )
        else:
            message = (
                f"Someone else saved this response at {when}; your changes were not saved: "
                "reload to see their version"
            )
        super().__init__(message)
        self.message = message
        self.revision = draft.revision


def response_draft_for_form(*, response: QAResponse) -> ResponseDraft | None:
    """The draft to show in the worker's form: one saved after the last submission (a draft
    from before it was submitted is out of date once the response comes back)."""
    draft = ResponseDraft.objects.filter(response=response).first()
    if draft is None:
        return None
    if response.submitted_at is not None and draft.saved_at <= response.submitted_at:
        return None
    return draft


def response_draft_revision(*, response: QAResponse) -> int:
    """The draft's current revision (0: none saved yet), for the page to send back."""
    return (
        ResponseDraft.objects.filter(response=response).values_list("revision", flat=True).first()
        or 0
    )


def response_draft_save(
    *,
    response: QAResponse,
    by,
    values: dict,
    revision: int,
    now: dt.datetime | None = None,
) -> ResponseDraft:
    """Save the worker's typed answers (`values`: field name to text) as the draft.

    `revision` is the draft revision the page holds (0 when it had none): if the draft was
    saved since, nothing is saved and `DraftConflict` is raised. Only the worker asked for
    the response saves it, and only while it is with them."""
    staff = staff_for_user(by)
    if staff is None or staff.pk != response.worker_id:
        raise ValidationError(
            "Only the worker asked for this response can save it.", code="not_allowed"
        )
    if response.status not in WITH_WORKER:
        raise ValidationError(
            f"This response is {response.get_status_display().lower()}, so it cannot be changed.",
            code="state",
        )
    cleaned = {}
    for key, value in values.items():
        text = "" if value is None else str(value)
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(
                {key: [f"Write at most {MAX_VALUE_LENGTH:,} characters"]}, code="too_long"
            )
        cleaned[str(key)] = text
    now = now or timezone.now()
    with transaction.atomic():
        if revision <= 0:
            try:
                with transaction.atomic():
                    return ResponseDraft.objects.create(
                        response=response, revision=1, values=cleaned, saved_at=now, saved_by=by
                    )
            except IntegrityError:
                pass  # saved meanwhile by another window: a conflict, below
        else:
            updated = ResponseDraft.objects.filter(response=response, revision=revision).update(
                revision=F("revision") + 1, values=cleaned, saved_at=now, saved_by=by
            )
            if updated:
                return ResponseDraft(
                    response=response,
                    revision=revision + 1,
                    values=cleaned,
                    saved_at=now,
                    saved_by=by,
                )
        current = ResponseDraft.objects.filter(response=response).first()
        if current is None:
            # The page named a revision of a draft that no longer exists (discarded on
            # submission): its text is not lost, the form shows it; start a new draft.
            raise DraftConflict(
                draft=ResponseDraft(response=response, revision=0, saved_at=now), same_user=True
            )
        raise DraftConflict(draft=current, same_user=current.saved_by_id == getattr(by, "pk", None))


def response_draft_discard(*, response: QAResponse) -> None:
    """Forget the draft (the response was submitted: its answers are the record now)."""
    ResponseDraft.objects.filter(response=response).delete()
