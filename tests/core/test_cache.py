"""The two-level cache on both backends: embedded (L1 only) and Redis (L1 + L2 + channel)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from pydantic import BaseModel
from sqlalchemy import text

from shoplet.core.cache import (
    Cache,
    cache_for,
    invalidate_after_commit,
    jittered_ttl,
    to_json_bytes,
)
from shoplet.core.context import AppContext
from shoplet.core.observability import Metrics
from tests.conftest import StatementCounter


class Counter:
    """A loader that counts its calls and returns what it is told to."""

    def __init__(self, value: bytes | None = b'{"v":1}', delay: float = 0.0) -> None:
        self.value = value
        self.delay = delay
        self.calls = 0

    async def __call__(self) -> bytes | None:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.value


def requests_total(metrics: Metrics, namespace: str, level: str, result: str) -> float:
    value = metrics.registry.get_sample_value(
        "shoplet_cache_requests_total",
        {"namespace": namespace, "level": level, "result": result},
    )
    return value or 0.0


@pytest.fixture
async def cache(ctx: AppContext) -> AsyncIterator[Cache]:
    await ctx.cache.start()
    yield ctx.cache
    await ctx.cache.stop()


@pytest.fixture
async def make_peer(ctx: AppContext) -> AsyncIterator[Callable[[], Awaitable[Cache]]]:
    """Another replica: its own L1 and metrics, the same Redis (L2 and channel)."""
    peers: list[Cache] = []

    async def make() -> Cache:
        peer = Cache(ctx.redis, Metrics(), namespace=ctx.settings.redis_prefix)
        await peer.start()
        peers.append(peer)
        return peer

    yield make
    for peer in peers:
        await peer.stop()


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 1.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < within:
        if await check():
            return time.monotonic() - start
        await asyncio.sleep(0.01)
    raise AssertionError(f"not true within {within}s")


async def test_second_read_is_an_l1_hit(cache: Cache, ctx: AppContext, backend: str) -> None:
    loader = Counter(b'{"id":7}')
    assert await cache.get_or_load("product", 7, loader) == b'{"id":7}'
    assert await cache.get_or_load("product", 7, loader) == b'{"id":7}'
    assert await cache.get_or_load("product", "7", loader) == b'{"id":7}'
    assert loader.calls == 1
    assert requests_total(ctx.metrics, "product", "l1", "miss") == 1
    assert requests_total(ctx.metrics, "product", "l1", "hit") == 2
    expected_l2_misses = 1 if backend == "postgres" else 0
    assert requests_total(ctx.metrics, "product", "l2", "miss") == expected_l2_misses


async def test_pydantic_models_are_serialised_once(cache: Cache) -> None:
    class Product(BaseModel):
        id: int
        title: str
        price: int

    calls = 0

    async def load() -> Product:
        nonlocal calls
        calls += 1
        return Product(id=1, title="纯棉T恤", price=5900)

    first = await cache.get_or_load_model("product", 1, load, Product)
    second = await cache.get_or_load("product", 1, load)
    assert first == Product(id=1, title="纯棉T恤", price=5900)
    assert second == '{"id":1,"title":"纯棉T恤","price":5900}'.encode()
    assert calls == 1
    assert to_json_bytes({"items": [Product(id=2, title="a", price=1)]}) == (
        b'{"items":[{"id":2,"title":"a","price":1}]}'
    )


async def test_100_concurrent_misses_run_the_loader_once(cache: Cache) -> None:
    loader = Counter(b"[1,2,3]", delay=0.05)
    results = await asyncio.gather(*(cache.get_or_load("list", "p1", loader) for _ in range(100)))
    assert loader.calls == 1
    assert results == [b"[1,2,3]"] * 100


async def test_concurrent_misses_share_the_loader_error_and_do_not_cache_it(cache: Cache) -> None:
    calls = 0

    async def failing() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        raise RuntimeError("database down")

    results = await asyncio.gather(
        *(cache.get_or_load("product", 3, failing) for _ in range(20)), return_exceptions=True
    )
    assert calls == 1
    assert all(isinstance(r, RuntimeError) and str(r) == "database down" for r in results)
    loader = Counter(b"ok")
    assert await cache.get_or_load("product", 3, loader) == b"ok"
    assert loader.calls == 1


async def test_waiters_take_over_when_the_loading_request_is_cancelled(cache: Cache) -> None:
    started = asyncio.Event()
    calls = 0

    async def slow() -> bytes:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.sleep(0.05)
        return b"loaded"

    leader = asyncio.create_task(cache.get_or_load("product", 5, slow))
    await started.wait()
    waiter = asyncio.create_task(cache.get_or_load("product", 5, slow))
    await asyncio.sleep(0)
    leader.cancel()
    assert await waiter == b"loaded"
    with pytest.raises(asyncio.CancelledError):
        await leader
    assert calls == 2


async def test_not_found_is_cached_briefly_so_unknown_ids_skip_the_database(
    cache: Cache, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    async def load_missing() -> bytes | None:
        async with ctx.sessionmaker() as session:
            row = (await session.execute(text("SELECT 1 WHERE 1 = 0"))).first()
        return None if row is None else b"found"

    for _ in range(10):
        assert await cache.get_or_load("product", 999_999, load_missing, negative_ttl=0.3) is None
    assert sql_counter.count == 1
    await asyncio.sleep(0.4)  # > 0.3 s * 1.1 jitter: the negative entry has expired
    assert await cache.get_or_load("product", 999_999, load_missing, negative_ttl=0.3) is None
    assert sql_counter.count == 2


async def test_values_expire_after_their_ttl(cache: Cache) -> None:
    loader = Counter(b"v")
    await cache.get_or_load("product", 1, loader, ttl=0.2)
    await asyncio.sleep(0.3)
    await cache.get_or_load("product", 1, loader, ttl=0.2)
    assert loader.calls == 2


def test_jitter_stays_within_ten_percent_and_spreads() -> None:
    rng = random.Random(42)
    samples = [jittered_ttl(100.0, rng=rng) for _ in range(10_000)]
    assert min(samples) >= 90.0
    assert max(samples) <= 110.0
    assert min(samples) < 91.0
    assert max(samples) > 109.0
    bins = [0] * 10  # uniform over the band: each 2-second bin holds about a tenth
    for sample in samples:
        bins[min(int((sample - 90.0) / 2.0), 9)] += 1
    assert all(800 <= count <= 1200 for count in bins)
    with pytest.raises(ValueError, match="positive"):
        jittered_ttl(0)


async def test_stored_ttls_are_jittered(cache: Cache, ctx: AppContext, backend: str) -> None:
    start = time.monotonic()
    for key in range(50):
        await cache.get_or_load("product", key, Counter(b"v"), ttl=1000)
        await cache.get_or_load("missing", key, Counter(None), negative_ttl=100)
    l1_ttls = [await cache.l1.get_expire(f"product:{key}") for key in range(50)]
    l1_negative = [await cache.l1.get_expire(f"missing:{key}") for key in range(50)]
    # Remaining whole seconds: the time these loops took (a loaded machine) comes off the floor.
    slack = int(time.monotonic() - start) + 1
    # L1 keeps an entry one refresh window (the last fifth of the TTL) past its TTL, answering
    # from it only while its refresh runs (tests/core/test_cache_refresh.py).
    assert all(900 - slack <= t - 200 <= 1100 for t in l1_ttls)
    assert len(set(l1_ttls)) > 10
    assert all(90 - slack <= t - 20 <= 110 for t in l1_negative)
    if backend == "postgres":
        assert ctx.redis is not None
        l2_ttls = [
            await ctx.redis.pttl(ctx.settings.redis_key(f"cache:v:product:{key}"))
            for key in range(50)
        ]
        assert all(900_000 - slack * 1000 <= t <= 1_100_000 for t in l2_ttls)
        assert len(set(l2_ttls)) > 10


async def test_l1_is_bounded_and_evicts_the_least_recently_used() -> None:
    cache = Cache(None, Metrics(), l1_size=5)
    loaders = {key: Counter(f"v{key}".encode()) for key in range(6)}
    for key in range(5):
        await cache.get_or_load("product", key, loaders[key])
    await cache.get_or_load("product", 0, loaders[0])  # 0 is now the most recently used
    await cache.get_or_load("product", 5, loaders[5])  # evicts 1
    assert await cache.l1.get_keys_count() == 5
    await cache.get_or_load("product", 0, loaders[0])
    await cache.get_or_load("product", 1, loaders[1])
    assert loaders[0].calls == 1
    assert loaders[1].calls == 2


async def test_unsafe_keys_are_hashed_and_namespaces_checked(cache: Cache) -> None:
    loader = Counter(b"page")
    query = "category_id=3&q=手机 壳&sort=sales"
    assert await cache.get_or_load("product_list", query, loader) == b"page"
    assert await cache.get_or_load("product_list", query, loader) == b"page"
    assert loader.calls == 1
    full = cache.full_key("product_list", query)
    assert full.startswith("product_list:h.")
    assert len(full) == len("product_list:h.") + 32
    assert cache.full_key("product", 12) == "product:12"
    for bad in ("", "Product", "a:b", "a*", "x" * 49):
        with pytest.raises(ValueError, match="namespace"):
            await cache.get_or_load(bad, 1, loader)
    with pytest.raises(ValueError, match="positive"):
        await cache.get_or_load("product", 1, loader, ttl=0)
    with pytest.raises(ValueError, match="positive"):
        await cache.get_or_load("product", 1, loader, negative_ttl=-1)
    assert loader.calls == 1


async def test_invalidate_drops_one_key(cache: Cache) -> None:
    one, two = Counter(b"1"), Counter(b"2")
    await cache.get_or_load("product", 1, one)
    await cache.get_or_load("product", 2, two)
    await cache.invalidate("product", 1)
    await cache.get_or_load("product", 1, one)
    await cache.get_or_load("product", 2, two)
    assert (one.calls, two.calls) == (2, 1)


async def test_invalidate_namespace_drops_only_that_namespace(cache: Cache) -> None:
    pages = [Counter(b"page") for _ in range(3)]
    tree = Counter(b"tree")
    for number, loader in enumerate(pages):
        await cache.get_or_load("product_list", f"page={number}", loader)
    await cache.get_or_load("category", "tree", tree)
    await cache.invalidate_namespace("product_list")
    for number, loader in enumerate(pages):
        await cache.get_or_load("product_list", f"page={number}", loader)
    await cache.get_or_load("category", "tree", tree)
    assert [p.calls for p in pages] == [2, 2, 2]
    assert tree.calls == 1


async def test_a_load_that_raced_an_invalidation_is_not_cached(cache: Cache) -> None:
    """The loader read the old row, then the row changed and was invalidated: the stale value
    is returned to its caller but kept neither in L1 nor (lease revoked) in L2."""
    release = asyncio.Event()

    async def stale() -> bytes:
        await release.wait()
        return b"old"

    in_flight = asyncio.create_task(cache.get_or_load("product", 1, stale))
    await asyncio.sleep(0.02)
    await cache.invalidate("product", 1)
    release.set()
    assert await in_flight == b"old"
    fresh = Counter(b"new")
    assert await cache.get_or_load("product", 1, fresh) == b"new"
    assert fresh.calls == 1


async def test_invalidate_after_commit_runs_on_commit_only(cache: Cache, ctx: AppContext) -> None:
    loader = Counter(b"v1")
    await cache.get_or_load("product", 1, loader)

    async with ctx.sessionmaker() as session:
        assert cache_for(session) is cache
        await session.execute(text("SELECT 1"))
        invalidate_after_commit(session, "product", 1)
        await session.rollback()
    await cache.drain()
    assert await cache.get_or_load("product", 1, loader) == b"v1"
    assert loader.calls == 1

    async with ctx.sessionmaker() as session:
        invalidate_after_commit(session, "product", 1)
        await session.close()  # ended without commit: dropped as well
    await cache.drain()
    assert await cache.get_or_load("product", 1, loader) == b"v1"
    assert loader.calls == 1

    loader.value = b"v2"
    async with ctx.sessionmaker() as session:
        await session.execute(text("SELECT 1"))
        invalidate_after_commit(session, "product", 1)
        invalidate_after_commit(session, "product", 1)  # twice: one invalidation
        await session.commit()
    await cache.drain()
    assert await cache.get_or_load("product", 1, loader) == b"v2"
    assert loader.calls == 2


async def test_reads_right_after_commit_bypass_the_cache_until_invalidated(cache: Cache) -> None:
    loader = Counter(b"v1")
    await cache.get_or_load("product", 1, loader)
    await cache.get_or_load("product_list", "a", loader)
    loader.value = b"v2"
    # What the after-commit hook does; no await in between, so the invalidation has not run.
    cache.schedule_invalidations([("product", "product:1"), ("product_list", None)])
    assert await cache.get_or_load("product", 1, loader) == b"v2"
    assert await cache.get_or_load("product_list", "a", loader) == b"v2"
    assert loader.calls == 4  # two loads, then two bypasses
    await cache.drain()
    assert await cache.get_or_load("product", 1, loader) == b"v2"
    assert await cache.get_or_load("product", 1, loader) == b"v2"
    assert loader.calls == 5


async def test_invalidate_after_commit_of_a_namespace(cache: Cache, ctx: AppContext) -> None:
    loader = Counter(b"page")
    await cache.get_or_load("product_list", "a", loader)
    await cache.get_or_load("product_list", "b", loader)
    async with ctx.sessionmaker() as session:
        invalidate_after_commit(session, "product_list")
        await session.commit()
    await cache.drain()
    await cache.get_or_load("product_list", "a", loader)
    await cache.get_or_load("product_list", "b", loader)
    assert loader.calls == 4


async def test_redis_l2_is_shared_between_replicas(
    cache: Cache, make_peer: Callable[[], Awaitable[Cache]], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("embedded mode has no shared L2")
    peer = await make_peer()
    loader = Counter(b"shared")
    assert await cache.get_or_load("product", 1, loader) == b"shared"
    assert await peer.get_or_load("product", 1, loader) == b"shared"
    assert loader.calls == 1
    assert requests_total(peer.metrics, "product", "l1", "miss") == 1
    assert requests_total(peer.metrics, "product", "l2", "hit") == 1
    negative = Counter(None)
    assert await cache.get_or_load("product", 404, negative) is None
    assert await peer.get_or_load("product", 404, negative) is None
    assert negative.calls == 1


async def test_concurrent_misses_on_two_replicas_load_once(
    cache: Cache, make_peer: Callable[[], Awaitable[Cache]], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("embedded mode is a single process")
    peer = await make_peer()
    # Followers wait for the leader's fill up to lease_wait; a loaded machine (several suites at
    # once) can take longer than the default second to run 100 concurrent reads.
    cache.lease_wait = peer.lease_wait = 10.0
    loader = Counter(b"once", delay=0.1)
    results = await asyncio.gather(
        *(replica.get_or_load("product", 1, loader) for replica in [cache, peer] * 50)
    )
    assert loader.calls == 1
    assert results == [b"once"] * 100


async def test_a_fill_between_the_miss_and_the_lease_is_taken_not_loaded_again(
    cache: Cache, make_peer: Callable[[], Awaitable[Cache]], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("embedded mode has no shared L2")
    tier = cache.l2
    assert tier is not None
    full = cache.full_key("product", 1)
    assert await tier.get(full) is None  # this replica misses...
    peer = await make_peer()
    assert await peer.get_or_load("product", 1, Counter(b"filled")) == b"filled"  # ...one fills
    # The check and the lease are one step: the fill is found, and no lease is left taken.
    answer = await tier.value_or_lease(full, "mine", 0)
    assert isinstance(answer, tuple)
    assert answer[0].endswith(b"filled")
    loader = Counter(b"again")
    assert await cache.get_or_load("product", 1, loader) == b"filled"
    assert loader.calls == 0


async def test_invalidation_reaches_every_replica_l1(
    cache: Cache, make_peer: Callable[[], Awaitable[Cache]], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("embedded mode is a single process")
    peer = await make_peer()
    mine, theirs = Counter(b"v1"), Counter(b"v1")
    await cache.get_or_load("product", 1, mine)
    await peer.get_or_load("product", 1, theirs)
    assert await peer.l1.exists("product:1")
    await cache.invalidate("product", 1)

    async def dropped() -> bool:
        return not await peer.l1.exists("product:1")

    assert await eventually(dropped, within=1.0) < 1.0
    theirs.value = b"v2"
    assert await peer.get_or_load("product", 1, theirs) == b"v2"

    await peer.get_or_load("product_list", "a", theirs)
    await cache.invalidate_namespace("product_list")

    async def namespace_dropped() -> bool:
        return not await peer.l1.exists("product_list:a")

    await eventually(namespace_dropped, within=1.0)


async def test_without_the_subscriber_redis_mode_skips_l1(ctx: AppContext, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("embedded L1 needs no subscriber")
    cache = Cache(
        ctx.redis, Metrics(), namespace=ctx.settings.redis_prefix
    )  # never started: it could miss invalidations
    assert not cache.l1_enabled
    loader = Counter(b"v")
    await cache.get_or_load("product", 1, loader)
    await cache.get_or_load("product", 1, loader)
    assert loader.calls == 1
    assert await cache.l1.get_keys_count() == 0
    assert requests_total(cache.metrics, "product", "l2", "hit") == 1


async def test_redis_outage_degrades_to_the_loader(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("needs the Redis tier")
    from redis.asyncio import Redis

    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    cache = Cache(unreachable, Metrics())
    loader = Counter(b"v")
    assert await cache.get_or_load("product", 1, loader) == b"v"
    await cache.invalidate("product", 1)
    await cache.invalidate_namespace("product")
    assert loader.calls == 1
    await unreachable.aclose()
