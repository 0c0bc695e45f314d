"""L1 refresh-ahead: a hit near its entry's expiry renews it in the background; nobody waits.

The cache's clock is injected (``Cache(clock=...)``), so "near expiry" is reached by moving a
number, never by sleeping; each loader blocks on an event the test releases, which proves that
the requests were answered while the refresh was still loading.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from shoplet.core.cache import Cache, CachedBody, strong_etag
from shoplet.core.context import AppContext
from shoplet.core.observability import Metrics

TTL = 10.0  # jitter 0: refresh from 8 s (the last fifth), L1 expiry at 10 s
N = 50


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class GatedLoader:
    """Counts its calls; each call returns ``value`` once ``gate`` is set."""

    def __init__(self, value: bytes) -> None:
        self.value = value
        self.calls = 0
        self.gate = asyncio.Event()
        self.called = asyncio.Event()

    async def __call__(self) -> bytes:
        self.calls += 1
        self.called.set()
        await self.gate.wait()
        return self.value

    async def wait_called(self) -> None:
        """Until the background refresh has reached the loader (it runs as a task of its own)."""
        await asyncio.wait_for(self.called.wait(), timeout=30)


def refreshes(metrics: Metrics, namespace: str) -> float:
    value = metrics.registry.get_sample_value(
        "shoplet_cache_requests_total",
        {"namespace": namespace, "level": "l1", "result": "refresh"},
    )
    return value or 0.0


@pytest.fixture
async def make_cache() -> AsyncIterator[Callable[[Clock], Awaitable[Cache]]]:
    """An in-process cache (L1 only) with an injected clock."""
    made: list[Cache] = []

    async def make(clock: Clock) -> Cache:
        cache = Cache(None, Metrics(), jitter=0.0, clock=clock)
        await cache.start()
        made.append(cache)
        return cache

    yield make
    for cache in made:
        await cache.stop()


@pytest.fixture
async def make_replica(
    ctx: AppContext,
) -> AsyncIterator[Callable[[Clock], Awaitable[Cache]]]:
    """A replica's cache on the test's Redis (L1 + L2 + channel) with an injected clock."""
    if ctx.redis is None:
        pytest.skip("needs the Redis tier")
    made: list[Cache] = []

    async def make(clock: Clock) -> Cache:
        cache = Cache(
            ctx.redis, Metrics(), namespace=ctx.settings.redis_prefix, jitter=0.0, clock=clock
        )
        await cache.start()
        made.append(cache)
        return cache

    yield make
    for cache in made:
        await cache.stop()


async def all_answer(cache: Cache, key: int, loader: GatedLoader) -> list[CachedBody]:
    """N concurrent reads of ``key``; they must all be answered without the gate being opened
    (the timeout only turns a bug into a failure instead of a hang)."""
    reads = (cache.get_or_load_entry("product", key, loader, ttl=TTL) for _ in range(N))
    return await asyncio.wait_for(asyncio.gather(*reads), timeout=30)


async def test_concurrent_hits_at_expiry_make_one_load_and_none_waits(
    make_cache: Callable[[Clock], Awaitable[Cache]],
) -> None:
    clock = Clock()
    cache = await make_cache(clock)
    first = GatedLoader(b'{"v":1}')
    first.gate.set()
    assert (await cache.get_or_load_entry("product", 1, first, ttl=TTL)).body == b'{"v":1}'

    clock.now += 9.0  # inside the refresh window, before the entry expires
    second = GatedLoader(b'{"v":2}')
    answers = await all_answer(cache, 1, second)

    assert {a.body for a in answers} == {b'{"v":1}'}  # the current bytes, at once
    assert all(a.etag == strong_etag(b'{"v":1}') for a in answers)
    await second.wait_called()
    assert second.calls == 1  # one refresh for N requests
    assert not second.gate.is_set()  # ...still loading while every request was answered

    second.gate.set()
    await cache.drain()
    renewed = GatedLoader(b'{"v":3}')
    assert (await cache.get_or_load_entry("product", 1, renewed, ttl=TTL)).body == b'{"v":2}'
    assert renewed.calls == 0  # the refreshed entry starts a new life: no second refresh
    assert refreshes(cache.metrics, "product") == 1


async def test_no_refresh_before_the_window(
    make_cache: Callable[[Clock], Awaitable[Cache]],
) -> None:
    clock = Clock()
    cache = await make_cache(clock)
    loader = GatedLoader(b"a")
    loader.gate.set()
    await cache.get_or_load_entry("product", 2, loader, ttl=TTL)
    clock.now += 7.9
    for _ in range(N):
        await cache.get_or_load_entry("product", 2, loader, ttl=TTL)
    await cache.drain()
    assert loader.calls == 1


async def test_a_failed_refresh_keeps_serving_and_the_next_hit_retries(
    make_cache: Callable[[Clock], Awaitable[Cache]],
) -> None:
    clock = Clock()
    cache = await make_cache(clock)
    ok = GatedLoader(b"old")
    ok.gate.set()
    await cache.get_or_load_entry("product", 3, ok, ttl=TTL)
    clock.now += 9.0
    calls = 0

    async def failing() -> bytes:
        nonlocal calls
        calls += 1
        raise RuntimeError("database down")

    assert (await cache.get_or_load_entry("product", 3, failing, ttl=TTL)).body == b"old"
    await cache.drain()
    assert calls == 1
    fixed = GatedLoader(b"new")
    fixed.gate.set()
    assert (await cache.get_or_load_entry("product", 3, fixed, ttl=TTL)).body == b"old"
    await cache.drain()
    assert fixed.calls == 1
    assert (await cache.get_or_load_entry("product", 3, fixed, ttl=TTL)).body == b"new"


async def test_an_invalidation_during_a_refresh_keeps_its_stale_result_out(
    make_cache: Callable[[Clock], Awaitable[Cache]],
) -> None:
    clock = Clock()
    cache = await make_cache(clock)
    first = GatedLoader(b"v1")
    first.gate.set()
    await cache.get_or_load_entry("product", 4, first, ttl=TTL)
    clock.now += 9.0
    racing = GatedLoader(b"read before the write")
    await cache.get_or_load_entry("product", 4, racing, ttl=TTL)
    await racing.wait_called()
    await cache.invalidate("product", 4)  # a write commits while the refresh is loading
    racing.gate.set()
    await cache.drain()
    after = GatedLoader(b"v2")
    after.gate.set()
    assert (await cache.get_or_load_entry("product", 4, after, ttl=TTL)).body == b"v2"
    assert after.calls == 1


async def test_with_redis_one_replica_renews_l2_and_the_others_take_it(
    make_replica: Callable[[Clock], Awaitable[Cache]], ctx: AppContext
) -> None:
    assert ctx.redis is not None
    clock = Clock()
    one, two = await make_replica(clock), await make_replica(clock)
    first = GatedLoader(b"v1")
    first.gate.set()
    await one.get_or_load_entry("product", 5, first, ttl=TTL)
    await two.get_or_load_entry("product", 5, first, ttl=TTL)  # from L2
    assert first.calls == 1
    # L2 about to expire as well (its TTL runs on Redis' clock, not the injected one).
    l2_key = ctx.settings.redis_key(f"cache:v:{one.full_key('product', 5)}")
    await ctx.redis.pexpire(l2_key, 1000)
    clock.now += 9.0

    loader = GatedLoader(b"v2")
    answers = await all_answer(one, 5, loader)
    assert {a.body for a in answers} == {b"v1"}
    await loader.wait_called()
    assert loader.calls == 1
    loader.gate.set()
    await one.drain()
    assert await ctx.redis.pttl(l2_key) > 0.2 * TTL * 1000  # renewed for every replica

    # The other replica's refresh finds the renewed L2 entry and loads nothing.
    assert (await two.get_or_load_entry("product", 5, loader, ttl=TTL)).body == b"v1"
    await two.drain()
    assert loader.calls == 1
    assert (await two.get_or_load_entry("product", 5, loader, ttl=TTL)).body == b"v2"


async def test_l1_filled_from_l2_lives_no_longer_than_l2_has_left(
    make_replica: Callable[[Clock], Awaitable[Cache]], ctx: AppContext
) -> None:
    assert ctx.redis is not None
    clock = Clock()
    one, two = await make_replica(clock), await make_replica(clock)
    loader = GatedLoader(b"v1")
    loader.gate.set()
    await one.get_or_load_entry("product", 6, loader, ttl=TTL)
    l2_key = ctx.settings.redis_key(f"cache:v:{one.full_key('product', 6)}")
    await ctx.redis.pexpire(l2_key, 3000)
    entry = await two.get_or_load_entry("product", 6, loader, ttl=TTL)
    assert clock.now < entry.stale_at <= clock.now + 3
    # Kept one refresh window (the last fifth of the TTL) longer, for a refresh in flight.
    assert 0 < await two.l1.get_expire(one.full_key("product", 6)) <= 3 + 0.2 * TTL


def test_refresh_ahead_must_leave_part_of_the_life() -> None:
    with pytest.raises(ValueError, match="refresh_ahead"):
        Cache(None, refresh_ahead=1.0)


async def test_an_entry_from_l2_near_its_end_refreshes_with_the_whole_window_left(
    make_replica: Callable[[Clock], Awaitable[Cache]], ctx: AppContext
) -> None:
    """The refresh window is the last fifth of the TTL (2 s here), not of what the L2 entry had
    left: an entry taken from L2 with 3 s left starts refreshing after 1 s, not after 2.4 s
    (which left 0.6 s for a refresh waiting on another replica's lease)."""
    assert ctx.redis is not None
    clock = Clock()
    one, two = await make_replica(clock), await make_replica(clock)
    first = GatedLoader(b"v1")
    first.gate.set()
    await one.get_or_load_entry("product", 7, first, ttl=TTL)
    l2_key = ctx.settings.redis_key(f"cache:v:{one.full_key('product', 7)}")
    await ctx.redis.pexpire(l2_key, 3000)
    entry = await two.get_or_load_entry("product", 7, first, ttl=TTL)
    assert first.calls == 1
    assert clock.now + 0.9 <= entry.refresh_at <= clock.now + 1.0
    clock.now += 1.0
    await ctx.redis.pexpire(l2_key, 1900)  # Redis' clock moves on too
    loader = GatedLoader(b"v2")
    answers = await all_answer(two, 7, loader)
    assert {a.body for a in answers} == {b"v1"}
    await loader.wait_called()  # renewing while the entry still has 2 s to go
    loader.gate.set()
    await two.drain()
    assert (await two.get_or_load_entry("product", 7, loader, ttl=TTL)).body == b"v2"


async def test_past_its_ttl_an_entry_answers_only_while_its_refresh_runs(
    make_cache: Callable[[Clock], Awaitable[Cache]],
) -> None:
    clock = Clock()
    cache = await make_cache(clock)
    first = GatedLoader(b"v1")
    first.gate.set()
    await cache.get_or_load_entry("product", 8, first, ttl=TTL)
    clock.now += 9.0  # in the window: a refresh starts, the loader stays blocked
    loader = GatedLoader(b"v2")
    assert {a.body for a in await all_answer(cache, 8, loader)} == {b"v1"}
    await loader.wait_called()
    clock.now += 1.5  # past the TTL, the refresh still running: still answered, no wait
    assert {a.body for a in await all_answer(cache, 8, loader)} == {b"v1"}
    assert loader.calls == 1
    loader.gate.set()
    await cache.drain()
    assert (await cache.get_or_load_entry("product", 8, loader, ttl=TTL)).body == b"v2"

    # Past the TTL with no refresh running (none was started in time): a miss, loaded afresh.
    clock.now += TTL + 0.5
    third = GatedLoader(b"v3")
    third.gate.set()
    assert (await cache.get_or_load_entry("product", 8, third, ttl=TTL)).body == b"v3"
    assert third.calls == 1
