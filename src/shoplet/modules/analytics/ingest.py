"""Event ingestion: checked batches become rows on a queue; a worker task writes the queue to the
columnar store (``eventstore.py``).

The queue is a Redis stream (``SHOPLET_ANALYTICS_EVENTS_STREAM`` under ``redis_prefix``, one
entry per batch, a consumer group ``analytics-writer``) when Redis is configured, else a list in
this process (the embedded default, where one process plays every role). Delivery is at least
once: an entry is acknowledged only after its Parquet file is written, under a name derived from
the entry ids, and compaction drops duplicate ``event_id``s.

Rows are plain dicts (JSON on the stream) with the ``eventstore.COLUMNS``; times are ISO strings
until the writer parses them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.analytics import clickhouse
from shoplet.modules.analytics.errors import EventBatchTooLarge, EventOutOfRange
from shoplet.modules.analytics.eventstore import EventStore
from shoplet.modules.analytics.schemas import MAX_BATCH_EVENTS, EventBatch

GROUP = "analytics-writer"
_QUEUE = "analytics.events_queue"
_STORE = "analytics.event_store"
_SESSION_QUEUE = "analytics.events_queue"

# Obvious crawlers and scripts by user agent (not headless browsers: the browser tests and
# real WebViews alike can say "Headless"). Their batches are answered 202 and dropped.
BOT_AGENT = re.compile(
    r"bot\b|bot/|spider|crawl|slurp|bingpreview|facebookexternalhit|curl/|wget/|python-requests"
    r"|python-httpx|go-http-client|java/|okhttp|scrapy|httpclient|libwww|phantomjs",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    return bool(user_agent) and BOT_AGENT.search(user_agent or "") is not None


@dataclass(frozen=True, slots=True)
class QueuedBatch:
    entry_id: str
    rows: list[dict[str, Any]]


class EventQueue(Protocol):
    async def put(self, rows: Sequence[Mapping[str, Any]]) -> None: ...

    async def take(self, count: int) -> list[QueuedBatch]: ...

    async def ack(self, entry_ids: Sequence[str]) -> None: ...


class LocalQueue:
    """The embedded queue: batches wait in this process until the writer takes them; a batch
    taken and not acknowledged (the write failed) is taken again."""

    def __init__(self) -> None:
        self._waiting: deque[QueuedBatch] = deque()
        self._taken: dict[str, QueuedBatch] = {}
        self._ids = itertools.count(1)

    async def put(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._waiting.append(QueuedBatch(f"{next(self._ids):012d}", [dict(r) for r in rows]))

    async def take(self, count: int) -> list[QueuedBatch]:
        out = list(self._taken.values())[:count]
        while len(out) < count and self._waiting:
            batch = self._waiting.popleft()
            self._taken[batch.entry_id] = batch
            out.append(batch)
        return out

    async def ack(self, entry_ids: Sequence[str]) -> None:
        for entry_id in entry_ids:
            self._taken.pop(entry_id, None)


class StreamQueue:
    """A Redis stream with one consumer group: entries this consumer took and did not
    acknowledge are read again first; entries idle a minute under a dead consumer are claimed."""

    def __init__(self, redis: Redis, key: str, *, maxlen: int, consumer: str) -> None:
        self._r = redis
        self.key = key
        self._maxlen = maxlen
        self._consumer = consumer
        self._group_ready = False

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self._r.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    async def put(self, rows: Sequence[Mapping[str, Any]]) -> None:
        payload = json.dumps(list(rows), ensure_ascii=False, separators=(",", ":"))
        await self._r.xadd(self.key, {"b": payload}, maxlen=self._maxlen, approximate=True)

    async def take(self, count: int) -> list[QueuedBatch]:
        await self._ensure_group()
        out = await self._read("0", count)
        if len(out) < count:
            claimed: Any = await self._r.xautoclaim(
                self.key, GROUP, self._consumer, min_idle_time=60_000, count=count - len(out)
            )
            out += _batches(claimed[1])
        if len(out) < count:
            out += await self._read(">", count - len(out))
        return out

    async def _read(self, start: str, count: int) -> list[QueuedBatch]:
        try:
            answer: Any = await self._r.xreadgroup(
                GROUP, self._consumer, {self.key: start}, count=count
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._group_ready = False
            await self._ensure_group()
            return []
        return [batch for _stream, items in answer or [] for batch in _batches(items)]

    async def ack(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self._r.xack(self.key, GROUP, *entry_ids)
            await self._r.xdel(self.key, *entry_ids)


def _batches(items: Sequence[Any]) -> list[QueuedBatch]:
    out = []
    for entry_id, fields in items:
        if not fields:  # a pending entry deleted from the stream comes back empty
            continue
        raw = fields.get(b"b") or fields.get("b")
        key = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        out.append(QueuedBatch(key, json.loads(raw)))
    return out


def queue_of(ctx: AppContext) -> EventQueue:
    queue: EventQueue | None = ctx.extras.get(_QUEUE)
    if queue is None:
        if ctx.redis is not None:
            queue = StreamQueue(
                ctx.redis,
                ctx.settings.analytics_events_stream_key,
                maxlen=ctx.settings.analytics_events_stream_maxlen,
                consumer=f"writer-{uuid.uuid4().hex[:12]}",
            )
        else:
            queue = LocalQueue()
        ctx.extras[_QUEUE] = queue
    return queue


def store_of(ctx: AppContext) -> EventStore:
    store: EventStore | None = ctx.extras.get(_STORE)
    if store is None:
        store = ctx.extras[_STORE] = EventStore(ctx.settings.resolved_analytics_events_dir)
    return store


def attach_queue(ctx: AppContext) -> None:
    """Sessions from the context's sessionmaker carry the queue, so outbox handlers (which get
    a session, not the context) can record server-side events."""
    info = dict(ctx.sessionmaker.kw.get("info") or {})
    info[_SESSION_QUEUE] = queue_of(ctx)
    ctx.sessionmaker.configure(info=info)


def session_queue(session: AsyncSession) -> EventQueue | None:
    queue: EventQueue | None = session.info.get(_SESSION_QUEUE)
    return queue


# -- checking a batch ------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def batch_rows(
    batch: EventBatch,
    *,
    member_id: int | None,
    now: datetime,
    max_future: timedelta,
    max_age: timedelta,
) -> list[dict[str, Any]]:
    """The rows of a client batch, on the server's clock: each event's time moves by the
    batch's skew (server time − ``sent_at``). All or nothing: 413 over ``MAX_BATCH_EVENTS``,
    422 ``analytics.event_out_of_range`` for an event dated after the batch was sent (beyond
    ``max_future``) or older than ``max_age``."""
    if len(batch.events) > MAX_BATCH_EVENTS:
        raise EventBatchTooLarge(
            f"A batch holds at most {MAX_BATCH_EVENTS} events, not {len(batch.events)}",
            max_events=MAX_BATCH_EVENTS,
        )
    skew = now - datetime.fromtimestamp(batch.sent_at / 1000, UTC)
    rows = []
    for index, event in enumerate(batch.events):
        client_ts = datetime.fromtimestamp(event.ts / 1000, UTC)
        if client_ts - datetime.fromtimestamp(batch.sent_at / 1000, UTC) > max_future:
            raise EventOutOfRange(f"events[{index}] is dated after the batch was sent", index=index)
        ts = client_ts + skew
        if now - ts > max_age:
            raise EventOutOfRange(f"events[{index}] is older than {max_age.days} days", index=index)
        rows.append(
            {
                "event_id": event.event_id or uuid.uuid4().hex,
                "event": event.event,
                "ts": _iso(ts),
                "client_ts": _iso(client_ts),
                "received_at": _iso(now),
                "source": "client",
                "anonymous_id": batch.anonymous_id,
                "member_id": member_id,
                "session_id": event.session_id,
                "page": event.page,
                "referrer": event.referrer,
                "scene": event.scene,
                "share_ticket": event.share_ticket,
                "share_code": event.share_code,
                "platform": batch.platform,
                "app_version": batch.app_version,
                "properties": json.dumps(
                    event.properties, ensure_ascii=False, separators=(",", ":")
                ),
            }
        )
    return rows


def server_row(
    event_id: str, name: str, member_id: int | None, at: datetime, properties: Mapping[str, Any]
) -> dict[str, Any]:
    """A server-side event (from the outbox): its id is the outbox event's, so a redelivery
    counts once."""
    return {
        "event_id": event_id,
        "event": name,
        "ts": _iso(at),
        "client_ts": None,
        "received_at": _iso(datetime.now(UTC)),
        "source": "server",
        "anonymous_id": None,
        "member_id": member_id,
        "platform": "server",
        "properties": json.dumps(dict(properties), ensure_ascii=False, separators=(",", ":")),
    }


def _parsed(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in ("ts", "client_ts", "received_at"):
        value = out.get(name)
        if isinstance(value, str):
            out[name] = datetime.fromisoformat(value)
    return out


async def write_pending(ctx: AppContext, *, max_batches: int = 200) -> int:
    """One writer pass: take up to ``max_batches`` queued batches, insert them into the
    ClickHouse server when one is configured (``clickhouse.py``), write them as Parquet (in a
    thread), acknowledge them. Returns the events written."""
    queue = queue_of(ctx)
    store = store_of(ctx)
    batches = await queue.take(max_batches)
    if not batches:
        return 0
    rows = [_parsed(row) for batch in batches for row in batch.rows]
    name = f"{batches[0].entry_id}_{batches[-1].entry_id}".replace("-", "")
    server = clickhouse.server_of(ctx)
    if server is not None:
        # The server first: a failure leaves the batches unacknowledged and no Parquet file
        # behind; the retry's token (the same entry ids) makes the server drop a repeat.
        await server.insert(rows, token=f"b{name}")
    written = await asyncio.to_thread(store.append, rows, name=f"b{name}")
    await queue.ack([b.entry_id for b in batches])
    return written


async def flush(ctx: AppContext) -> int:
    """Write everything queued so far (tests, the bench, ``shoplet analytics flush``)."""
    total = 0
    while True:
        written = await write_pending(ctx)
        if not written:
            return total
        total += written
