"""`reverse_cached(name, *ids)`: the address of a view, worked out once per view.

Every page links to a dozen views (the header, caseaudit/site/context_processors.py; the
rows of a list), and `reverse` walks the URL patterns each time: a tenth of a small page's
time (`make bench`). An address only changes with the URLconf and the script prefix, so it is
kept by those; one whose arguments are ids (integers) is kept as a pattern, reversed once
with stand-in numbers that then become the places of a format string. Any other argument is
reversed as usual.

Reading the URLconf and the script prefix (thread- and task-local values) was then most of
what an address cost, some 15 µs of 22: `url_where(request)` reads them once per request,
for the `{% cached_url %}` tag (caseaudit/site/templatetags/header.py) to pass as `where`.
"""

import functools

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

STAND_INS = ("9876543210", "9876543211", "9876543212")

Where = tuple[str | None, str]

_WHERE_ATTRIBUTE = "_caseaudit_url_where"


def url_where(request) -> Where:
    """The URLconf and script prefix addresses are reversed with in this request: read once
    (Django sets both at the start of a request, and nothing here changes them after)."""
    where = request.__dict__.get(_WHERE_ATTRIBUTE)
    if where is None:
        where = request.__dict__[_WHERE_ATTRIBUTE] = _where_now()
    return where


def _where_now() -> Where:
    return get_urlconf(settings.ROOT_URLCONF), get_script_prefix()


def reverse_cached(name: str, *args, where: Where | None = None) -> str:
    if len(args) > len(STAND_INS) or not all(type(arg) is int for arg in args):
        return reverse(name, args=args)
    pattern = _pattern(name, len(args), *(where or _where_now()))
    if pattern is None:
        return reverse(name, args=args)
    return pattern.format(*args) if args else pattern


@functools.lru_cache(maxsize=512)
def _pattern(name: str, count: int, urlconf: str | None, prefix: str) -> str | None:
    """The address as a format string whose places `{0}`... take the `count` ids (without
    ids, the address itself); None when that cannot be used (a pattern that refuses the
    stand-ins, or shows one more than once)."""
    try:
        address = reverse(name, urlconf=urlconf, args=[int(s) for s in STAND_INS[:count]])
    except NoReverseMatch:
        return None
    if not count:
        return address
    if any(address.count(stand_in) != 1 for stand_in in STAND_INS[:count]):
        return None
    pattern = address.replace("{", "{{").replace("}", "}}")
    for place, stand_in in enumerate(STAND_INS[:count]):
        pattern = pattern.replace(stand_in, "{" + str(place) + "}")
    return pattern
