"""The names of an audit's answers, shared by the form (its field names) and the services (the
keys of their validation errors), so an error can link to the field it is about."""

# The audit's record of contact with the family, in page order: the one list the form, the
# services, the API and the demo history use.
FAMILY_CONTACT_FIELDS = (
    "contact_made",
    "contact_not_appropriate_reason",
    "who_contacted",
    "contact_relationship",
    "contacted_on",
    "contact_method",
    "key_worker_told_family",
    "contact_details_checked",
    "child_views",
    "family_views",
    "satisfaction",
)
# Those of them saved as text (free text or a text choice); the others are a date and a number.
FAMILY_CONTACT_TEXT_FIELDS = tuple(
    name for name in FAMILY_CONTACT_FIELDS if name not in ("contacted_on", "satisfaction")
)


def section_field(section_id: int, name: str) -> str:
    """`name` is working_well, worried_about, needs_to_happen, scale, or actions (the
    completion gap "this section needs a restorative action")."""
    return f"s{section_id}-{name}"


# The completion gap "the overall scale needs a restorative action".
OVERALL_ACTIONS = "overall-actions"


def is_actions_gap(key: str) -> bool:
    """Whether an error key is a "needs a restorative action" gap (shown at the actions)."""
    return key == OVERALL_ACTIONS or (key.startswith("s") and key.endswith("-actions"))


def question_field(question_id: int, name: str) -> str:
    """`name` is answer or evidence."""
    return f"q{question_id}-{name}"


def action_field(action_id: int, name: str) -> str:
    """`name` is description, owner or due_on; the form maps an action to its row."""
    return f"action-{action_id}-{name}"


def parse_action_field(key: str) -> tuple[int, str] | None:
    if not key.startswith("action-"):
        return None
    _, pk, name = key.split("-", 2)
    return int(pk), name
