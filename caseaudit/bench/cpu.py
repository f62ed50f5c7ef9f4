"""CPU time per request of the pages `make bench` loads under gunicorn, measured in-process
(Django's test client through the whole middleware, production settings), so that a machine
shared with other work still gives figures worth comparing:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseaudit_bench_county \\
        REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python caseaudit/bench/cpu.py [n] [page ...]

For each page (as the demo user `make bench` uses for it), over n requests (200) after 5
warm-ups: CPU ms per request (this process only: the database server's work is not in it),
wall ms per request and the queries per request. BENCH_CPU_SQL=1 lists each query with its
time (its first BENCH_CPU_SQL_WIDTH characters, 150); BENCH_CPU_PROFILE=1 prints a CPU-time
profile per page (BENCH_CPU_FILTER: a regular expression on the functions listed by
cumulative time).
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    from caseaudit.bench.run import _Measure, bench_env

    os.environ.update(bench_env(os.environ["DATABASE_URL"]))
    import django

    django.setup()
    from django.db import connection

    requests = int(argv[0]) if argv else 200
    wanted = set(argv[1:])
    m = _Measure("county")
    for name, role, path in m.gunicorn_pages():
        if wanted and name not in wanted:
            continue
        client = m.client(role)
        for _ in range(5):  # warm the caches (templates, the session, the connection)
            if client.get(path).status_code != 200:
                raise SystemExit(f"{name}: {path} did not answer 200")
        queries = _queries(connection, lambda: client.get(path))  # noqa: B023
        profiler = None
        if os.environ.get("BENCH_CPU_PROFILE") == "1":
            import cProfile

            profiler = cProfile.Profile(time.process_time)  # CPU, not waits
            profiler.enable()
        cpu, wall = page_cost(client, path, requests)
        if profiler:
            profiler.disable()
        print(
            f"{name}: cpu {cpu:.2f} ms/request, wall {wall:.2f} ms/request, {len(queries)} queries",
            flush=True,
        )
        if os.environ.get("BENCH_CPU_SQL") == "1":
            width = int(os.environ.get("BENCH_CPU_SQL_WIDTH", "150"))
            for seconds, sql in queries:
                print(f"    {seconds * 1000:6.2f} ms  {sql[:width]}")
        if profiler:
            import pstats

            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(os.environ.get("BENCH_CPU_FILTER", ""), 40)
            stats.sort_stats("tottime").print_stats(25)


def page_cost(client, path: str, requests: int) -> tuple[float, float]:
    """CPU and wall milliseconds per request of `requests` GETs of `path` by `client`."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        client.get(path)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / requests * 1000, wall / requests * 1000


def _queries(connection, request) -> list[tuple[float, str]]:
    """(seconds, SQL) of each query `request()` runs."""
    queries = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(timed):
        request()
    return queries


if __name__ == "__main__":
    main(sys.argv[1:])
