"""Shoplet's Redis pools ride out a dropped connection instead of answering 500.

A TCP front on a free port closes the first connection it accepts (what a client sees when Redis
restarts or its accept queue overflows) and forwards every later one to the real Redis.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shoplet.core.redis_pool import blocking_pool
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs SHOPLET_TEST_REDIS_URL")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
async def flaky_front() -> AsyncIterator[tuple[str, list[int]]]:
    """A URL whose first connection is dropped; the list counts the connections accepted."""
    assert REDIS_URL is not None
    real = urlsplit(REDIS_URL)
    accepted: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        if len(accepted) == 1:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(real.hostname, real.port or 6379)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}{real.path or '/0'}", accepted
    finally:
        server.close()


async def test_a_dropped_connection_is_retried(flaky_front: tuple[str, list[int]]) -> None:
    url, accepted = flaky_front
    redis = Redis(connection_pool=blocking_pool(url, max_connections=4, timeout=5))
    try:
        assert await redis.ping() is True
    finally:
        await redis.aclose()
    assert len(accepted) == 2


async def test_a_pool_without_the_policy_fails_on_the_same_drop(
    flaky_front: tuple[str, list[int]],
) -> None:
    # The front is faithful: redis-py's own pool, with no retry policy, fails on it.
    url, _ = flaky_front
    redis = Redis(connection_pool=BlockingConnectionPool.from_url(url, max_connections=4))
    try:
        with pytest.raises(RedisConnectionError):
            await redis.ping()
    finally:
        await redis.aclose()
