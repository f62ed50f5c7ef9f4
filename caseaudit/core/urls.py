"""`reverse_cached(name, *ids)`: the address of a view, worked out once per view.

Every page links to a dozen views (the header, caseaudit/site/context_processors.py; the
rows of a list), and `reverse` walks the URL patterns each time: a tenth of a small page's
time (`make bench`). An address only changes with the URLconf and the script prefix, so it is
kept by those; one whose arguments are ids (integers) is kept as a pattern, reversed once
with stand-in numbers that are then replaced by the ids. Any other argument is reversed as
usual.
"""

import functools
import re

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

STAND_INS = ("9876543210", "9876543211", "9876543212")
_STAND_IN = re.compile("|".join(STAND_INS))


def reverse_cached(name: str, *args) -> str:
    if not all(type(arg) is int for arg in args) or len(args) > len(STAND_INS):
        return reverse(name, args=args)
    pattern = _reverse(name, len(args), get_urlconf(settings.ROOT_URLCONF), get_script_prefix())
    if pattern is None:
        return reverse(name, args=args)
    ids = dict(zip(STAND_INS, map(str, args), strict=False))
    return _STAND_IN.sub(lambda match: ids.get(match[0], match[0]), pattern)


@functools.lru_cache(maxsize=512)
def _reverse(name: str, count: int, urlconf: str | None, prefix: str) -> str | None:
    """The address with stand-ins for its `count` ids; None when that cannot be used (a
    pattern that refuses the stand-ins, or shows one more than once)."""
    try:
        address = reverse(name, urlconf=urlconf, args=[int(s) for s in STAND_INS[:count]])
    except NoReverseMatch:
        return None
    if any(address.count(stand_in) != 1 for stand_in in STAND_INS[:count]):
        return None
    return address
