"""The relay: committed outbox rows onto the bus, and the consumers that run the handlers.

- Embedded (no Redis): the relay dispatches each event to the in-process handlers, then marks it
  published.
- Redis: the relay ``XADD``s each event to one stream (``settings.events_stream_key``, ``events``
  under ``redis_prefix``) and marks it published; every handler has its own consumer group on
  that stream, reads with ``XREADGROUP``, ``XACK``s after its transaction committed (or after a
  failure was recorded for retry) and claims entries left pending by dead consumers with
  ``XAUTOCLAIM``.

On PostgreSQL the relay locks its batch ``FOR UPDATE SKIP LOCKED``, so several workers relay in
parallel without sending an event twice; on SQLite one process relays. A crash between sending
and committing sends an event again: delivery is at least once, and handlers skip events they
have processed (``core_processed_event``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy import delete, exists, select, update

from shoplet.core import tracing
from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events.delivery import deliver, dispatch_local, event_from_row, retry_due
from shoplet.core.events.metrics import event_metrics
from shoplet.core.events.models import EventRetry, OutboxEvent, ProcessedEvent
from shoplet.core.events.outbox import register_wakeup
from shoplet.core.events.registry import Event, Subscription, subscriptions, subscriptions_for
from shoplet.core.jobs import periodic

log = structlog.get_logger("shoplet.events")

_GROUPS_KEY = "events.stream_groups"
TRACEPARENT = tracing.TRACEPARENT
# How often each worker reads the consumer groups' pending and lag counts for /metrics.
STREAM_OBSERVE_SECONDS = 10.0


async def relay_once(ctx: AppContext, *, limit: int | None = None) -> int:
    """Publish one batch of unpublished outbox events, oldest first; return how many."""
    settings = ctx.settings
    metrics = event_metrics(ctx)
    ids: list[int] = []
    try:
        async with ctx.sessionmaker() as session, session.begin():
            stmt = (
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(limit or settings.events_batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                # Rows another relay is sending are skipped, not waited for.
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list((await session.scalars(stmt)).all())
            if not rows:
                metrics.outbox_lag.set(0)
                return 0
            ids = [row.id for row in rows]
            oldest = min(row.occurred_at for row in rows)
            metrics.outbox_lag.set(max((utcnow() - oldest).total_seconds(), 0.0))
            # Tracing on: an "outbox publish" span per event, child of the span that published
            # it; handlers continue from this span (the stream entry carries its traceparent).
            spans = (
                tracing.start_producer_spans(
                    "outbox publish", [(row.type, row.trace_context) for row in rows]
                )
                if tracing.enabled()
                else []
            )
            parents = [tracing.traceparent_of(span) for span in spans] or [None] * len(rows)
            try:
                if ctx.redis is None:
                    # SQLite: this session has only read (no write lock held), so the handlers'
                    # own transactions can commit while we dispatch.
                    for row, parent in zip(rows, parents, strict=True):
                        event = event_from_row(row)
                        if parent is not None:
                            event = replace(event, traceparent=parent)
                        await dispatch_local(ctx, event, subscriptions_for(event.type))
                else:
                    await ensure_groups(ctx)
                    await _xadd_all(ctx, ctx.redis, rows, parents)
            finally:
                for span in spans:
                    span.end()
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids))
                .values(published_at=utcnow(), attempts=OutboxEvent.attempts + 1)
                .execution_options(synchronize_session=False)
            )
    except Exception as exc:
        metrics.relay_failures.inc()
        if ids:
            await _record_relay_failure(ctx, ids, exc)
        raise
    for row in rows:
        metrics.published.labels(row.type).inc()
    return len(rows)


async def _record_relay_failure(ctx: AppContext, ids: list[int], exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    with contextlib.suppress(Exception):
        async with unit_of_work(ctx.sessionmaker) as session:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids), OutboxEvent.published_at.is_(None))
                .values(attempts=OutboxEvent.attempts + 1, last_error=error)
                .execution_options(synchronize_session=False)
            )


async def _xadd_all(
    ctx: AppContext,
    redis: Redis,
    rows: Sequence[OutboxEvent],
    parents: Sequence[str | None],
) -> None:
    settings = ctx.settings
    todo = list(zip(rows, parents, strict=True))
    for attempt in range(2):
        async with redis.pipeline(transaction=False) as pipe:
            for row, parent in todo:
                fields: dict[Any, Any] = {
                    "event_id": row.event_id,
                    "type": row.type,
                    "key": row.key or "",
                    "payload": orjson.dumps(row.payload),
                    "occurred_at": row.occurred_at.isoformat(),
                }
                if parent is not None:
                    fields[TRACEPARENT] = parent
                pipe.xadd(
                    settings.events_stream_key,
                    fields,
                    maxlen=settings.events_stream_maxlen,
                    approximate=True,
                    # First never create the stream: a stream without the handlers' groups
                    # would swallow events (Redis restarted empty). Create the groups, then send.
                    nomkstream=attempt == 0,
                )
            results = await pipe.execute()
        todo = [item for item, entry_id in zip(todo, results, strict=True) if entry_id is None]
        if not todo:
            return
        await ensure_groups(ctx, force=True)


async def ensure_groups(ctx: AppContext, *, force: bool = False, start: str = "$") -> None:
    """Create a consumer group per registered handler, before any event it must see is sent.

    A new group starts at the end of the stream (``start="$"``): a handler deployed today sees
    today's events, not the whole retained history. A consumer that finds its group gone (the
    stream was lost) recreates it from the start of what is left (``start="0"``): nobody in that
    group has seen those entries.
    """
    redis = ctx.redis
    if redis is None:
        return
    known: set[str] = ctx.extras.setdefault(_GROUPS_KEY, set())
    if force:
        known.clear()
    for sub in subscriptions():
        if sub.name in known:
            continue
        try:
            await redis.xgroup_create(
                ctx.settings.events_stream_key, sub.name, id=start, mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        known.add(sub.name)


def _decode(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def parse_entry(fields: dict[Any, Any]) -> Event:
    data = {_decode(k): v for k, v in fields.items()}
    key = _decode(data["key"])
    parent = data.get(TRACEPARENT)
    return Event(
        id=_decode(data["event_id"]),
        type=_decode(data["type"]),
        key=key or None,
        payload=orjson.loads(data["payload"]),
        occurred_at=datetime.fromisoformat(_decode(data["occurred_at"])),
        traceparent=_decode(parent) if parent else None,
    )


def _entries(response: Any) -> list[tuple[Any, Any]]:
    """Entries of the single stream in an ``XREADGROUP`` reply (RESP2 list or RESP3 map)."""
    if not response:
        return []
    if isinstance(response, dict):
        streams = list(response.values())
        return list(streams[0][0]) if streams and streams[0] and streams[0][0] else []
    return list(response[0][1])


async def observe_stream(ctx: AppContext) -> None:
    """Set the stream gauges: pending and unread entries per consumer group, stream length."""
    redis = ctx.redis
    if redis is None:
        return
    metrics = event_metrics(ctx)
    stream = ctx.settings.events_stream_key
    try:
        groups = await redis.xinfo_groups(stream)
        length = await redis.xlen(stream)
    except ResponseError:
        # No stream yet (nothing published since Redis started).
        return
    for info in groups:
        group = _decode(info["name"])
        metrics.stream_pending.labels(group).set(int(info["pending"]))
        lag = info.get("lag")
        if lag is not None:
            metrics.stream_lag.labels(group).set(int(lag))
    metrics.stream_length.set(int(length))


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class StreamConsumer:
    """Reads the event stream for each handler's group as consumer ``name``."""

    def __init__(self, ctx: AppContext, name: str | None = None) -> None:
        if ctx.redis is None:
            raise RuntimeError("StreamConsumer needs Redis (ctx.redis)")
        self.ctx = ctx
        self.redis: Redis = ctx.redis
        self.name = name or default_consumer_name()
        self.stream = ctx.settings.events_stream_key

    async def read(
        self, sub: Subscription, *, block_ms: int | None = None, own: bool = False
    ) -> int:
        """Handle new entries (``own``: this consumer's unacknowledged ones); return how many."""
        try:
            response = await self.redis.xreadgroup(
                sub.name,
                self.name,
                {self.stream: "0" if own else ">"},
                count=self.ctx.settings.events_batch_size,
                block=None if own else block_ms,
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream was lost with its groups: recreate them.
            await ensure_groups(self.ctx, force=True, start="0")
            return 0
        entries = _entries(response)
        await self._handle(sub, entries)
        return len(entries)

    async def claim(self, sub: Subscription, *, min_idle_ms: int) -> int:
        """Take over entries another consumer has left unacknowledged for ``min_idle_ms``."""
        start: Any = "0-0"
        handled = 0
        while True:
            try:
                reply = await self.redis.xautoclaim(
                    self.stream,
                    sub.name,
                    self.name,
                    min_idle_ms,
                    start_id=start,
                    count=self.ctx.settings.events_batch_size,
                )
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await ensure_groups(self.ctx, force=True, start="0")
                return handled
            start, entries = reply[0], list(reply[1])
            if entries:
                log.info("event_entries_claimed", handler=sub.name, count=len(entries))
            await self._handle(sub, entries)
            handled += len(entries)
            if _decode(start) == "0-0":
                return handled

    async def _handle(self, sub: Subscription, entries: list[tuple[Any, Any]]) -> None:
        skipped: list[Any] = []
        for entry_id, fields in entries:
            if not fields:
                # Trimmed from the stream while pending (Redis 6.2 returns it as nil).
                skipped.append(entry_id)
                continue
            try:
                event = parse_entry(fields)
            except (KeyError, ValueError) as exc:
                log.error(
                    "event_entry_malformed", handler=sub.name, entry=str(entry_id), error=str(exc)
                )
                skipped.append(entry_id)
                continue
            if not sub.wants(event.type):
                skipped.append(entry_id)
                continue
            # Raises only if a failure could not even be recorded: leave it pending for a claim.
            await deliver(self.ctx, sub, event)
            await self.redis.xack(self.stream, sub.name, entry_id)
        if skipped:
            await self.redis.xack(self.stream, sub.name, *skipped)


async def drain_outbox(ctx: AppContext, *, max_rounds: int = 100) -> int:
    """Relay and deliver until nothing is left to do, deterministically (tests, scripts).

    Includes retries whose backoff has elapsed and, with Redis, entries of dead consumers idle
    for ``events_claim_idle_seconds``. Returns the number of outbox events relayed.
    """
    relayed = 0
    consumer = StreamConsumer(ctx, name="drain") if ctx.redis is not None else None
    idle_ms = round(ctx.settings.events_claim_idle_seconds * 1000)
    for _ in range(max_rounds):
        work = 0
        while count := await relay_once(ctx):
            relayed += count
            work += count
        if consumer is not None:
            await ensure_groups(ctx)
            for sub in subscriptions():
                work += await consumer.read(sub, own=True)
                while count := await consumer.read(sub):
                    work += count
                work += await consumer.claim(sub, min_idle_ms=idle_ms)
        work += await retry_due(ctx)
        if work == 0:
            return relayed
    raise RuntimeError(f"outbox still busy after {max_rounds} rounds (a handler loop?)")


class EventRuntime:
    """The long-running side: relay loop, retry loop and, with Redis, one consumer per handler."""

    def __init__(self, ctx: AppContext, *, consumer_name: str | None = None) -> None:
        self.ctx = ctx
        self.consumer_name = consumer_name or default_consumer_name()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._unregister: Any = None

    async def start(self) -> None:
        self._stopping.clear()
        self._unregister = register_wakeup(self._wake)
        tasks = [self._relay_loop(), self._retry_loop()]
        if self.ctx.redis is not None:
            await ensure_groups(self.ctx)
            consumer = StreamConsumer(self.ctx, self.consumer_name)
            tasks += [self._consume_loop(consumer, sub) for sub in subscriptions()]
            tasks.append(self._claim_loop(consumer))
            tasks.append(self._observe_loop())
        self._tasks = [asyncio.create_task(coro) for coro in tasks]

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Finish in-flight deliveries for up to ``grace_seconds``, then cancel."""
        self._stopping.set()
        self._wake.set()
        if self._unregister is not None:
            self._unregister()
            self._unregister = None
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _relay_loop(self) -> None:
        settings = self.ctx.settings
        failures = 0
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                count = await relay_once(self.ctx)
            except Exception:
                # Database or Redis unavailable: back off, up to a minute between tries.
                failures += 1
                log.exception("outbox_relay_failed", consecutive_failures=failures)
                await self._sleep(min(settings.events_poll_seconds * 2**failures, 60.0))
                continue
            failures = 0
            if count >= settings.events_batch_size:
                continue
            # A commit in this process that wrote events wakes us at once; polling finds the
            # events other processes committed.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=settings.events_poll_seconds)

    async def _retry_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                count = await retry_due(self.ctx)
            except Exception:
                log.exception("event_retry_failed")
                count = 0
            if count == 0:
                await self._sleep(self.ctx.settings.events_poll_seconds)

    async def _consume_loop(self, consumer: StreamConsumer, sub: Subscription) -> None:
        block_ms = max(1, round(min(self.ctx.settings.events_poll_seconds, 1.0) * 1000))
        with contextlib.suppress(Exception):
            # Entries this consumer read before a restart of the loop.
            await consumer.read(sub, own=True)
        while not self._stopping.is_set():
            try:
                await consumer.read(sub, block_ms=block_ms)
            except Exception:
                log.exception("event_consume_failed", handler=sub.name)
                await self._sleep(self.ctx.settings.events_poll_seconds)

    async def _observe_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await observe_stream(self.ctx)
            except Exception:
                log.exception("event_stream_observe_failed")
            await self._sleep(STREAM_OBSERVE_SECONDS)

    async def _claim_loop(self, consumer: StreamConsumer) -> None:
        idle = self.ctx.settings.events_claim_idle_seconds
        while not self._stopping.is_set():
            await self._sleep(max(idle / 2, 0.05))
            for sub in subscriptions():
                if self._stopping.is_set():
                    return
                try:
                    await consumer.claim(sub, min_idle_ms=round(idle * 1000))
                except Exception:
                    log.exception("event_claim_failed", handler=sub.name)


@periodic(every_seconds=3600, name="core.events_cleanup")
async def cleanup_events(ctx: AppContext) -> None:
    """Forget published events and processed markers older than ``events_retention_days``.

    Events with a pending or parked retry are kept: the retry reloads them.
    """
    cutoff = utcnow() - timedelta(days=ctx.settings.events_retention_days)
    async with unit_of_work(ctx.sessionmaker) as session:
        has_retry = exists().where(EventRetry.event_id == OutboxEvent.event_id)
        await session.execute(
            delete(OutboxEvent)
            .where(OutboxEvent.published_at < cutoff, ~has_retry)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            delete(ProcessedEvent)
            .where(ProcessedEvent.processed_at < cutoff)
            .execution_options(synchronize_session=False)
        )
    if ctx.redis is not None:
        await _forget_idle_consumers(ctx, ctx.redis)


async def _forget_idle_consumers(ctx: AppContext, redis: Redis) -> None:
    """Consumers of restarted workers stay in their groups; drop those with nothing pending."""
    stream = ctx.settings.events_stream_key
    idle_ms = 24 * 3600 * 1000
    for sub in subscriptions():
        try:
            consumers = await redis.xinfo_consumers(stream, sub.name)
        except ResponseError:
            continue
        for info in consumers:
            if int(info["pending"]) == 0 and int(info["idle"]) > idle_ms:
                await redis.xgroup_delconsumer(stream, sub.name, info["name"])
