"""The live side of a flash sale: counters, buyers, the order-request stream, ticket states.

Two implementations of one contract:

- :class:`RedisFlashStore` (production): every decision of the buy path is ONE Lua script that
  checks the campaign window (Redis's clock), the shopper's rate and limit and the stock, then
  decrements, records the buyer and the ticket and appends the request to the campaign's stream
  — atomically, so concurrent buyers on any number of edge processes can never oversell.
  All keys of a campaign share the hash tag ``{<campaign>}``.
- :class:`MemoryFlashStore` (embedded mode, no Redis): the same operations on dicts in this
  process. Every operation runs without awaiting in between, so it is just as atomic — for a
  single process only (documented in docs/flashsale.md).

Hand-backs (a failed request, a cancelled order) are guarded by a per-campaign set of returned
tickets: whoever adds the ticket to the set first puts the units back, so a retried hand-back
never adds stock twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from shoplet.core.redis_pool import is_cluster
from shoplet.modules.flashsale.schemas import (
    BuyResult,
    GiveBack,
    ReconcileSnapshot,
    StreamEntry,
    TicketRecord,
)

GROUP = "flashsale.orders"
# Under the default Redis namespace; a store built with ``namespace`` uses ``<namespace>flash:…``.
SIGNALS = "shoplet:flash:signals"
OPEN, CLOSED = "open", "closed"

Listener = Callable[[str], None]


def campaign_key(campaign_id: int, name: str, namespace: str = "shoplet:") -> str:
    return f"{namespace}flash:{{{campaign_id}}}:{name}"


def _now_ms() -> int:
    return int(time.time() * 1000)


class FlashStore(ABC):
    """What the API, the consumers and the jobs need from the live side."""

    kind: str

    # -- campaign life cycle -------------------------------------------------------------------

    @abstractmethod
    async def warm(
        self,
        campaign_id: int,
        *,
        starts_ms: int,
        ends_ms: int,
        is_open: bool,
        info: bytes,
        items: Sequence[tuple[int, int, int]],
        bought: Mapping[str, int],
    ) -> None:
        """Load (or refresh) a campaign: window, state, page data, per-shopper limits; counters
        (``items`` = sku, remaining, limit) and buyers (``bought`` "member:sku" -> units) are
        only set where absent, so a refresh never resets a live counter."""

    @abstractmethod
    async def close(self, campaign_id: int, *, expire_seconds: int | None = None) -> None:
        """Stop selling (cancelled or settled); with ``expire_seconds`` the keys go after that."""

    @abstractmethod
    async def is_warm(self, campaign_id: int) -> bool: ...

    @abstractmethod
    async def info(self, campaign_id: int) -> bytes | None: ...

    @abstractmethod
    async def remaining(self, campaign_id: int) -> dict[int, int]: ...

    # -- the hot path --------------------------------------------------------------------------

    @abstractmethod
    async def buy(
        self,
        *,
        campaign_id: int,
        sku_id: int,
        member_id: int,
        quantity: int,
        ticket: str,
        ip: str,
        per_member: int,
        per_ip: int,
        window_ms: int,
    ) -> BuyResult: ...

    @abstractmethod
    async def ticket(self, campaign_id: int, ticket: str) -> TicketRecord | None: ...

    # -- consumers -----------------------------------------------------------------------------

    @abstractmethod
    async def read_entries(
        self, campaign_ids: Sequence[int], consumer: str, *, count: int, block_ms: int
    ) -> list[StreamEntry]:
        """New entries for ``consumer`` (they stay pending until acknowledged)."""

    @abstractmethod
    async def own_pending(
        self, campaign_ids: Sequence[int], consumer: str, *, count: int
    ) -> list[StreamEntry]:
        """Entries delivered to ``consumer`` earlier and never acknowledged."""

    @abstractmethod
    async def claim_stale(
        self, campaign_ids: Sequence[int], consumer: str, *, idle_ms: int, count: int
    ) -> list[StreamEntry]:
        """Take over entries left pending for ``idle_ms`` (their consumer died), like
        ``XAUTOCLAIM``: any idle entry, whoever held it."""

    @abstractmethod
    async def mark_created(
        self, campaign_id: int, ticket: str, record: TicketRecord, entry_id: str | None
    ) -> None:
        """The ticket's order exists: record it and acknowledge the entry."""

    @abstractmethod
    async def give_back(self, give: GiveBack) -> int | None:
        """Put a ticket's units back (once): returns the counter after, or None if this ticket
        was handed back before. Acknowledges ``give.entry_id`` either way."""

    @abstractmethod
    async def backlog(self, campaign_id: int) -> int:
        """Entries not yet acknowledged (pending or never delivered)."""

    @abstractmethod
    async def reconcile_snapshot(self, campaign_id: int) -> ReconcileSnapshot: ...

    @abstractmethod
    async def requeue(self, entry: StreamEntry) -> str:
        """Append ``entry`` again (a request that was acknowledged but never handled)."""

    # -- challenges ---------------------------------------------------------------------------

    @abstractmethod
    async def put_challenge(self, challenge_id: str, value: str, ttl_seconds: int) -> None: ...

    @abstractmethod
    async def take_challenge(self, challenge_id: str) -> str | None:
        """The challenge's value, once (a second take gets None)."""

    # -- signals between processes -------------------------------------------------------------

    @abstractmethod
    async def publish(self, message: str) -> None:
        """``soldout:<c>:<sku>``, ``restock:<c>:<sku>`` or ``campaign:<c>`` to every process."""


def _entry(campaign_id: int, entry_id: Any, fields: Mapping[Any, Any]) -> StreamEntry:
    def get(name: str) -> str:
        value = fields.get(name.encode(), fields.get(name))
        return value.decode() if isinstance(value, bytes) else str(value)

    return StreamEntry(
        campaign_id=campaign_id,
        entry_id=entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id),
        ticket=get("t"),
        member_id=int(get("m")),
        sku_id=int(get("s")),
        quantity=int(get("q")),
        queued_at_ms=int(get("at")),
    )


def entry_order(entry_id: str) -> tuple[int, int]:
    """Stream ids ``<ms>-<seq>`` in the order Redis assigned them."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


# -- Redis -------------------------------------------------------------------------------------

# KEYS: meta (the campaign's other keys share its prefix, hence its hash slot);
# ARGV: sku, member, qty, ticket, per_member, per_ip, window_ms, ip. One key and eight short
# arguments: encoding the call is a good part of the client's cost on the hot path.
_BUY = """
local p = string.sub(KEYS[1], 1, -5)
local function count(key)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[7]) end
  return n
end
local rate_member, rate_ip = p .. 'rl:m:' .. ARGV[2], p .. 'rl:ip:' .. ARGV[8]
local by_member, by_ip = count(rate_member), count(rate_ip)
if by_member > tonumber(ARGV[5]) then return {'rate_limited', redis.call('PTTL', rate_member)} end
if by_ip > tonumber(ARGV[6]) then return {'rate_limited', redis.call('PTTL', rate_ip)} end
local meta = redis.call('HMGET', KEYS[1], 'starts', 'ends', 'state')
if not meta[1] then return {'not_ready', 0} end
if meta[3] ~= 'open' then return {'ended', 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now < tonumber(meta[1]) then return {'not_started', 0} end
if now >= tonumber(meta[2]) then return {'ended', 0} end
local limit = redis.call('HGET', p .. 'limit', ARGV[1])
if not limit then return {'unknown_sku', 0} end
local qty = tonumber(ARGV[3])
local who = ARGV[2] .. ':' .. ARGV[1]
local bought = tonumber(redis.call('HGET', p .. 'bought', who) or '0')
if bought + qty > tonumber(limit) then
  return {'limit_reached', 0, redis.call('HGET', p .. 'last', who) or ''}
end
local stock = tonumber(redis.call('HGET', p .. 'stock', ARGV[1]) or '0')
if stock < qty then return {'sold_out', stock} end
redis.call('HINCRBY', p .. 'stock', ARGV[1], -qty)
redis.call('HINCRBY', p .. 'bought', who, qty)
redis.call('HSET', p .. 'last', who, ARGV[4])
local record = 'queued|' .. ARGV[2] .. '|' .. ARGV[1] .. '|' .. ARGV[3] .. '||'
redis.call('HSET', p .. 'tickets', ARGV[4], record)
redis.call('XADD', p .. 'orders', '*', 't', ARGV[4], 'm', ARGV[2], 's', ARGV[1], 'q', ARGV[3],
  'at', now)
return {'queued', stock - qty, ARGV[4]}
"""

# KEYS: meta, stock, limit, info, bought ; ARGV: starts, ends, state, info, n_items, then
# (sku, remaining, limit) * n_items, then (who, units) pairs for bought
_WARM = """
redis.call('HSET', KEYS[1], 'starts', ARGV[1], 'ends', ARGV[2], 'state', ARGV[3])
redis.call('SET', KEYS[4], ARGV[4])
local n = tonumber(ARGV[5])
local i = 6
for _ = 1, n do
  redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 2])
  i = i + 3
end
while i < #ARGV do
  redis.call('HSETNX', KEYS[5], ARGV[i], ARGV[i + 1])
  i = i + 2
end
return 1
"""

# KEYS: tickets, stream ; ARGV: ticket, record, entry id ('' = none), group
_MARK_CREATED = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('XACK', KEYS[2], ARGV[4], ARGV[3]) end
return 1
"""

# KEYS: stock, bought, tickets, returned, stream
# ARGV: ticket, sku, member, qty, restore_limit, record, entry id ('' = none), group
_GIVE_BACK = """
local after = -1
if redis.call('SADD', KEYS[4], ARGV[1]) == 1 then
  after = redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[4])
  if ARGV[5] == '1' then
    local who = ARGV[3] .. ':' .. ARGV[2]
    if redis.call('HINCRBY', KEYS[2], who, -tonumber(ARGV[4])) <= 0 then
      redis.call('HDEL', KEYS[2], who)
    end
  end
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[6])
end
if ARGV[7] ~= '' then redis.call('XACK', KEYS[5], ARGV[8], ARGV[7]) end
return after
"""

# KEYS: stock, returned, stream
_SNAPSHOT = """
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local last_id = '0-0'
if #last > 0 then last_id = last[1][1] end
return {redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[2]), last_id}
"""


class RedisFlashStore(FlashStore):
    kind = "redis"

    def __init__(self, redis: Redis, *, namespace: str = "shoplet:") -> None:
        self.redis = redis
        # ``settings.redis_prefix``: every key, stream and channel of this store lives under it.
        self.namespace = namespace
        self.signals = f"{namespace}flash:signals"
        # redis-py's command stubs type replies loosely (bytes | str | ...): replies are parsed
        # here, through an untyped handle.
        self._r: Any = redis
        self._cluster = is_cluster(redis)
        self._buy = redis.register_script(_BUY)
        # Buy calls of the current turn of the event loop, sent as one pipeline (_batched_buy).
        self._pending: list[tuple[str, tuple[Any, ...], asyncio.Future[Any]]] = []
        self._warm = redis.register_script(_WARM)
        self._mark_created = redis.register_script(_MARK_CREATED)
        self._give_back = redis.register_script(_GIVE_BACK)
        self._snapshot = redis.register_script(_SNAPSHOT)

    def _key(self, campaign_id: int, name: str) -> str:
        return campaign_key(campaign_id, name, self.namespace)

    # -- campaign life cycle -------------------------------------------------------------------

    async def warm(
        self,
        campaign_id: int,
        *,
        starts_ms: int,
        ends_ms: int,
        is_open: bool,
        info: bytes,
        items: Sequence[tuple[int, int, int]],
        bought: Mapping[str, int],
    ) -> None:
        k = self._key
        args: list[Any] = [starts_ms, ends_ms, OPEN if is_open else CLOSED, info, len(items)]
        for sku_id, remaining, limit in items:
            args += [sku_id, remaining, limit]
        for who, units in bought.items():
            args += [who, units]
        await self._warm(
            keys=[
                k(campaign_id, "meta"),
                k(campaign_id, "stock"),
                k(campaign_id, "limit"),
                k(campaign_id, "info"),
                k(campaign_id, "bought"),
            ],
            args=args,
        )
        await self._ensure_group(campaign_id)

    async def _ensure_group(self, campaign_id: int) -> None:
        try:
            # From the start of the stream: entries appended before the group existed count too.
            await self._r.xgroup_create(
                self._key(campaign_id, "orders"), GROUP, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def close(self, campaign_id: int, *, expire_seconds: int | None = None) -> None:
        await self._r.hset(self._key(campaign_id, "meta"), "state", CLOSED)
        if expire_seconds is not None:
            async with self._r.pipeline(transaction=False) as pipe:
                for name in (
                    "meta", "stock", "limit", "info", "bought", "last", "tickets", "returned",
                    "orders",
                ):  # fmt: skip
                    pipe.expire(self._key(campaign_id, name), expire_seconds)
                await pipe.execute()

    async def is_warm(self, campaign_id: int) -> bool:
        return bool(await self._r.exists(self._key(campaign_id, "meta")))

    async def info(self, campaign_id: int) -> bytes | None:
        found: bytes | None = await self._r.get(self._key(campaign_id, "info"))
        return found

    async def remaining(self, campaign_id: int) -> dict[int, int]:
        raw: dict[bytes, bytes] = await self._r.hgetall(self._key(campaign_id, "stock"))
        return {int(k): int(v) for k, v in raw.items()}

    # -- the hot path --------------------------------------------------------------------------

    async def buy(
        self,
        *,
        campaign_id: int,
        sku_id: int,
        member_id: int,
        quantity: int,
        ticket: str,
        ip: str,
        per_member: int,
        per_ip: int,
        window_ms: int,
    ) -> BuyResult:
        result = await self._batched_buy(
            self._key(campaign_id, "meta"),
            (sku_id, member_id, quantity, ticket, per_member, per_ip, window_ms, ip),
        )
        outcome = result[0].decode()
        if outcome == "queued":
            return BuyResult("queued", remaining=int(result[1]), ticket=ticket)
        if outcome == "limit_reached":
            previous = result[2].decode() or None
            return BuyResult("limit_reached", ticket=previous)
        if outcome == "rate_limited":
            return BuyResult("rate_limited", retry_after_ms=max(int(result[1]), 1))
        return BuyResult(outcome, remaining=int(result[1]))

    async def _batched_buy(self, key: str, args: tuple[Any, ...]) -> Any:
        """One buy script call, sent together with every other call made in the same turn of
        the event loop: ONE pipeline (``EVALSHA`` per request, each still atomic, in order)
        on one pooled connection instead of a connection, a write and a read per request.

        The first caller of a turn yields once (the others of the turn join), then sends the
        batch and hands each caller its reply; the callers await only their own. A connection
        error fails the whole batch (each request answers 503 ``busy``, as before: had a script
        run, a retry answers ``limit_reached`` with its ticket)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((key, args, future))
        if len(self._pending) == 1:
            await asyncio.sleep(0)
            batch, self._pending = self._pending, []
            with contextlib.suppress(Exception):  # every caller's future holds the error
                await self._send(batch)
        return await future

    async def _send(self, batch: list[tuple[str, tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            async with self._r.pipeline(transaction=False) as pipe:
                for key, args, _future in batch:
                    pipe.execute_command("EVALSHA", self._buy.sha, 1, key, *args)
                replies = await pipe.execute(raise_on_error=False)
            for (key, args, future), sent in zip(batch, replies, strict=True):
                # NOSCRIPT (a scripts flush, a failover): the script object loads it and runs
                # the call again.
                reply = (
                    await self._buy(keys=[key], args=list(args))
                    if isinstance(sent, NoScriptError)
                    else sent
                )
                if future.done():
                    continue
                if isinstance(reply, Exception):
                    future.set_exception(reply)
                else:
                    future.set_result(reply)
        except BaseException as exc:
            for _key, _args, future in batch:
                if not future.done():
                    future.set_exception(
                        exc if isinstance(exc, Exception) else ConnectionError("cancelled")
                    )
            raise

    async def ticket(self, campaign_id: int, ticket: str) -> TicketRecord | None:
        raw = await self._r.hget(self._key(campaign_id, "tickets"), ticket)
        return None if raw is None else TicketRecord.decode(raw)

    # -- consumers -----------------------------------------------------------------------------

    async def _read(
        self, campaign_ids: Sequence[int], consumer: str, start: str, *, count: int, block: int
    ) -> list[StreamEntry]:
        if not campaign_ids:
            return []
        if self._cluster and len(campaign_ids) > 1:
            # One XREADGROUP may name streams of one slot only on Redis Cluster, and each
            # campaign has a slot of its own: one read per campaign, side by side (each returns
            # as soon as its stream has entries, the call when every read has returned).
            found = await asyncio.gather(
                *(self._read([c], consumer, start, count=count, block=block) for c in campaign_ids)
            )
            return [entry for entries in found for entry in entries]
        streams = {self._key(c, "orders"): start for c in campaign_ids}
        by_key = {self._key(c, "orders"): c for c in campaign_ids}
        try:
            answer = await self._r.xreadgroup(
                GROUP,
                consumer,
                streams,
                count=count,
                block=block or None,
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream went away with a Redis restart: recreate it (empty) and its group.
            for campaign_id in campaign_ids:
                await self._ensure_group(campaign_id)
            return []
        entries = []
        for stream, items in answer or []:
            campaign_id = by_key[stream.decode() if isinstance(stream, bytes) else stream]
            for entry_id, fields in items:
                if fields:  # a pending entry deleted from the stream comes back empty
                    entries.append(_entry(campaign_id, entry_id, fields))
        return entries

    async def read_entries(
        self, campaign_ids: Sequence[int], consumer: str, *, count: int, block_ms: int
    ) -> list[StreamEntry]:
        return await self._read(campaign_ids, consumer, ">", count=count, block=block_ms)

    async def own_pending(
        self, campaign_ids: Sequence[int], consumer: str, *, count: int
    ) -> list[StreamEntry]:
        return await self._read(campaign_ids, consumer, "0", count=count, block=0)

    async def claim_stale(
        self, campaign_ids: Sequence[int], consumer: str, *, idle_ms: int, count: int
    ) -> list[StreamEntry]:
        entries: list[StreamEntry] = []
        for campaign_id in campaign_ids:
            try:
                answer = await self._r.xautoclaim(
                    self._key(campaign_id, "orders"),
                    GROUP,
                    consumer,
                    min_idle_time=idle_ms,
                    start_id="0-0",
                    count=count,
                )
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                continue
            for entry_id, fields in answer[1]:
                if fields:
                    entries.append(_entry(campaign_id, entry_id, fields))
        return entries

    async def mark_created(
        self, campaign_id: int, ticket: str, record: TicketRecord, entry_id: str | None
    ) -> None:
        await self._mark_created(
            keys=[self._key(campaign_id, "tickets"), self._key(campaign_id, "orders")],
            args=[ticket, record.encode(), entry_id or "", GROUP],
        )

    async def give_back(self, give: GiveBack) -> int | None:
        c = give.campaign_id
        after = await self._give_back(
            keys=[
                self._key(c, "stock"),
                self._key(c, "bought"),
                self._key(c, "tickets"),
                self._key(c, "returned"),
                self._key(c, "orders"),
            ],
            args=[
                give.ticket,
                give.sku_id,
                give.member_id,
                give.quantity,
                "1" if give.restore_limit else "0",
                give.record.encode(),
                give.entry_id or "",
                GROUP,
            ],
        )
        return None if int(after) < 0 else int(after)

    async def _group_state(self, campaign_id: int) -> tuple[int, str]:
        """(pending count, last delivered id) of the consumer group; (0, "0-0") without one."""
        try:
            groups = await self._r.xinfo_groups(self._key(campaign_id, "orders"))
        except ResponseError:
            return 0, "0-0"
        for group in groups:
            name = group.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == GROUP:
                last = group.get("last-delivered-id") or b"0-0"
                return int(group.get("pending") or 0), (
                    last.decode() if isinstance(last, bytes) else str(last)
                )
        return 0, "0-0"

    async def backlog(self, campaign_id: int) -> int:
        pending, last_delivered = await self._group_state(campaign_id)
        undelivered = await self._r.xrange(
            self._key(campaign_id, "orders"), min=f"({last_delivered}", max="+", count=1000
        )
        return pending + len(undelivered)

    async def reconcile_snapshot(self, campaign_id: int) -> ReconcileSnapshot:
        k = self._key
        stock_raw, returned_raw, last_id = await self._snapshot(
            keys=[k(campaign_id, "stock"), k(campaign_id, "returned"), k(campaign_id, "orders")]
        )
        remaining = {int(stock_raw[i]): int(stock_raw[i + 1]) for i in range(0, len(stock_raw), 2)}
        last = last_id.decode() if isinstance(last_id, bytes) else str(last_id)
        entries: list[StreamEntry] = []
        start = "-"
        while last != "0-0":
            batch = await self._r.xrange(k(campaign_id, "orders"), min=start, max=last, count=1000)
            entries += [_entry(campaign_id, entry_id, fields) for entry_id, fields in batch]
            if len(batch) < 1000:
                break
            start = "(" + entries[-1].entry_id
        pending: set[str] = set()
        try:
            cursor = "-"
            while True:
                rows = await self._r.xpending_range(
                    k(campaign_id, "orders"), GROUP, min=cursor, max="+", count=1000
                )
                pending |= {
                    r["message_id"].decode()
                    if isinstance(r["message_id"], bytes)
                    else str(r["message_id"])
                    for r in rows
                }
                if len(rows) < 1000:
                    break
                cursor = "(" + max(pending, key=entry_order)
        except ResponseError:
            pass
        _count, last_delivered = await self._group_state(campaign_id)
        return ReconcileSnapshot(
            remaining=remaining,
            returned=frozenset(t.decode() for t in returned_raw),
            entries=entries,
            pending=frozenset(pending),
            last_delivered_id=last_delivered,
        )

    async def requeue(self, entry: StreamEntry) -> str:
        entry_id = await self._r.xadd(
            self._key(entry.campaign_id, "orders"),
            {
                "t": entry.ticket,
                "m": entry.member_id,
                "s": entry.sku_id,
                "q": entry.quantity,
                "at": entry.queued_at_ms,
            },
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    # -- challenges ---------------------------------------------------------------------------

    async def put_challenge(self, challenge_id: str, value: str, ttl_seconds: int) -> None:
        await self._r.set(f"{self.namespace}flash:challenge:{challenge_id}", value, ex=ttl_seconds)

    async def take_challenge(self, challenge_id: str) -> str | None:
        raw = await self._r.getdel(f"{self.namespace}flash:challenge:{challenge_id}")
        return None if raw is None else raw.decode()

    async def publish(self, message: str) -> None:
        await self._r.publish(self.signals, message)


# -- in process ---------------------------------------------------------------------------------


@dataclass
class _Campaign:
    starts_ms: int = 0
    ends_ms: int = 0
    state: str = CLOSED
    info: bytes = b""
    stock: dict[int, int] = field(default_factory=dict)
    limit: dict[int, int] = field(default_factory=dict)
    bought: dict[str, int] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)
    tickets: dict[str, str] = field(default_factory=dict)
    returned: set[str] = field(default_factory=set)
    entries: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # The consumer group: next undelivered index, pending entry id -> (consumer, delivered at).
    delivered_upto: int = 0
    pending: dict[str, tuple[str, int]] = field(default_factory=dict)
    seq: tuple[int, int] = (0, 0)


class MemoryFlashStore(FlashStore):
    """Embedded mode: one process, no Redis. Same semantics as :class:`RedisFlashStore`."""

    kind = "memory"

    def __init__(self) -> None:
        self._campaigns: dict[int, _Campaign] = {}
        self._counters: dict[str, tuple[int, int]] = {}  # key -> (count, expires at ms)
        self._sets: dict[str, set[int]] = {}
        self._challenges: dict[str, tuple[str, float]] = {}
        self._new_entry = asyncio.Event()
        self.listeners: list[Listener] = []

    def _get(self, campaign_id: int) -> _Campaign | None:
        return self._campaigns.get(campaign_id)

    def _count(self, key: str, window_ms: int, now: int) -> tuple[int, int]:
        count, expires = self._counters.get(key, (0, 0))
        if expires <= now:
            count, expires = 0, now + window_ms
        count += 1
        self._counters[key] = (count, expires)
        return count, expires - now

    async def warm(
        self,
        campaign_id: int,
        *,
        starts_ms: int,
        ends_ms: int,
        is_open: bool,
        info: bytes,
        items: Sequence[tuple[int, int, int]],
        bought: Mapping[str, int],
    ) -> None:
        c = self._campaigns.setdefault(campaign_id, _Campaign())
        c.starts_ms, c.ends_ms, c.state, c.info = (
            starts_ms,
            ends_ms,
            OPEN if is_open else CLOSED,
            info,
        )
        for sku_id, remaining, limit in items:
            c.stock.setdefault(sku_id, remaining)
            c.limit[sku_id] = limit
        for who, units in bought.items():
            c.bought.setdefault(who, units)

    async def close(self, campaign_id: int, *, expire_seconds: int | None = None) -> None:
        c = self._get(campaign_id)
        if c is not None:
            c.state = CLOSED

    async def is_warm(self, campaign_id: int) -> bool:
        return campaign_id in self._campaigns

    async def info(self, campaign_id: int) -> bytes | None:
        c = self._get(campaign_id)
        return c.info if c is not None else None

    async def remaining(self, campaign_id: int) -> dict[int, int]:
        c = self._get(campaign_id)
        return dict(c.stock) if c is not None else {}

    async def buy(
        self,
        *,
        campaign_id: int,
        sku_id: int,
        member_id: int,
        quantity: int,
        ticket: str,
        ip: str,
        per_member: int,
        per_ip: int,
        window_ms: int,
    ) -> BuyResult:
        now = _now_ms()
        # Every attempt counts against both windows, refused or not (as in the script).
        counted = [
            (self._count(f"{campaign_id}:m:{member_id}", window_ms, now), per_member),
            (self._count(f"{campaign_id}:ip:{ip}", window_ms, now), per_ip),
        ]
        for (count, left_ms), most in counted:
            if count > most:
                return BuyResult("rate_limited", retry_after_ms=max(left_ms, 1))
        c = self._get(campaign_id)
        if c is None:
            return BuyResult("not_ready")
        if c.state != OPEN:
            return BuyResult("ended")
        if now < c.starts_ms:
            return BuyResult("not_started")
        if now >= c.ends_ms:
            return BuyResult("ended")
        limit = c.limit.get(sku_id)
        if limit is None:
            return BuyResult("unknown_sku")
        who = f"{member_id}:{sku_id}"
        if c.bought.get(who, 0) + quantity > limit:
            return BuyResult("limit_reached", ticket=c.last.get(who))
        stock = c.stock.get(sku_id, 0)
        if stock < quantity:
            return BuyResult("sold_out", remaining=stock)
        c.stock[sku_id] = stock - quantity
        c.bought[who] = c.bought.get(who, 0) + quantity
        c.last[who] = ticket
        c.tickets[ticket] = TicketRecord("queued", member_id, sku_id, quantity).encode()
        self._append(
            c,
            {
                "t": ticket,
                "m": str(member_id),
                "s": str(sku_id),
                "q": str(quantity),
                "at": str(now),
            },
            now,
        )
        return BuyResult("queued", remaining=stock - quantity, ticket=ticket)

    def _append(self, c: _Campaign, fields: dict[str, str], now: int) -> str:
        ms, seq = c.seq
        c.seq = (ms, seq + 1) if now <= ms else (now, 0)
        entry_id = f"{c.seq[0]}-{c.seq[1]}"
        c.entries.append((entry_id, fields))
        self._new_entry.set()
        return entry_id

    async def ticket(self, campaign_id: int, ticket: str) -> TicketRecord | None:
        c = self._get(campaign_id)
        raw = c.tickets.get(ticket) if c is not None else None
        return None if raw is None else TicketRecord.decode(raw)

    def _deliver_new(
        self, campaign_ids: Sequence[int], consumer: str, count: int
    ) -> list[StreamEntry]:
        out: list[StreamEntry] = []
        now = _now_ms()
        for campaign_id in campaign_ids:
            c = self._get(campaign_id)
            while c is not None and c.delivered_upto < len(c.entries) and len(out) < count:
                entry_id, fields = c.entries[c.delivered_upto]
                c.delivered_upto += 1
                c.pending[entry_id] = (consumer, now)
                out.append(_entry(campaign_id, entry_id, fields))
        return out

    async def read_entries(
        self, campaign_ids: Sequence[int], consumer: str, *, count: int, block_ms: int
    ) -> list[StreamEntry]:
        found = self._deliver_new(campaign_ids, consumer, count)
        if found or block_ms <= 0:
            return found
        self._new_entry.clear()
        try:
            await asyncio.wait_for(self._new_entry.wait(), block_ms / 1000)
        except TimeoutError:
            return []
        return self._deliver_new(campaign_ids, consumer, count)

    def _pending_entries(
        self,
        campaign_ids: Iterable[int],
        accept: Callable[[str, int], bool],
        consumer: str,
        count: int,
    ) -> list[StreamEntry]:
        out: list[StreamEntry] = []
        now = _now_ms()
        for campaign_id in campaign_ids:
            c = self._get(campaign_id)
            if c is None:
                continue
            for entry_id, fields in c.entries:
                holder = c.pending.get(entry_id)
                if holder is not None and accept(holder[0], now - holder[1]) and len(out) < count:
                    c.pending[entry_id] = (consumer, now)
                    out.append(_entry(campaign_id, entry_id, fields))
        return out

    async def own_pending(
        self, campaign_ids: Sequence[int], consumer: str, *, count: int
    ) -> list[StreamEntry]:
        return self._pending_entries(
            campaign_ids, lambda holder, _idle: holder == consumer, consumer, count
        )

    async def claim_stale(
        self, campaign_ids: Sequence[int], consumer: str, *, idle_ms: int, count: int
    ) -> list[StreamEntry]:
        return self._pending_entries(
            campaign_ids,
            lambda _holder, idle: idle >= idle_ms,
            consumer,
            count,
        )

    async def mark_created(
        self, campaign_id: int, ticket: str, record: TicketRecord, entry_id: str | None
    ) -> None:
        c = self._get(campaign_id)
        if c is None:
            return
        c.tickets[ticket] = record.encode()
        if entry_id is not None:
            c.pending.pop(entry_id, None)

    async def give_back(self, give: GiveBack) -> int | None:
        c = self._campaigns.setdefault(give.campaign_id, _Campaign())
        after: int | None = None
        if give.ticket not in c.returned:
            c.returned.add(give.ticket)
            after = c.stock[give.sku_id] = c.stock.get(give.sku_id, 0) + give.quantity
            if give.restore_limit:
                who = f"{give.member_id}:{give.sku_id}"
                left = c.bought.get(who, 0) - give.quantity
                if left > 0:
                    c.bought[who] = left
                else:
                    c.bought.pop(who, None)
            c.tickets[give.ticket] = give.record.encode()
        if give.entry_id is not None:
            c.pending.pop(give.entry_id, None)
        return after

    async def backlog(self, campaign_id: int) -> int:
        c = self._get(campaign_id)
        return 0 if c is None else len(c.pending) + len(c.entries) - c.delivered_upto

    async def reconcile_snapshot(self, campaign_id: int) -> ReconcileSnapshot:
        c = self._get(campaign_id) or _Campaign()
        delivered = c.entries[c.delivered_upto - 1][0] if c.delivered_upto else "0-0"
        return ReconcileSnapshot(
            remaining=dict(c.stock),
            returned=frozenset(c.returned),
            entries=[_entry(campaign_id, entry_id, fields) for entry_id, fields in c.entries],
            pending=frozenset(c.pending),
            last_delivered_id=delivered,
        )

    async def requeue(self, entry: StreamEntry) -> str:
        c = self._campaigns.setdefault(entry.campaign_id, _Campaign())
        fields = {
            "t": entry.ticket,
            "m": str(entry.member_id),
            "s": str(entry.sku_id),
            "q": str(entry.quantity),
            "at": str(entry.queued_at_ms),
        }
        return self._append(c, fields, _now_ms())

    async def put_challenge(self, challenge_id: str, value: str, ttl_seconds: int) -> None:
        self._challenges[challenge_id] = (value, time.monotonic() + ttl_seconds)

    async def take_challenge(self, challenge_id: str) -> str | None:
        found = self._challenges.pop(challenge_id, None)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    async def publish(self, message: str) -> None:
        for listener in list(self.listeners):
            listener(message)
