"""Reads of audit tools. Published and retired versions are readable by every member of
staff; drafts only by those who may edit tools (`permissions.tools_can_edit`): the
`*_get` selectors raise Http404 for anything else."""

from collections.abc import Sequence

from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404

from caseaudit.core.prepared import PreparedQuery
from caseaudit.core.typing import Actor

from .models import (
    Question,
    ScalingBand,
    Section,
    Theme,
    Tool,
    ToolChange,
    ToolVersion,
    VersionStatus,
)
from .permissions import tools_can_edit, tools_can_read


def tool_version_published(*, code: str) -> ToolVersion | None:
    """The version new audits of this tool use."""
    return (
        ToolVersion.objects.select_related("tool")
        .filter(tool__code=code, status=VersionStatus.PUBLISHED)
        .first()
    )


def _sections_prefetch() -> Prefetch:
    sections = Section.objects.select_related("theme").prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
    )
    return Prefetch("sections", queryset=sections.order_by("order", "id"))


# A version and its content, each query compiled once (caseaudit/core/prepared.py): every
# audit page, save and check reads them; compiling the prefetches was a sixth of the audit
# page's CPU time.
_version = PreparedQuery(lambda pk: ToolVersion.objects.select_related("tool").filter(pk=pk))
_version_sections = PreparedQuery(
    lambda version_id: (
        Section.objects.select_related("theme")
        .filter(version_id=version_id)
        .order_by("order", "id")
    )
)
_version_questions = PreparedQuery(
    lambda version_id: Question.objects.filter(section__version_id=version_id).order_by(
        "order", "id"
    )
)


def _prefetched(instance: Model, name: str, objects: list) -> None:
    """`instance.<name>.all()` answers `objects` without a query, as prefetch_related leaves
    it (django.db.models.query.prefetch_one_level)."""
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def tool_version_with_content(*, pk: int) -> ToolVersion:
    """A version with its sections (each with its theme) and their questions, in order, loaded
    in three queries, as `prefetch_related` would load them. ToolVersion.DoesNotExist if
    there is no such version."""
    found = _version(int(pk))
    if not found:
        raise ToolVersion.DoesNotExist(f"No tool version {pk}")
    version = found[0]
    sections = _version_sections(version.pk)
    questions: dict[int, list[Question]] = {section.pk: [] for section in sections}
    for question in _version_questions(version.pk):
        questions[question.section_id].append(question)
    for section in sections:
        section.version = version
        for question in questions[section.pk]:
            question.section = section
        _prefetched(section, "questions", questions[section.pk])
    _prefetched(version, "sections", sections)
    return version


def tool_versions_with_content(
    *, status: str = VersionStatus.PUBLISHED, codes: Sequence[str] | None = None
) -> QuerySet[ToolVersion]:
    """Versions of one status (all tools, or those with `codes`) with their content, by code."""
    qs = ToolVersion.objects.select_related("tool").prefetch_related(_sections_prefetch())
    qs = qs.filter(status=status)
    if codes:
        qs = qs.filter(tool__code__in=codes)
    return qs.order_by("tool__code")


def tool_list() -> QuerySet[Tool]:
    return Tool.objects.prefetch_related("versions").order_by("name")


def tool_list_with_versions(*, user: Actor) -> list[Tool]:
    """Every tool with `.published` and `.draft` set (drafts, and tools that have only a draft,
    for editors only): two queries."""
    if not tools_can_read(user):
        raise Http404("No audit tools")
    editor = tools_can_edit(user)
    tools = list(tool_list())
    published_tools: list[Tool] = []
    for tool in tools:
        versions = list(tool.versions.all())
        published = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
        draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
        # Attached for the tool list page: Tool declares no such fields.
        tool.published = published  # type: ignore[attr-defined]
        tool.draft = draft if editor else None  # type: ignore[attr-defined]
        if published is not None:
            published_tools.append(tool)
    # A tool imported but never published is only a draft: editors alone see it.
    return tools if editor else published_tools


def tool_get(*, user: Actor, code: str) -> Tool:
    if not tools_can_read(user):
        raise Http404("No such tool")
    tool = Tool.objects.filter(code=code).first()
    if tool is None:
        raise Http404("No such tool")
    return tool


def tool_version_get(
    *, user: Actor, code: str, number: int, with_content: bool = False
) -> ToolVersion:
    """A version the user may read (drafts: editors only), or Http404."""
    if not tools_can_read(user):
        raise Http404("No such tool version")
    qs = ToolVersion.objects.select_related("tool", "published_by", "published_by__staff").filter(
        tool__code=code, number=number
    )
    if not tools_can_edit(user):
        qs = qs.exclude(status=VersionStatus.DRAFT)
    if with_content:
        qs = qs.prefetch_related(_sections_prefetch())
    version = qs.first()
    if version is None:
        raise Http404("No such tool version")
    return version


def tool_draft_get(*, user: Actor, code: str, number: int) -> ToolVersion:
    """A draft version for editing: Http404 unless the user may edit tools and it is a draft."""
    if not tools_can_edit(user):
        raise Http404("No such draft")
    version = (
        ToolVersion.objects.select_related("tool")
        .filter(tool__code=code, number=number, status=VersionStatus.DRAFT)
        .first()
    )
    if version is None:
        raise Http404("No such draft")
    return version


def draft_section_get(*, version: ToolVersion, key: str) -> Section:
    section = Section.objects.select_related("theme").filter(version=version, key=key).first()
    if section is None:
        raise Http404("No such section")
    return section


def draft_question_get(*, section: Section, key: str) -> Question:
    question = Question.objects.filter(section=section, key=key).first()
    if question is None:
        raise Http404("No such question")
    return question


def tool_version_list(*, user: Actor, tool: Tool) -> QuerySet[ToolVersion]:
    """The versions of a tool the user may see, newest first."""
    qs = tool.versions.all().order_by("-number")
    if not tools_can_edit(user):
        qs = qs.exclude(status=VersionStatus.DRAFT)
    return qs


def tool_changes(*, version: ToolVersion, limit: int = 200) -> QuerySet[ToolChange]:
    """The history of a version, newest first, with who made each change."""
    return (
        ToolChange.objects.filter(version=version)
        .select_related("by", "by__staff")
        .order_by("-at", "-id")[:limit]
    )


def band_changes(*, limit: int = 20) -> QuerySet[ToolChange]:
    return (
        ToolChange.objects.filter(version__isnull=True, action="bands_updated")
        .select_related("by", "by__staff")
        .order_by("-at", "-id")[:limit]
    )


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.order_by("order", "name")


def scaling_bands() -> list[ScalingBand]:
    return list(ScalingBand.objects.order_by("min_score"))


def band_for(*, score: int | None, bands: list[ScalingBand]) -> ScalingBand | None:
    """The band a 0-10 score falls in, from a list already loaded (no query)."""
    if score is None:
        return None
    return next((b for b in bands if b.min_score <= score <= b.max_score), None)
