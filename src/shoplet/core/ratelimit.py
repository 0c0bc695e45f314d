"""Rate limits on the ``limits`` library: moving windows in Redis, or in memory when embedded."""

from __future__ import annotations

import time
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisClusterStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from shoplet.core.errors import RateLimited
from shoplet.core.redis_pool import blocking_pool, is_cluster_url


class RateLimiter:
    def __init__(
        self, redis_url: str | None, *, redis_prefix: str = "shoplet:", max_connections: int = 256
    ) -> None:
        storage: Storage
        if redis_url:
            # Keys are ``<redis_prefix>ratelimit:<limit>/<key>`` (limits adds the colon). A
            # blocking pool: past ``max_connections`` concurrent checks wait for a connection
            # (redis-py's default pool of 100 raises instead, a 500 under a burst).
            if is_cluster_url(redis_url):
                # ``limits`` speaks the same ``redis+cluster://`` scheme; its scripts use one
                # key each, so any slot will do.
                storage = RedisClusterStorage(
                    "async+redis+cluster://" + redis_url.split("://", 1)[1],
                    implementation="redispy",
                    key_prefix=f"{redis_prefix}ratelimit",
                    max_connections=max_connections,
                    **({"ssl": True} if redis_url.lower().startswith("rediss") else {}),
                )
            else:
                pool: dict[str, Any] = {
                    "connection_pool": blocking_pool(
                        redis_url, max_connections=max_connections, timeout=5
                    )
                }
                storage = RedisStorage(
                    "async+" + redis_url,
                    implementation="redispy",
                    key_prefix=f"{redis_prefix}ratelimit",
                    **pool,
                )
        else:
            storage = MemoryStorage()
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._parsed: dict[str, list[RateLimitItem]] = {}

    def _items(self, spec: str) -> list[RateLimitItem]:
        items = self._parsed.get(spec)
        if items is None:
            items = self._parsed[spec] = list(parse_many(spec))
        return items

    async def hit(self, spec: str, *key: str, detail: str = "Too many requests") -> None:
        """Count one hit against every limit in ``spec`` ("5/minute;20/hour"); 429 when over.

        Every window is checked before any is charged, so a refused request costs nothing.
        """
        items = self._items(spec)
        for item in items:
            if not await self._limiter.test(item, *key):
                stats = await self._limiter.get_window_stats(item, *key)
                raise RateLimited(detail, retry_after=int(stats.reset_time - time.time()) + 1)
        for item in items:
            await self._limiter.hit(item, *key)

    async def acquire(self, spec: str, *key: str) -> bool:
        """Take one hit of a single-limit ``spec`` ("600/minute") if the window has room.

        Unlike :meth:`hit`, test and charge are one step (one Lua script on Redis, one
        uninterrupted coroutine step in memory), so under N concurrent callers exactly the
        limit pass. Only the first limit of ``spec`` counts."""
        return await self._limiter.hit(self._items(spec)[0], *key)

    async def reset(self) -> None:
        await self.storage.reset()
