"""The room store's comment limit and counters, embedded (the memory twin, clock injected) and
on Redis (the Lua scripts): 1 per gap, N a minute, a refusal charges nothing, presence counts
online, distinct viewers and the peak."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shoplet.modules.live.store import MemoryRoomStore, RedisRoomStore, RoomStore
from tests.conftest import BackendDb


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_020.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis_store(backend_db: BackendDb) -> AsyncIterator[RedisRoomStore]:
    if backend_db.redis_url is None:
        pytest.skip("no Redis in embedded mode")
    redis = Redis.from_url(backend_db.redis_url)
    store = RedisRoomStore(redis, f"{backend_db.redis_prefix}store-test:")
    yield store
    keys = [k async for k in redis.scan_iter(match=f"{backend_db.redis_prefix}store-test:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_the_memory_limit_allows_one_per_gap_and_n_a_minute() -> None:
    clock = Clock()
    store = MemoryRoomStore(clock)
    assert await store.take_comment(1, 7, gap=3, per_minute=3) == "ok"
    assert await store.take_comment(1, 7, gap=3, per_minute=3) == "too_fast"
    assert await store.take_comment(1, 8, gap=3, per_minute=3) == "ok"  # another shopper
    assert await store.take_comment(2, 7, gap=3, per_minute=3) == "ok"  # another room
    for _ in range(2):
        clock.now += 3
        assert await store.take_comment(1, 7, gap=3, per_minute=3) == "ok"
    clock.now += 3
    assert await store.take_comment(1, 7, gap=3, per_minute=3) == "minute_full"
    clock.now += 3  # a refusal charged nothing: still only the minute that is full
    assert await store.take_comment(1, 7, gap=3, per_minute=3) == "minute_full"
    clock.now += 60
    assert await store.take_comment(1, 7, gap=3, per_minute=3) == "ok"


async def _presence(store: RoomStore) -> None:
    assert (await store.join(5, 1)).online == 1
    assert (await store.join(5, 1)).viewers == 1  # two tabs: one viewer
    joined = await store.join(5, 2)
    assert (joined.online, joined.viewers, joined.peak) == (3, 2, 3)
    assert await store.add_likes(5, 4) == 4
    await store.leave(5)
    left = await store.leave(5)
    assert (left.online, left.viewers, left.likes, left.peak) == (1, 2, 4, 3)


async def test_memory_presence() -> None:
    await _presence(MemoryRoomStore())


async def test_redis_presence_and_limit(redis_store: RedisRoomStore) -> None:
    await _presence(redis_store)
    assert await redis_store.take_comment(9, 1, gap=3, per_minute=20) == "ok"
    assert await redis_store.take_comment(9, 1, gap=3, per_minute=20) == "too_fast"
    for _ in range(2):
        assert await redis_store.take_comment(9, 2, gap=0, per_minute=2) == "ok"
    assert await redis_store.take_comment(9, 2, gap=0, per_minute=2) == "minute_full"
