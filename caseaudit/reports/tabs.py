"""The report pages' tabs: each report leads with its figures at a glance (its own URL) and
puts its detailed tables on tabs, one URL each (`report_<report>_tab`, `<slug:tab>`).

`TABS` lists every report's tabs in order, (slug, label); `TAB_TABLES` the tables (by their
key) each tab shows, every table of the report on exactly one tab, so every table and its CSV
file stays one link from the report. The benchmark measures every tab page from `TABS`."""

# The report's url short name (`report_<name>`) -> its tabs, in order.
TABS: dict[str, list[tuple[str, str]]] = {
    "compliance": [
        ("teams", "Teams"),
        ("months", "Months"),
        ("people", "People"),
        ("services", "Services"),
        ("cases", "Cases not audited"),
    ],
    "responses": [
        ("months", "Months"),
        ("teams", "Teams"),
        ("actions", "Restorative actions"),
    ],
    "quality": [
        ("themes", "Themes"),
        ("months", "Months"),
        ("teams", "Teams and services"),
        ("sections", "Sections"),
        ("audits", "Overall scale and contact"),
        ("urgent", "Urgent findings"),
        ("good-practice", "Good practice"),
        ("voice", "Views and the family's voice"),
    ],
    "findings": [
        ("themes", "Themes in words"),
        ("recommendations", "Recommendations"),
        ("good-practice", "Good practice"),
        ("urgent", "Urgent findings"),
    ],
    "moderation": [
        ("auditors", "Auditors"),
        ("months", "Months"),
        ("bands", "Grades changed"),
    ],
}

# The tables each tab shows, by their `Table.key`, in order.
TAB_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "compliance": {
        "teams": ("teams",),
        "months": ("months",),
        "people": ("people",),
        "services": ("services",),
        "cases": ("not-audited", "carers-overdue", "closure-pending"),
    },
    "responses": {
        "months": ("responses-by-month",),
        "teams": ("responses-by-team",),
        "actions": ("actions-by-team",),
    },
    "quality": {
        "themes": ("trend", "by-theme"),
        "months": ("by-month",),
        "teams": ("by-team", "by-service"),
        "sections": ("by-section",),
        "audits": ("overall", "contact"),
        "urgent": ("urgent",),
        "good-practice": ("good-practice",),
        "voice": ("views", "family-voice-teams", "family-voice-themes"),
    },
    "findings": {
        # The words by theme (and their CSV files) are the findings body's own sections.
        "themes": ("overall-bands", "themes", "working-well", "worries"),
        "recommendations": ("recommendations",),
        "good-practice": ("good-practice", "family-words"),
        "urgent": ("urgent",),
    },
    "moderation": {
        "auditors": ("by-auditor",),
        "months": ("by-month",),
        "bands": ("by-band",),
    },
}


def tab_of(report: str, table: str) -> str | None:
    """The slug of the tab that shows `table` of `report` (None: no tab does)."""
    for slug, keys in TAB_TABLES.get(report, {}).items():
        if table in keys:
            return slug
    return None


def tab_label(report: str, tab: str) -> str | None:
    return dict(TABS.get(report, [])).get(tab)
