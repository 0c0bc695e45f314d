"""Several workers at once: relays on PostgreSQL, Redis Streams consumer groups, dead consumers.

These need PostgreSQL (``FOR UPDATE SKIP LOCKED``) and Redis; on SQLite (one process relays)
they are skipped.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import create_sessionmaker, unit_of_work, utcnow
from shoplet.core.events import (
    Event,
    EventRetry,
    OutboxEvent,
    ProcessedEvent,
    StreamConsumer,
    drain_outbox,
    ensure_groups,
    get_subscription,
    publish,
    relay_once,
    retry_due,
    subscriber,
)

calls: defaultdict[str, list[str]] = defaultdict(list)
gate: dict[str, asyncio.Event] = {}


@pytest.fixture(autouse=True)
def _need_postgres_and_redis(backend: str, ctx: AppContext) -> Iterator[None]:
    if backend != "postgres" or ctx.redis is None:
        pytest.skip("several relays and stream consumers need PostgreSQL and Redis")
    calls.clear()
    gate.clear()
    yield
    calls.clear()
    gate.clear()


@subscriber("test_streams.happened", name="test_streams.count_a")
async def count_a(event: Event, session: AsyncSession) -> None:
    calls["a"].append(event.id)


@subscriber("test_streams.happened", name="test_streams.count_b")
async def count_b(event: Event, session: AsyncSession) -> None:
    calls["b"].append(event.id)


@subscriber("test_streams.slow", name="test_streams.slow")
async def slow(event: Event, session: AsyncSession) -> None:
    """Holds its transaction open while ``gate["hold"]`` is unset (a consumer about to die)."""
    calls["slow_started"].append(event.id)
    if "started" in gate:
        gate["started"].set()
    hold = gate.get("hold")
    if hold is not None:
        await hold.wait()
    await publish(session, "test_streams.after_slow", {"of": event.id})
    calls["slow_done"].append(event.id)


@subscriber("test_streams.fails_once", name="test_streams.fails_once")
async def fails_once(event: Event, session: AsyncSession) -> None:
    calls["fails_once"].append(f"{event.id}#{event.attempt}")
    if event.attempt == 1:
        raise RuntimeError("first attempt fails")


def redis_of(ctx: AppContext) -> Redis:
    assert ctx.redis is not None
    return ctx.redis


async def publish_many(
    ctx: AppContext, count: int, type: str = "test_streams.happened"
) -> set[str]:
    ids: set[str] = set()
    async with unit_of_work(ctx.sessionmaker) as session:
        for n in range(count):
            ids.add(await publish(session, type, {"n": n}))
    return ids


async def relay_until_empty(ctx: AppContext, limit: int) -> int:
    total = 0
    while count := await relay_once(ctx, limit=limit):
        total += count
        await asyncio.sleep(0)
    return total


async def test_stream_entries_carry_the_event(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        event_id = await publish(session, "test_streams.happened", {"n": 1}, key="sku-9")
    assert await relay_once(ctx) == 1
    [(_entry_id, fields)] = await redis_of(ctx).xrange(ctx.settings.events_stream_key)
    assert fields[b"event_id"] == event_id.encode()
    assert fields[b"type"] == b"test_streams.happened"
    assert fields[b"key"] == b"sku-9"
    assert fields[b"payload"] == b'{"n":1}'


async def test_two_relays_send_each_event_once(ctx: AppContext) -> None:
    ids = await publish_many(ctx, 300)
    sent = await asyncio.gather(relay_until_empty(ctx, 7), relay_until_empty(ctx, 11))

    assert sum(sent) == 300
    assert all(count > 0 for count in sent), "both relays should have taken a share"
    entries = await redis_of(ctx).xrange(ctx.settings.events_stream_key)
    assert len(entries) == 300
    assert {fields[b"event_id"].decode() for _id, fields in entries} == ids

    # Two consumers of every group read concurrently: each event reaches each handler once.
    first, second = StreamConsumer(ctx, "worker-1"), StreamConsumer(ctx, "worker-2")

    async def consume(consumer: StreamConsumer) -> None:
        for name in ("test_streams.count_a", "test_streams.count_b"):
            sub = get_subscription(name)
            assert sub is not None
            while await consumer.read(sub):
                pass

    await asyncio.gather(consume(first), consume(second))
    assert Counter(calls["a"]) == Counter(dict.fromkeys(ids, 1))
    assert Counter(calls["b"]) == Counter(dict.fromkeys(ids, 1))
    pending = await redis_of(ctx).xpending(ctx.settings.events_stream_key, "test_streams.count_a")
    assert pending["pending"] == 0


async def test_two_in_process_relays_on_postgres_deliver_each_event_once(
    ctx: AppContext,
) -> None:
    """PostgreSQL without Redis: two relays dispatching to in-process handlers."""
    contexts = [
        AppContext(
            settings=ctx.settings,
            engine=ctx.engine,
            sessionmaker=create_sessionmaker(ctx.engine),
            redis=None,
            limiter=ctx.limiter,
            pii=ctx.pii,
            tokens=ctx.tokens,
            metrics=ctx.metrics,
        )
        for _ in range(2)
    ]
    ids = await publish_many(ctx, 120)
    sent = await asyncio.gather(
        relay_until_empty(contexts[0], 5), relay_until_empty(contexts[1], 5)
    )

    assert sum(sent) == 120
    assert all(count > 0 for count in sent)
    assert Counter(calls["a"]) == Counter(dict.fromkeys(ids, 1))
    assert Counter(calls["b"]) == Counter(dict.fromkeys(ids, 1))
    async with ctx.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 240
        unpublished = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
        assert unpublished == 0
    assert await redis_of(ctx).exists(ctx.settings.events_stream_key) == 0


async def test_entry_of_a_dead_consumer_is_claimed_and_processed_once(ctx: AppContext) -> None:
    sub = get_subscription("test_streams.slow")
    assert sub is not None
    [event_id] = await publish_many(ctx, 1, "test_streams.slow")
    await ensure_groups(ctx)
    assert await relay_once(ctx) == 1

    # Worker 1 reads the entry and dies in the middle of the handler's transaction.
    gate["hold"], gate["started"] = asyncio.Event(), asyncio.Event()
    doomed = StreamConsumer(ctx, "worker-doomed")
    reading = asyncio.create_task(doomed.read(sub))
    await asyncio.wait_for(gate["started"].wait(), timeout=10)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    del gate["hold"]

    redis = redis_of(ctx)
    stream = ctx.settings.events_stream_key
    pending = await redis.xpending(stream, sub.name)
    assert pending["pending"] == 1
    assert pending["consumers"] == [{"name": b"worker-doomed", "pending": 1}]
    assert calls["slow_done"] == []

    # Too fresh to be called dead.
    survivor = StreamConsumer(ctx, "worker-survivor")
    assert await survivor.claim(sub, min_idle_ms=60_000) == 0
    await asyncio.sleep(0.06)
    assert await survivor.claim(sub, min_idle_ms=50) == 1

    assert calls["slow_done"] == [event_id]
    assert (await redis.xpending(stream, sub.name))["pending"] == 0
    assert await survivor.claim(sub, min_idle_ms=0) == 0
    assert await doomed.read(sub, own=True) == 0
    async with ctx.sessionmaker() as session:
        handled = await session.scalars(
            select(ProcessedEvent.event_id).where(ProcessedEvent.handler == sub.name)
        )
        assert list(handled) == [event_id]
        follow_ups = await session.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.type == "test_streams.after_slow")
        )
        assert list(follow_ups) == [{"of": event_id}]


async def test_drain_claims_entries_of_dead_consumers(ctx: AppContext) -> None:
    ctx.settings.events_claim_idle_seconds = 0.05
    sub = get_subscription("test_streams.count_a")
    assert sub is not None
    ids = await publish_many(ctx, 3)
    await ensure_groups(ctx)
    await relay_once(ctx)
    # A consumer read them and vanished without acknowledging.
    await redis_of(ctx).xreadgroup(sub.name, "vanished", {ctx.settings.events_stream_key: ">"})
    await asyncio.sleep(0.06)

    await drain_outbox(ctx)
    assert sorted(calls["a"]) == sorted(ids)
    assert sorted(calls["b"]) == sorted(ids)


async def test_consumer_acknowledges_events_of_other_types(ctx: AppContext) -> None:
    await ensure_groups(ctx)
    await publish_many(ctx, 4, "test_streams.nobody_listens")
    await relay_once(ctx)
    sub = get_subscription("test_streams.count_a")
    assert sub is not None
    consumer = StreamConsumer(ctx, "worker-1")
    assert await consumer.read(sub) == 4
    assert calls == {}
    pending: dict[str, Any] = await redis_of(ctx).xpending(ctx.settings.events_stream_key, sub.name)
    assert pending["pending"] == 0


async def test_consumer_recreates_groups_after_the_stream_is_lost(ctx: AppContext) -> None:
    await ensure_groups(ctx)
    await redis_of(ctx).delete(ctx.settings.events_stream_key)
    ids = await publish_many(ctx, 2)

    await drain_outbox(ctx)
    assert sorted(calls["a"]) == sorted(ids)


# Retries become due only when the test says so: 40 failing first attempts can take longer than
# the default 2 s backoff on a loaded machine, and drain_outbox would already retry some.
@pytest.mark.parametrize("settings_overrides", [{"events_retry_base_seconds": 600.0}])
async def test_two_workers_never_run_the_same_retry(ctx: AppContext) -> None:
    ids = await publish_many(ctx, 40, "test_streams.fails_once")
    await drain_outbox(ctx)
    assert sorted(calls["fails_once"]) == sorted(f"{i}#1" for i in ids)
    async with unit_of_work(ctx.sessionmaker) as session:
        await session.execute(update(EventRetry).values(next_attempt_at=utcnow()))

    attempted = await asyncio.gather(retry_due(ctx, limit=40), retry_due(ctx, limit=40))

    assert sum(attempted) == 40
    second = [call for call in calls["fails_once"] if call.endswith("#2")]
    assert sorted(second) == sorted(f"{i}#2" for i in ids)
    async with ctx.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(EventRetry)) == 0
