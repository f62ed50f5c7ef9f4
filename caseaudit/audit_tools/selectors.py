from django.db.models import Prefetch

from .models import Question, ScalingBand, Section, Tool, ToolVersion, VersionStatus


def tool_version_published(*, code: str) -> ToolVersion | None:
    """The version new audits of this tool use."""
    return (
        ToolVersion.objects.select_related("tool")
        .filter(tool__code=code, status=VersionStatus.PUBLISHED)
        .first()
    )


def tool_version_with_content(*, pk: int) -> ToolVersion:
    """A version with its sections, themes and questions loaded in three queries."""
    sections = Section.objects.select_related("theme").prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
    )
    return (
        ToolVersion.objects.select_related("tool")
        .prefetch_related(Prefetch("sections", queryset=sections.order_by("order", "id")))
        .get(pk=pk)
    )


def tool_list():
    return Tool.objects.prefetch_related("versions").order_by("name")


def scaling_bands() -> list[ScalingBand]:
    return list(ScalingBand.objects.order_by("min_score"))


def band_for(score: int | None, bands: list[ScalingBand]) -> ScalingBand | None:
    """The band a 0-10 score falls in, from a list already loaded (no query)."""
    if score is None:
        return None
    return next((b for b in bands if b.min_score <= score <= b.max_score), None)
