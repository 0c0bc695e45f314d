"""The one way Shoplet builds a Redis connection pool."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# redis-py retries a client it builds itself (10 times, 10 ms to 1 s apart), but a client built
# on a pool takes the pool's policy, which is "never": one connect that misses its 5-second
# window (a SYN dropped while Redis's accept queue is full retries only after 1 s, then 3 s)
# became a 500. Three tries 10 ms–1 s apart ride that out and still fail fast when Redis is down.
_RETRIES = 3


def blocking_pool(url: str, *, max_connections: int, timeout: float) -> BlockingConnectionPool:
    """A bounded pool: past ``max_connections`` callers wait up to ``timeout`` seconds for a
    connection instead of failing with "Too many connections" (the default pool raises)."""
    retry = Retry(
        ExponentialWithJitterBackoff(base=0.01, cap=1.0),
        _RETRIES,
        supported_errors=(RedisConnectionError, RedisTimeoutError),
    )
    return BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout, retry=retry
    )
