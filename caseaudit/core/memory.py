"""The garbage collector of a serving process (`caseaudit.wsgi`, and `make bench`'s measuring
process, which stands for it).

CPython's default thresholds (700, 10, 10) run a full collection every few report requests
at the national scale, and a full collection walks every object the process holds: Django,
the app's modules and caches, some 185,000 objects, before the request's own. Measured on a
report tab: every fourth request took 90 ms longer (p95 221 ms against a median of 133).

- `gc.freeze()` once the application is loaded moves everything alive then (modules,
  settings, URL patterns, templates compiled so far) out of the collector's sight: it is
  never garbage, and walking it was most of a full collection's time. Called in each worker
  as it imports the WSGI module (after gunicorn forks), the frozen objects are also not
  touched, so the pages the workers share with the master stay shared.
- A young generation of 10,000 objects rather than 700: a report request allocates hundreds
  of thousands of short-lived rows and cells; collecting them every 700 allocations was time
  spent on objects about to be freed by reference counting anyway.

With both, the same tab's p95 was 135 ms (median 125). Memory: cyclic garbage lives a little
longer before it is collected (at most 10,000 young objects at a time)."""

import gc

YOUNG_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    """Freeze what is alive now and raise the young generation's threshold (see above)."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
