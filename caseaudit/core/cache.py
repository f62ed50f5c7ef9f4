"""Django's Redis cache with one Redis client per connection pool, made once.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` object for every cache call
(it then borrows a connection from the pool, which is kept). Making that object fills a table
of a few hundred response callbacks: most of the cost of a session read from the cache, paid on
every signed-in request (`make bench`). A `redis.Redis` object is safe to share between
threads (each command takes a connection from the pool) and redis-py's pool notices a fork,
so one per pool for the life of the process is enough.

settings.CACHES uses it when REDIS_URL is set.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
