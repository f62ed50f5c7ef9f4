"""This app's rows of the access-control matrix (caseaudit/core/access_matrix.py explains the
personas and statuses; caseaudit/core/tests/test_access_matrix.py asks them).

The staff pages are about the world's draft audit of the worker's case (the Director's): the
Director asks the family and records the audit conversation, the worker (the case's
practitioner, invited) writes the reflection; whoever else reads the audit gets 403, the others
404. The family's public pages answer 200 to everyone, signed in or not, and the same to each
(they show nothing about anyone); each public row has its own link, so the per-link rate limit
(20 an hour) is never reached by the matrix's fourteen requests.
"""

from caseaudit.core.access_matrix import GET, POST, E, Entry
from caseaudit.feedback import services
from caseaudit.feedback.models import Audience, Channel, Relationship

DRAFT = {"pk": "@draft_audit.pk"}
#            own sup team svc col oth out perf adm aud bs  bso anon
AUDITOR = "403 403 403 403 404 404 404 403 403 200 404 404 302"
AUDITOR_POST = "403 403 403 403 404 404 404 403 403 302 404 404 302"
PRACTITIONER = "200 403 403 403 404 404 404 403 403 403 404 404 302"
PUBLIC = "200 200 200 200 200 200 200 200 200 200 200 200 200"

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    E("feedback_request_new", GET, AUDITOR, DRAFT,
      note="the auditor asks the family, while the audit is a draft"),
    E("feedback_request_new", POST, AUDITOR, DRAFT, note="posted empty: the form again"),
    E("feedback_request_cancel", POST, AUDITOR_POST, {"pk": "@feedback.request.pk"},
      note="the auditor cancels a request not answered"),
    E("collaboration_invite", POST, AUDITOR_POST, DRAFT,
      note="the auditor invites the case's practitioner (here already invited: a message)"),
    E("collaboration_reflect", GET, PRACTITIONER, DRAFT,
      note="the invited practitioner (the case's worker) reflects on the draft"),
    E("collaboration_reflect", POST, PRACTITIONER, DRAFT, note="posted empty: the form again"),
    E("collaboration_conversation", GET, AUDITOR, DRAFT,
      note="the auditor records the audit conversation"),
    E("collaboration_conversation", POST, AUDITOR, DRAFT, note="posted empty: the form again"),
    E("feedback_public_start", GET, PUBLIC,
      note="public: typing the code from a letter; no data, no sign-in"),
    E("feedback_public_thanks", GET, PUBLIC, note="public: the thank-you page; no data"),
    E("feedback_public", GET, PUBLIC, {"token": "@feedback.token_get"},
      note="public: the family's form from its link; nothing about the family or the case"),
    E("feedback_public", POST, PUBLIC, {"token": "@feedback.token_post"},
      note="public: posted empty, the form again (the link is not used up)"),
    E("api:audit_feedback_detail", GET, "200 200 200 200 404 404 404 200 200 200 404 404 401",
      {"audit_id": "@draft_audit.pk"}, note="whoever reads the audit's text"),
)
# fmt: on


class _Feedback:
    pass


def _request(world, audience=Audience.STANDARD):
    return services.feedback_request_create(
        audit=world.draft_audit,
        by=world.director.user,
        relationship=Relationship.PARENT,
        audience=audience,
        channel=Channel.LETTER,
    )


def add_to_world(world) -> None:
    """Add this app's records to the matrix's world (the `org` fixture's people and records,
    built once per test module), as attributes the entries' "@" paths name."""
    feedback = _Feedback()
    created = _request(world)
    feedback.request = created.request
    feedback.token_get = created.token
    feedback.token_post = _request(world, Audience.CHILD).token
    services.collaboration_invite(audit=world.draft_audit, by=world.director.user)
    world.feedback = feedback
