"""The columns each table of the demo history is written with (`bulk.Sink`), in the order
of the values in its rows. Columns left out take their model defaults."""

from caseaudit.audits.fields import FAMILY_CONTACT_FIELDS

AUDIT_FIELDS = (
    "id",
    "case_id",
    "tool_version_id",
    "auditor_id",
    "reason",
    "status",
    "started_at",
    "updated_at",
    "updated_by_id",
    "completed_at",
    "completed_by_id",
    "overall_scale",
    "summary",
    "voice_of_child",
    "good_practice",
    "serious_safeguarding",
    "serious_safeguarding_detail",
    *FAMILY_CONTACT_FIELDS,
    "revision",
    "reopened_reason",
    "reopened_by_id",
    "reopened_at",
)

SECTION_FIELDS = (
    "id",
    "audit_id",
    "section_id",
    "working_well",
    "worried_about",
    "needs_to_happen",
    "scale",
)
QUESTION_FIELDS = ("id", "audit_id", "question_id", "answer", "evidence")
ACTION_FIELDS = (
    "id",
    "audit_id",
    "description",
    "owner_id",
    "due_on",
    "section_id",
    "order",
    "status",
    "created_at",
    "resolved_at",
    "resolved_by_id",
    "resolution",
    "manager_agreed_by_id",
    "manager_agreed_at",
)
FINDING_FIELDS = (
    "id",
    "audit_id",
    "case_id",
    "trigger",
    "reason",
    "scale",
    "raised_at",
    "raised_by_id",
    "acknowledged_at",
    "acknowledged_by_id",
    "action_taken",
)
EVENT_FIELDS = ("id", "audit_id", "at", "by_id", "kind", "detail")
NOTIFICATION_FIELDS = (
    "id",
    "recipient_id",
    "kind",
    "subject",
    "body",
    "url",
    "created_at",
    "read_at",
    "email_status",
    "email_sent_at",
    "email_attempts",
    "idempotency_key",
)
PROGRAMME_MONTH_FIELDS = (
    "id",
    "month",
    "seed",
    "status",
    "generated_at",
    "generated_by_id",
    "confirmed_at",
    "confirmed_by_id",
)
ALLOCATION_FIELDS = (
    "id",
    "programme_id",
    "auditor_id",
    "auditor_team_id",
    "rule",
    "peer_id",
    "case_id",
    "tool_code",
    "reason",
    "status",
    "audit_id",
    "change_note",
)
