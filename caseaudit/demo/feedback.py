"""The demo county's family feedback and collaborative audits (caseaudit.feedback): for a
share of the audits completed in the last six months, the feedback requests the auditor sent
(most answered, in the family's own words, some in the child-friendly version) and the
practitioner's reflection with the audit conversation; and on a few drafts, a request still
waiting and the practitioner invited. Written with bulk inserts, as the audit history is; the
links' tokens are random and thrown away, so no demo link can be opened. Skipped when any
feedback request exists."""

import datetime as dt
import random
import secrets

from django.db import transaction
from django.utils import timezone

from caseaudit.audits.models import Audit, AuditStatus
from caseaudit.feedback.models import (
    REQUEST_LIFETIME_DAYS,
    Audience,
    Channel,
    Collaboration,
    Delivery,
    FamilyFeedback,
    FeedbackRequest,
    Relationship,
    RequestStatus,
)
from caseaudit.feedback.tokens import token_digest

SHARE_OF_AUDITS = 0.35
MAX_AUDITS = 400

GOING_WELL = {
    Audience.STANDARD: [
        "Our social worker listens and comes when she says she will.",
        "The family meetings have helped us all understand the plan.",
        "We finally have help with the children's school routine.",
        "I feel my views are written down properly now.",
        "The support worker has been brilliant with my son.",
    ],
    Audience.CHILD: [
        "I like it when my social worker takes me for a drink and we talk.",
        "My new school is good and I have friends.",
        "I can see my nan every week now.",
        "People ask me what I think.",
    ],
}
WORRIES = {
    Audience.STANDARD: [
        "We have had three social workers this year and had to repeat everything.",
        "Letters arrive late and we miss meetings.",
        "I don't always understand what the plan expects of me.",
        "",
    ],
    Audience.CHILD: [
        "I don't like it when the meetings are about me and I am not there.",
        "Sometimes I don't know who my worker is.",
        "I worry about my mum.",
        "",
    ],
}
WOULD_LIKE = {
    Audience.STANDARD: [
        "One worker who stays with us.",
        "More notice before visits.",
        "Help with housing.",
        "To be told what is in the reports before the meeting.",
    ],
    Audience.CHILD: [
        "To go to football again.",
        "For my worker to come on a day I'm not at school.",
        "To stay where I am.",
        "",
    ],
}
PROUD_OF = [
    "The relationship I built with the young person: they now text me when they are worried.",
    "Getting the family to the first family network meeting.",
    "The chronology is up to date and the plan is SMART.",
]
DIFFERENTLY = [
    "Record the child's own words sooner, not only my summary of them.",
    "Involve the father from the start.",
    "Chase the health assessment earlier.",
]
SUPPORT = [
    "Reflective supervision about the neglect threshold.",
    "Training on direct work with younger children.",
    "A lower caseload while the court work is on.",
]


def _digest() -> str:
    return token_digest(secrets.token_hex(16))


def _requests_for(audit: dict, rng: random.Random, *, requests: list, answers: list) -> None:
    """The feedback requests the auditor sent about one completed audit, and the answers."""
    completed = audit["completed_at"]
    for _n in range(rng.choice((1, 1, 2))):
        audience = Audience.CHILD if rng.random() < 0.3 else Audience.STANDARD
        relationship = (
            Relationship.YOUNG_PERSON
            if audience == Audience.CHILD
            else rng.choice([Relationship.PARENT, Relationship.PARENT, Relationship.CARER])
        )
        sent = completed - dt.timedelta(days=rng.randint(6, 20), hours=rng.randint(0, 8))
        answered = rng.random() < 0.6
        request = FeedbackRequest(
            audit_id=audit["pk"],
            relationship=relationship,
            audience=audience,
            channel=rng.choice([Channel.EMAIL, Channel.SMS, Channel.LETTER]),
            token_digest=_digest(),
            created_at=sent,
            created_by_id=audit["auditor__user_id"],
            expires_at=sent + dt.timedelta(days=REQUEST_LIFETIME_DAYS),
            status=RequestStatus.ANSWERED if answered else RequestStatus.OPEN,
            answered_at=sent + dt.timedelta(days=rng.randint(1, 5)) if answered else None,
            delivery=Delivery.LETTER,
        )
        requests.append(request)
        if answered:
            answers.append(
                (
                    request,
                    FamilyFeedback(
                        audit_id=audit["pk"],
                        relationship=relationship,
                        audience=audience,
                        going_well=rng.choice(GOING_WELL[audience]),
                        worries=rng.choice(WORRIES[audience]),
                        would_like=rng.choice(WOULD_LIKE[audience]),
                        scale=rng.choice([None, 3, 5, 6, 7, 7, 8, 8, 9, 10]),
                        share_consent=rng.random() < 0.7,
                        submitted_at=request.answered_at,
                    ),
                )
            )


def _collaboration_for(audit: dict, rng: random.Random) -> Collaboration | None:
    """Half the time, the practitioner's reflection and the audit conversation."""
    worker = audit["case__allocated_worker_id"]
    if not (worker and worker != audit["auditor_id"] and rng.random() < 0.5):
        return None
    invited = audit["completed_at"] - dt.timedelta(days=rng.randint(5, 15))
    return Collaboration(
        audit_id=audit["pk"],
        practitioner_id=worker,
        invited_at=invited,
        invited_by_id=audit["auditor__user_id"],
        proud_of=rng.choice(PROUD_OF),
        do_differently=rng.choice(DIFFERENTLY),
        support_needed=rng.choice(SUPPORT),
        reflected_at=invited + dt.timedelta(days=2),
        conversation_on=timezone.localdate(invited + dt.timedelta(days=4)),
        conversation_with="The practitioner, their Practice Supervisor and the auditor",
        conversation_recorded_at=invited + dt.timedelta(days=4),
        conversation_recorded_by_id=audit["auditor__user_id"],
    )


def _waiting_on_drafts(*, requests: list, collaborations: list) -> None:
    """On a few drafts: a feedback request still waiting, and the practitioner invited."""
    drafts = list(
        Audit.objects.filter(status=AuditStatus.DRAFT)
        .select_related("case", "auditor")
        .order_by("id")[:5]
    )
    now = timezone.now()
    for draft in drafts:
        requests.append(
            FeedbackRequest(
                audit=draft,
                relationship=Relationship.PARENT,
                audience=Audience.STANDARD,
                channel=Channel.LETTER,
                token_digest=_digest(),
                created_at=now - dt.timedelta(days=2),
                created_by_id=draft.auditor.user_id,
                expires_at=now + dt.timedelta(days=REQUEST_LIFETIME_DAYS - 2),
            )
        )
        worker = draft.case.allocated_worker_id
        if worker and worker != draft.auditor_id:
            collaborations.append(
                Collaboration(
                    audit=draft,
                    practitioner_id=worker,
                    invited_at=now - dt.timedelta(days=1),
                    invited_by_id=draft.auditor.user_id,
                )
            )


def feedback_demo(*, today: dt.date, rng_seed: int = 2026) -> dict:
    if FeedbackRequest.objects.exists():
        return {}
    rng = random.Random(rng_seed)
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=183), dt.time()))
    audits = list(
        Audit.objects.filter(status=AuditStatus.COMPLETED, completed_at__gte=since)
        .select_related("case")
        .order_by("completed_at", "id")
        .values("pk", "completed_at", "auditor__user_id", "case__allocated_worker_id",
                "auditor_id")
    )  # fmt: skip
    chosen = [a for a in audits if rng.random() < SHARE_OF_AUDITS][:MAX_AUDITS]
    requests, answers, collaborations = [], [], []
    for audit in chosen:
        _requests_for(audit, rng, requests=requests, answers=answers)
        collaboration = _collaboration_for(audit, rng)
        if collaboration is not None:
            collaborations.append(collaboration)
    _waiting_on_drafts(requests=requests, collaborations=collaborations)
    with transaction.atomic():
        FeedbackRequest.objects.bulk_create(requests, batch_size=500)
        for request, feedback in answers:
            feedback.request_id = request.pk
        FamilyFeedback.objects.bulk_create([f for _r, f in answers], batch_size=500)
        Collaboration.objects.bulk_create(collaborations, batch_size=500)
    return {
        "feedback requests": len(requests),
        "family feedback": len(answers),
        "practitioner reflections": sum(1 for c in collaborations if c.reflected_at),
    }
