"""Every write to audit tools: drafts and their editing, publishing, import and export, and the
scaling bands. Each service runs in one transaction, refuses with a ValidationError, and
records who did what as a `ToolChange`.

Only a draft version is ever changed: a published or retired version stays exactly as it was,
because audits keep a foreign key to the version they were started on.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import TypedDict, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from caseaudit.core.typing import By

from . import interchange
from .interchange import scaling_bands_problems
from .models import (
    Question,
    QuestionKind,
    ScalingBand,
    Section,
    Theme,
    Tool,
    ToolChange,
    ToolChangeAction,
    ToolVersion,
    VersionStatus,
)
from .selectors import scaling_bands, tool_version_with_content, tool_versions_with_content

MODELS = {
    "Theme": Theme,
    "Tool": Tool,
    "ToolVersion": ToolVersion,
    "Section": Section,
    "Question": Question,
}
# Tool codes that would clash with the pages under /tools/.
RESERVED_CODES = frozenset({"bands", "import"})

# A draft's content item: a section of a version, or a question of a section.
_Item = TypeVar("_Item", Section, Question)


class _SectionValues(TypedDict):
    title: str
    guidance: str
    theme: Theme
    scaled: bool


class _QuestionValues(TypedDict):
    text: str
    kind: str
    choices: list[str]
    help: str
    required: bool


# --------------------------------------------------------------------------------------------
# Helpers


def _record(*, version: ToolVersion | None, by: By, action: str, **detail: object) -> ToolChange:
    if version is not None:
        detail = {"tool": version.tool.code, "number": version.number, **detail}
    return ToolChange.objects.create(
        version=version,
        by=by if by is not None and by.is_authenticated else None,
        action=action,
        detail=detail,
    )


def _lock_draft(version_id: int) -> ToolVersion:
    """The version, locked for this transaction; refused unless it is a draft."""
    version = (
        ToolVersion.objects.select_for_update(of=("self",))
        .select_related("tool")
        .get(pk=version_id)
    )
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            f"{version.tool.name} version {version.number} is "
            f"{version.get_status_display().lower()} and cannot be changed: "
            "create a draft and edit that instead."
        )
    return version


def _unique_key(text: str, taken: set[str], *, max_length: int | None, fallback: str) -> str:
    """A slug key for a new section or question: from its text, unique among `taken`, short
    enough for a key field of `max_length` (None: no limit) with room for a "_<n>" suffix."""
    slug = slugify(text).replace("-", "_")
    base = (slug if max_length is None else slug[: max_length - 4]).strip("_") or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _clean_text(value: str | None, *, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"Enter the {label}.")
    if len(value) > max_length:
        raise ValidationError(f"The {label} must be {max_length} characters or fewer.")
    return value


def _clean_section(
    *, title: str | None, guidance: str | None, theme: Theme | None, scaled: bool
) -> _SectionValues:
    if not isinstance(theme, Theme):
        raise ValidationError("Choose the theme the section serves.")
    return {
        "title": _clean_text(title, label="section title", max_length=150),
        "guidance": (guidance or "").strip(),
        "theme": theme,
        "scaled": bool(scaled),
    }


def _clean_question(
    *,
    text: str | None,
    kind: str,
    choices: Iterable[str] | None,
    help: str | None,
    required: bool = False,
) -> _QuestionValues:
    if kind not in QuestionKind.values:
        raise ValidationError("Choose what kind of answer the question takes.")
    cleaned_choices = [c.strip() for c in (choices or []) if c and c.strip()]
    if kind == QuestionKind.CHOICE:
        if len(cleaned_choices) < 2:
            raise ValidationError("A choice question needs at least two choices.")
        if len(set(cleaned_choices)) != len(cleaned_choices):
            raise ValidationError("Each choice must be different.")
    else:
        cleaned_choices = []
    return {
        "text": _clean_text(text, label="question", max_length=300),
        "kind": kind,
        "choices": cleaned_choices,
        "help": _clean_text(help, label="hint", max_length=300, required=False),
        "required": bool(required),
    }


def _changes(obj: Section | Question, values: Mapping[str, object]) -> dict[str, list[object]]:
    """{field: [old, new]} for the fields `values` would change (themes by code)."""
    changed: dict[str, list[object]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            if isinstance(new, Theme):
                old, new = old.code, new.code
            changed[field] = [old, new]
    return changed


def _next_order(qs: QuerySet[_Item]) -> int:
    current = qs.aggregate(m=Max("order"))["m"]
    return 0 if current is None else current + 1


def _reorder(siblings: list[_Item], *, item: _Item, direction: str) -> bool:
    """Swap `item` with its neighbour in `siblings` ("up": the one before, "down": after) and
    number them all again from 0. False, changing nothing, when it is already at that end."""
    index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for order, sibling in enumerate(siblings):
        sibling.order = order
    return True


def _draft_item_add(
    model: type[_Item],
    *,
    parent: Mapping[str, ToolVersion | Section],
    values: Mapping[str, object],
    key_from: str,
    version: ToolVersion,
    by: By,
    action: str,
    **detail: object,
) -> _Item:
    """Add a section or question (`model`) after the others of its `parent` (the draft version
    or the section), with a key made from `key_from`, and record it (`detail`, then the key)."""
    siblings = model.objects.filter(**parent)
    key = _unique_key(
        key_from,
        set(siblings.values_list("key", flat=True)),
        max_length=model._meta.get_field("key").max_length,
        fallback=model.__name__.lower(),
    )
    item = model.objects.create(**parent, key=key, order=_next_order(siblings), **values)
    _record(version=version, by=by, action=action, **detail, key=key)
    return item


def _draft_item_update(
    item: _Item,
    *,
    values: Mapping[str, object],
    version: ToolVersion,
    by: By,
    action: str,
    **detail: object,
) -> _Item:
    """Give a draft section or question the cleaned `values`. Saved and recorded (`detail`,
    then its key and each changed field's old and new value) only when something changed."""
    changed = _changes(item, values)
    if changed:
        for field, value in values.items():
            setattr(item, field, value)
        item.save()
        _record(
            version=version,
            by=by,
            action=action,
            **detail,
            key=item.key,
            fields=sorted(changed),
            changes=changed,
        )
    return item


# --------------------------------------------------------------------------------------------
# Drafts


@transaction.atomic
def tool_version_draft_create(*, tool: Tool, by: By) -> ToolVersion:
    """A new draft (number + 1) copying the published version's sections and questions."""
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    versions = ToolVersion.objects.filter(tool=tool)
    existing = versions.filter(status=VersionStatus.DRAFT).first()
    if existing is not None:
        raise ValidationError(
            f"{tool.name} already has a draft (version {existing.number}): "
            "edit or publish it before starting another."
        )
    source = (
        versions.filter(status=VersionStatus.PUBLISHED).first()
        or versions.order_by("-number").first()
    )
    last_number = versions.aggregate(m=Max("number"))["m"] or 0
    draft = ToolVersion.objects.create(
        tool=tool, number=last_number + 1, status=VersionStatus.DRAFT, created_by=by
    )
    if source is not None:
        questions = []
        for section in source.sections.prefetch_related("questions").order_by("order", "id"):
            copy = Section.objects.create(
                version=draft,
                key=section.key,
                title=section.title,
                guidance=section.guidance,
                theme_id=section.theme_id,
                scaled=section.scaled,
                order=section.order,
            )
            questions += [
                Question(
                    section=copy,
                    key=q.key,
                    text=q.text,
                    kind=q.kind,
                    choices=list(q.choices or []),
                    help=q.help,
                    required=q.required,
                    order=q.order,
                )
                for q in section.questions.all()
            ]
        Question.objects.bulk_create(questions)
    _record(
        version=draft,
        by=by,
        action=ToolChangeAction.DRAFT_CREATED,
        from_number=source.number if source else None,
    )
    return draft


@transaction.atomic
def tool_version_draft_discard(*, version: ToolVersion, by: By) -> None:
    """Delete a draft and its content (it was never used by an audit)."""
    version = _lock_draft(version.pk)
    _record(
        version=None,
        by=by,
        action=ToolChangeAction.DRAFT_DISCARDED,
        tool=version.tool.code,
        number=version.number,
    )
    version.delete()


@transaction.atomic
def tool_version_add_section(
    *,
    version: ToolVersion,
    by: By,
    title: str,
    guidance: str = "",
    theme: Theme,
    scaled: bool = True,
) -> Section:
    version = _lock_draft(version.pk)
    values = _clean_section(title=title, guidance=guidance, theme=theme, scaled=scaled)
    return _draft_item_add(
        Section,
        parent={"version": version},
        values=values,
        key_from=values["title"],
        version=version,
        by=by,
        action=ToolChangeAction.SECTION_ADDED,
        section=values["title"],
    )


@transaction.atomic
def tool_version_update_section(
    *, section: Section, by: By, title: str, guidance: str, theme: Theme, scaled: bool
) -> Section:
    """Change a draft section's title, guidance, theme and scaling (its key stays, so reports
    can follow the section from one version to the next)."""
    version = _lock_draft(section.version_id)
    section = Section.objects.select_related("theme").get(pk=section.pk)
    values = _clean_section(title=title, guidance=guidance, theme=theme, scaled=scaled)
    return _draft_item_update(
        section,
        values=values,
        version=version,
        by=by,
        action=ToolChangeAction.SECTION_UPDATED,
        section=values["title"],
    )


@transaction.atomic
def tool_version_delete_section(*, section: Section, by: By) -> None:
    version = _lock_draft(section.version_id)
    section = Section.objects.get(pk=section.pk)
    count = section.questions.count()
    section.delete()
    _record(
        version=version,
        by=by,
        action=ToolChangeAction.SECTION_DELETED,
        section=section.title,
        key=section.key,
        questions=count,
    )


@transaction.atomic
def tool_version_add_question(
    *,
    section: Section,
    by: By,
    text: str,
    kind: str,
    choices: Sequence[str] = (),
    help: str = "",
    required: bool = False,
) -> Question:
    version = _lock_draft(section.version_id)
    values = _clean_question(text=text, kind=kind, choices=choices, help=help, required=required)
    return _draft_item_add(
        Question,
        parent={"section": section},
        values=values,
        key_from=values["text"],
        version=version,
        by=by,
        action=ToolChangeAction.QUESTION_ADDED,
        section=section.title,
        question=values["text"],
    )


@transaction.atomic
def tool_version_update_question(
    *,
    question: Question,
    by: By,
    text: str,
    kind: str,
    choices: Sequence[str] = (),
    help: str = "",
    required: bool | None = None,
) -> Question:
    """Change a draft question. `required` left out keeps whether it must be answered."""
    question = Question.objects.select_related("section").get(pk=question.pk)
    version = _lock_draft(question.section.version_id)
    if required is None:
        required = question.required
    values = _clean_question(text=text, kind=kind, choices=choices, help=help, required=required)
    return _draft_item_update(
        question,
        values=values,
        version=version,
        by=by,
        action=ToolChangeAction.QUESTION_UPDATED,
        section=question.section.title,
        question=values["text"],
    )


@transaction.atomic
def tool_version_delete_question(*, question: Question, by: By) -> None:
    question = Question.objects.select_related("section").get(pk=question.pk)
    version = _lock_draft(question.section.version_id)
    question.delete()
    _record(
        version=version,
        by=by,
        action=ToolChangeAction.QUESTION_DELETED,
        section=question.section.title,
        question=question.text,
        key=question.key,
    )


@transaction.atomic
def tool_version_move(*, item: Section | Question, direction: str, by: By) -> None:
    """Move a section within its version, or a question within its section, one place up
    or down. Moving the first item up (or the last down) leaves the order as it is."""
    if direction not in ("up", "down"):
        raise ValidationError("Move a section or question up or down.")
    if isinstance(item, Section):
        version = _lock_draft(item.version_id)
        sections = list(Section.objects.filter(version=version).order_by("order", "id"))
        if not _reorder(sections, item=item, direction=direction):
            return
        Section.objects.bulk_update(sections, ["order"])
        action, detail = ToolChangeAction.SECTION_MOVED, {"section": item.title}
    elif isinstance(item, Question):
        question = Question.objects.select_related("section").get(pk=item.pk)
        version = _lock_draft(question.section.version_id)
        questions = list(
            Question.objects.filter(section_id=question.section_id).order_by("order", "id")
        )
        if not _reorder(questions, item=question, direction=direction):
            return
        Question.objects.bulk_update(questions, ["order"])
        action = ToolChangeAction.QUESTION_MOVED
        detail = {"section": question.section.title, "question": question.text}
    else:
        raise ValidationError("Only sections and questions can be moved.")
    _record(version=version, by=by, action=action, direction=direction, **detail)


# --------------------------------------------------------------------------------------------
# Publishing


def tool_version_problems(*, version: ToolVersion) -> list[str]:
    """What stops a version being published (empty when it can be): the same checks as an
    import, run on the version's own export."""
    content = tool_version_with_content(pk=version.pk)
    document = interchange.tools_document([content])
    return interchange.tools_validate(document)


@transaction.atomic
def tool_version_publish(*, version: ToolVersion, by: By, notes: str | None = None) -> ToolVersion:
    """Make a draft the version new audits use; the version it replaces is retired (audits
    started on it keep it, unchanged)."""
    tool = Tool.objects.select_for_update().get(pk=version.tool_id)
    version = _lock_draft(version.pk)
    problems = tool_version_problems(version=version)
    if problems:
        raise ValidationError(problems)
    current = (
        ToolVersion.objects.select_for_update(of=("self",))
        .select_related("tool")
        .filter(tool=tool, status=VersionStatus.PUBLISHED)
        .first()
    )
    if current is not None:
        current.status = VersionStatus.RETIRED
        current.save(update_fields=["status"])
        _record(
            version=current,
            by=by,
            action=ToolChangeAction.RETIRED,
            replaced_by=version.number,
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by if by is not None and by.is_authenticated else None
    if notes is not None:
        version.notes = notes.strip()
    version.save(update_fields=["status", "published_at", "published_by", "notes"])
    _record(
        version=version,
        by=by,
        action=ToolChangeAction.PUBLISHED,
        replaces=current.number if current else None,
        notes=version.notes,
    )
    return version


# --------------------------------------------------------------------------------------------
# Tools as data


def tools_export(*, codes: Sequence[str] | None = None) -> dict:
    """The published tools (all, or those with `codes`) as a tools document."""
    versions = list(tool_versions_with_content(status=VersionStatus.PUBLISHED, codes=codes))
    if codes:
        missing = sorted(set(codes) - {v.tool.code for v in versions})
        if missing:
            raise ValidationError(
                [f"There is no published tool with the code {code!r}." for code in missing]
            )
    return interchange.tools_document(versions, bands=list(scaling_bands()))


def tools_import_band_notes(*, data: object) -> list[str]:
    """How the scaling bands in a tools document differ from the authority's: an import never
    changes the bands (administrators do, on the bands page), so the importer is told."""
    return interchange.band_differences(data, list(scaling_bands()))


@transaction.atomic
def tools_import(*, data: object, by: By, source: str = "") -> list[ToolVersion]:
    """Load a tools document as new draft versions (new tools are created). Nothing changes
    unless the whole document is valid and none of its tools already has a draft."""
    errors = interchange.tools_validate(
        data, known_themes=set(Theme.objects.values_list("code", flat=True))
    )
    tools = data.get("tools") if isinstance(data, dict) else None
    codes = [
        spec["code"]
        for spec in (tools if isinstance(tools, list) else [])
        if isinstance(spec, dict) and isinstance(spec.get("code"), str)
    ]
    errors += [
        f"tool {code}: the code is reserved by the application; choose another."
        for code in codes
        if code in RESERVED_CODES
    ]
    list(Tool.objects.select_for_update().filter(code__in=codes))
    drafts = (
        ToolVersion.objects.filter(tool__code__in=codes, status=VersionStatus.DRAFT)
        .select_related("tool")
        .order_by("tool__code")
    )
    errors += [
        f"tool {d.tool.code}: already has a draft (version {d.number}); "
        "publish or discard it before importing."
        for d in drafts
    ]
    if errors or not isinstance(data, dict):  # tools_validate refuses anything but a dict
        raise ValidationError(errors)
    versions = interchange.tools_load(data, models=MODELS, status=VersionStatus.DRAFT, user=by)
    for version, spec in zip(versions, data["tools"], strict=True):
        _record(
            version=version,
            by=by,
            action=ToolChangeAction.IMPORTED,
            source=source,
            file_version=spec.get("version"),
        )
    return versions


# --------------------------------------------------------------------------------------------
# Scaling bands


def _band_dict(band: ScalingBand) -> dict:
    return interchange.band_as_dict(band)


@transaction.atomic
def scaling_bands_update(*, bands: list[dict], by: By) -> list[ScalingBand]:
    """Change the bands' ranges, names, guidance, urgent and "actions required" flags
    together. `bands` has one dict per existing band, by "code"; together they must cover 0-10
    exactly once (a band's "actions_required" left out stays as it is)."""
    existing = {b.code: b for b in ScalingBand.objects.select_for_update().order_by("min_score")}
    given = [b.get("code") for b in bands]
    problems = []
    unknown = [code for code in given if code not in existing]
    if unknown:
        problems.append(f"Unknown scaling band {', '.join(map(str, unknown))}.")
    missing = [code for code in existing if code not in given]
    if missing:
        problems.append(f"Every band must be given: {', '.join(missing)} is missing.")
    if len(set(given)) != len(given):
        problems.append("A band is given twice.")
    problems += scaling_bands_problems(bands)
    if problems:
        raise ValidationError(problems)
    before = [_band_dict(b) for b in existing.values()]
    for spec in bands:
        band = existing[spec["code"]]
        band.name = spec["name"].strip()
        band.guidance = spec["guidance"].strip()
        band.min_score = spec["min_score"]
        band.max_score = spec["max_score"]
        band.urgent = bool(spec.get("urgent"))
        if "actions_required" in spec:
            band.actions_required = bool(spec["actions_required"])
    ScalingBand.objects.bulk_update(
        existing.values(),
        ["name", "guidance", "min_score", "max_score", "urgent", "actions_required"],
    )
    after = [_band_dict(b) for b in sorted(existing.values(), key=lambda b: b.min_score)]
    if after != sorted(before, key=lambda b: b["min_score"]):
        _record(
            version=None, by=by, action=ToolChangeAction.BANDS_UPDATED, before=before, after=after
        )
    return sorted(existing.values(), key=lambda b: b.min_score)
