"""The Redis cache backend (caseaudit/core/cache.py): Django's, with one client per pool."""

import socket
import uuid

import pytest

from caseaudit.core.cache import RedisCache


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_one_client_for_every_call_and_the_cache_works():
    if not redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    cache = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    client = cache._cache.get_client()
    assert cache._cache.get_client("any key") is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool, one client
    cache.set("session", {"user": 1}, 30)
    assert cache.get("session") == {"user": 1}
    assert cache.add("session-count", 1, 30)  # a counter, as the rate limits keep them
    assert cache.incr("session-count") == 2
    cache.delete_many(["session", "session-count"])
    assert cache.get("session") is None


def test_a_client_per_server_when_reads_go_elsewhere():
    cache = RedisCache(
        "redis://127.0.0.1:6379/0,redis://127.0.0.1:6379/1", {"KEY_PREFIX": "never-used"}
    )
    writer = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is writer
    assert cache._cache.get_client() is not writer  # reads from the second server's pool
    assert cache._cache.get_client() is cache._cache.get_client()
