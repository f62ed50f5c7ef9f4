"""The audit as a task list: its pages and each page's status.

The audit form is a set of pages ("tasks"), in this order: one per section of the tool
version, then the voice of the child, contact with the family, the restorative actions and
the overall findings (good practice, a serious safeguarding issue, the overall scale and the
summary). Each page saves only its own answers (`services.audit_save` leaves out what a page
does not send). A check-answers page lists every gap (`completion_rules`) linked to the page
that fixes it, and completes the audit.

A task's status, from the audit as saved (no query: the caller passes the audit document and
its completion problems):
- "Urgent": the page holds an urgent matter (a section or the overall scale in an urgent
  band, or a serious safeguarding issue), whether the managers have been alerted or not yet,
  or an urgent finding raised from it is still open. Its hint gives the status it would
  otherwise have, and what is urgent;
- "Not started": nothing written or chosen on the page yet;
- "In progress": something is, and a completion rule still fails on the page;
- "Completed": something is, and no completion rule fails on it. The restorative actions
  with no action at all are "Not needed" once every scale is chosen and none needs one.
"""

from dataclasses import dataclass

from . import fields
from .findings import Trigger, urgent_triggers
from .selectors import AuditDocument, SectionItem

# The page kinds, and the slugs of the pages that are not sections.
SECTION = "section"
VOICE = "voice-of-the-child"
FAMILY = "family-contact"
ACTIONS = "restorative-actions"
OVERALL = "overall"
SECTION_PREFIX = "section-"

# The audit's own fields of each page that is not a section (in page order).
PAGE_FIELDS = {
    VOICE: ("voice_of_child",),
    FAMILY: fields.FAMILY_CONTACT_FIELDS,
    ACTIONS: (),
    OVERALL: ("good_practice", "serious_safeguarding", "serious_safeguarding_detail")
    + ("overall_scale", "summary"),
}
TITLES = {
    VOICE: "Voice of the child",
    FAMILY: "Contact with the family",
    ACTIONS: "Restorative actions",
    OVERALL: "Good practice, safeguarding, overall scale and summary",
}

NOT_STARTED = "Not started"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
NOT_NEEDED = "Not needed"
URGENT = "Urgent"
# GOV.UK task list: a status still to do is a tag (the classes), a finished one plain text.
STATUS_TAG = {
    NOT_STARTED: "govuk-tag",
    IN_PROGRESS: "govuk-tag govuk-tag--yellow",
    URGENT: "govuk-tag govuk-tag--red",
}
DONE = (COMPLETED, NOT_NEEDED)


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    kind: str
    item: SectionItem | None = None  # a section page's section

    @property
    def field_names(self) -> tuple[str, ...]:
        """The audit's own fields this page saves (none for a section page)."""
        return PAGE_FIELDS.get(self.kind, ())


@dataclass(frozen=True)
class Task:
    page: Page
    status: str
    hint: str = ""
    # Whether the page itself is done (an "Urgent" page may be: its hint says which).
    done: bool = False

    @property
    def tag_class(self) -> str:
        return STATUS_TAG.get(self.status, "")


def audit_pages(document: AuditDocument) -> list[Page]:
    """The audit's pages, in order."""
    pages = [
        Page(f"{SECTION_PREFIX}{item.number}", item.section.title, SECTION, item)
        for item in document.sections
    ]
    pages += [Page(slug, TITLES[slug], slug) for slug in (VOICE, FAMILY, ACTIONS, OVERALL)]
    return pages


def page_get(pages: list[Page], slug: str) -> Page | None:
    return next((page for page in pages if page.slug == slug), None)


def next_page(pages: list[Page], page: Page) -> Page | None:
    """The page after `page`, or None after the last (the check-answers page comes next)."""
    index = pages.index(page)
    return pages[index + 1] if index + 1 < len(pages) else None


def page_for_key(pages: list[Page], key: str) -> Page | None:
    """The page that holds the field an error or completion gap is keyed by (`fields`)."""
    slug = None
    if fields.is_actions_gap(key) or key == "actions" or key.startswith(("action-", "actions-")):
        slug = ACTIONS
    elif key.startswith(("s", "q")) and "-" in key and key[1 : key.index("-")].isdigit():
        pk = int(key[1 : key.index("-")])
        for page in pages:
            if page.item is None:
                continue
            if key[0] == "s" and page.item.section.pk == pk:
                return page
            if key[0] == "q" and any(q.question.pk == pk for q in page.item.questions):
                return page
    else:
        slug = next((s for s, names in PAGE_FIELDS.items() if key in names), None)
    return page_get(pages, slug) if slug else None


def _section_started(item: SectionItem) -> bool:
    answer = item.answer
    if answer is not None and (
        answer.working_well
        or answer.worried_about
        or answer.needs_to_happen
        or answer.scale is not None
    ):
        return True
    return any(q.answer and (q.answer.answer or q.answer.evidence) for q in item.questions)


def _started(page: Page, document: AuditDocument) -> bool:
    audit = document.audit
    if page.item is not None:
        return _section_started(page.item)
    if page.kind == ACTIONS:
        return bool(document.actions)
    return any(getattr(audit, name) not in ("", None, False) for name in page.field_names)


def _trigger_page(trigger: Trigger) -> str:
    return f"section:{trigger.section.pk}" if trigger.section else OVERALL


def _urgent_hints(document: AuditDocument) -> dict[str, str]:
    """What makes a page urgent, by "section:<id>" or OVERALL."""
    answers = {item.section.pk: item.answer for item in document.sections if item.answer}
    sections = {item.section.pk: item.section for item in document.sections}
    live = {f.trigger: f for f in document.findings if not f.is_withdrawn}
    hints: dict[str, list[str]] = {}
    for trigger in urgent_triggers(document.audit, answers, sections, document.bands):
        finding = live.get(trigger.key)
        if finding is None:
            told = "not yet alerted: you are asked when you save"
        elif finding.is_open:
            told = "urgent finding raised, open"
        else:
            told = "urgent finding raised and acknowledged"
        reason = trigger.reason
        if trigger.key == "serious":
            reason = "A serious safeguarding issue is marked"
        hints.setdefault(_trigger_page(trigger), []).append(f"{reason}: {told}")
    # A finding still open whose page no longer holds it (the scale was changed since).
    for key, finding in live.items():
        if not finding.is_open:
            continue
        page = f"section:{key.split(':', 1)[1]}" if key.startswith("section:") else OVERALL
        if page not in hints:
            hints[page] = [f"{finding.reason}: urgent finding raised, still open"]
    return {page: "; ".join(texts) + "." for page, texts in hints.items()}


def _all_scaled(document: AuditDocument) -> bool:
    return document.audit.overall_scale is not None and all(
        item.scale is not None for item in document.sections if item.section.scaled
    )


def audit_tasks(*, document: AuditDocument, problems: list[tuple[str, str]]) -> list[Task]:
    """Each page of the audit with its status (see the module's docstring). `problems` are
    the audit's completion gaps (`services.audit_completion_problems`)."""
    pages = audit_pages(document)
    gaps: dict[str, int] = {}
    for key, _message in problems:
        page = page_for_key(pages, key)
        if page is not None:
            gaps[page.slug] = gaps.get(page.slug, 0) + 1
    urgent = _urgent_hints(document)
    tasks = []
    for page in pages:
        urgent_hint = ""
        if page.kind in (SECTION, OVERALL):
            urgent_hint = urgent.get(
                f"section:{page.item.section.pk}" if page.item else OVERALL, ""
            )
        if not _started(page, document):
            if page.kind == ACTIONS and not gaps.get(page.slug) and _all_scaled(document):
                status = NOT_NEEDED
            else:
                status = NOT_STARTED
        elif gaps.get(page.slug):
            status = IN_PROGRESS
        else:
            status = COMPLETED
        task = Task(page=page, status=status, done=status in DONE)
        if urgent_hint:
            task = Task(page=page, status=URGENT, hint=f"{status}. {urgent_hint}", done=task.done)
        tasks.append(task)
    return tasks


def gap_links(
    *, document: AuditDocument, problems: list[tuple[str, str]]
) -> list[tuple[Page | None, str, str]]:
    """Each completion gap as (the page that fixes it, the field's id on that page, the
    message), in page order. An action's gap names its row on the actions page."""
    pages = audit_pages(document)
    rows = {action.pk: index for index, action in enumerate(document.actions)}
    order = {page.slug: index for index, page in enumerate(pages)}
    links = []
    for key, message in problems:
        page = page_for_key(pages, key)
        links.append((page, form_key(key, rows), message))
    # Stable: within a page, completion_rules' own order.
    links.sort(key=lambda link: order.get(link[0].slug, len(pages)) if link[0] else len(pages))
    return links


def form_key(key: str, rows: dict[int, int]) -> str:
    """A completion gap's key as the page's field name: an action by its row."""
    parsed = fields.parse_action_field(key)
    if parsed is not None:
        pk, name = parsed
        return f"actions-{rows.get(pk, 0)}-{name}"
    return key
