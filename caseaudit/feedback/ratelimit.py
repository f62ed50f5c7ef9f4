"""Rate limits on the public feedback pages, counted in Django's cache (no new dependency).

A fixed window per key: the first hit creates the counter with the window as its timeout, the
others increment it. Over the limit, the page answers 429 whatever the token (so a limit says
nothing about whether a token exists). The limits are settings, as "count/seconds":
FEEDBACK_RATE_PER_ADDRESS (every public feedback request from one address) and
FEEDBACK_RATE_PER_TOKEN (requests for one link, from any address).
"""

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {
    "FEEDBACK_RATE_PER_ADDRESS": "60/600",
    "FEEDBACK_RATE_PER_TOKEN": "20/3600",  # nosec B105  # a rate, not a password
}


def _limit(name: str) -> tuple[int, int]:
    count, seconds = str(getattr(settings, name, DEFAULTS[name])).split("/")
    return int(count), int(seconds)


def _over(key: str, name: str) -> bool:
    limit, window = _limit(name)
    cache_key = f"feedback-rate:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return limit < 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        count = 1
    return count > limit


def rate_limited(*, address: str, digest: str) -> bool:
    """Count one public request from `address` for the link `digest` ("" for none): whether
    either limit is now exceeded."""
    over = _over(f"addr:{address or 'unknown'}", "FEEDBACK_RATE_PER_ADDRESS")
    if digest:
        over = _over(f"token:{digest}", "FEEDBACK_RATE_PER_TOKEN") or over
    return over
