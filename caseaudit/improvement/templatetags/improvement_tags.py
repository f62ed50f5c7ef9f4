"""Template filters of the improvement pages."""

from django import template

register = template.Library()


@register.filter
def paragraphs(text: str) -> list[str]:
    """Text written in a textarea as its paragraphs (split at blank lines)."""
    normalised = (text or "").replace("\r\n", "\n")
    return [p.strip() for p in normalised.split("\n\n") if p.strip()]
