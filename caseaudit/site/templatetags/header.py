"""`{% load header %}`: the parts of every page's header (caseaudit/templates/base.html) that
are the same on every visit, written without the template engine's work for each piece: the
header's links in one pass, and addresses of views and static files worked out once. A tenth
of a small page's time went on them (`make bench`). The markup is what the template wrote.
"""

import functools

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from caseaudit.core.urls import reverse_cached, url_where

register = template.Library()

_ITEM = (
    "\n              "
    '<li class="govuk-service-navigation__item{active_class}">\n'
    '                <a class="govuk-service-navigation__link" href="{url}"{current}>{label}</a>\n'
    "              </li>\n"
    "              "
)

ACTIVE_LABEL = '<strong class="govuk-service-navigation__active-fallback">{label}</strong>'


@register.simple_tag
def navigation_items(navigation, active) -> str:
    """The header's links (`site.context_processors.navigation_for`: key, label, address) as
    list items, the page's own (`nav_active`) marked as GOV.UK's service navigation does.
    A role's links are the same on every page: each list is written once for each page it
    marks as current, then kept."""
    return _navigation_items(tuple(navigation), active)


@functools.lru_cache(maxsize=512)
def _navigation_items(navigation: tuple, active) -> str:
    items = []
    for key, label, url in navigation:
        label = conditional_escape(label)
        if key == active:
            items.append(
                _ITEM.format(
                    active_class=" govuk-service-navigation__item--active",
                    url=conditional_escape(url),
                    current=' aria-current="page"',
                    label=ACTIVE_LABEL.format(label=label),
                )
            )
        else:
            items.append(
                _ITEM.format(active_class="", url=conditional_escape(url), current="", label=label)
            )
    # Safe: the markup is constant and the labels and addresses are escaped.
    return mark_safe("\n              " + "".join(items))  # noqa: S308  # nosec B308 B703


@register.tag
def cached_url(parser, token) -> "CachedURLNode":
    """`{% cached_url name arg ... %}`: `{% url name arg ... %}`, the address worked out once
    per view (caseaudit/core/urls.py). A node of its own rather than a simple tag: pages call
    it dozens of times, and a simple tag's general handling of arguments cost more than the
    address."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'cached_url' takes the name of a view")
    return CachedURLNode(
        parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )


class CachedURLNode(template.Node):
    def __init__(self, name, args) -> None:
        self.name, self.args = name, args

    def render(self, context) -> str:
        request = getattr(context, "request", None)
        url = reverse_cached(
            self.name.resolve(context),
            *(arg.resolve(context) for arg in self.args),
            where=url_where(request) if request is not None else None,
        )
        return conditional_escape(url) if context.autoescape else url


@register.simple_tag
def cached_static(path: str) -> str:
    """`{% static path %}`, worked out once per path (and static settings)."""
    return _static(path, settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"])


@functools.lru_cache(maxsize=256)
def _static(path: str, static_url: str, backend: str) -> str:
    return static(path)
