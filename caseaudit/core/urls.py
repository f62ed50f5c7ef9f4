"""`reverse_cached(name)`: the address of a view that takes no arguments, worked out once.

The header of every page links to a dozen views (caseaudit/site/context_processors.py), and
`reverse` walks the URL patterns each time: a tenth of a small page's time (`make bench`).
An address without arguments only changes with the URLconf and the script prefix, so it is
kept by those.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def reverse_cached(name: str) -> str:
    return _reverse(name, get_urlconf(settings.ROOT_URLCONF), get_script_prefix())


@functools.lru_cache(maxsize=512)
def _reverse(name: str, urlconf: str | None, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)
