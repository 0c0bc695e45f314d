"""Two-level read cache for hot public reads (catalog, categories): L1 in process, L2 in Redis.

One call does everything a read path needs::

    body = await ctx.cache.get_or_load("catalog_product", product_id, load, ttl=60)

- **L1** is cashews' ``Memory`` backend (LRU, size-bounded, per-entry TTL). It is used only while
  invalidations can reach it: always when embedded, and with Redis only while this process is
  subscribed to the invalidation channel (otherwise reads go straight to L2, never to a stale L1).
- **L2** is Redis (when ``settings.redis_url``), shared by every replica, through the process's
  own ``redis.asyncio`` client.
- **No stampede**: concurrent misses for one key in a process share one load (single-flight); with
  Redis a short lease (``SET NX PX``) lets one process load while the others poll L2 briefly.
- **No wait at expiry (refresh-ahead)**: an L1 hit in the last ``refresh_ahead`` part of its
  TTL (the *window*, e.g. the last 0.6 s of 3 s) starts one background refresh for that key
  and is answered at once with the current bytes, as is every request until the refresh
  lands; a busy key is therefore reloaded before it expires and no request waits on its load.
  A refresh that has not landed when the TTL ends (a loop busy under load, another replica's
  lease) keeps the old bytes answering for at most one more window; without a refresh running
  an expired entry is a miss. With Redis the refresh takes the L2 value only if another
  replica has already renewed it (more than a window left), else it loads (under the lease).
- **Encoded once**: an entry is the body as bytes plus its strong ETag (``CachedBody``),
  computed when the entry is filled, so a hit hashes and serialises nothing
  (``get_or_load_entry``; ``get_or_load`` returns the bytes alone).
- **No avalanche**: every TTL is jittered by ±10 %.
- **No penetration**: "not found" (a loader returning ``None``) is cached for ``negative_ttl``.
- **Consistency**: ``invalidate`` / ``invalidate_namespace`` drop L2, publish on
  ``<redis_prefix>cache:invalidate`` so every replica drops its L1, and revoke the fill lease so
  a load that read the database before the change can never write its stale value back
  (memcached-style leases). ``invalidate_after_commit(session, ...)`` runs the invalidation only
  if the transaction commits. An L1 entry filled from L2 lives no longer than the L2 entry has
  left, so a value is never older than its TTL (plus jitter, plus the window while its refresh
  runs) in any process.

Why not cashews' own ``Cache``/``BcastClientSide`` for all of it (measured against our needs):
its Redis backend pickles values and turns any all-digit value into ``int``; ``BcastClientSide``
hides which level answered (no per-level metrics), keeps L1 entries with no TTL, and ignores
other writers' invalidations for 5 s after a local write (a stale-L1 window); neither has
single-flight with leases, negative caching or after-commit invalidation. So cashews provides L1
storage; leases, single-flight, the invalidation channel and metrics are written here.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Final, NamedTuple, TypeVar

import orjson
import structlog
from cashews.backends.memory import Memory
from prometheus_client import Counter
from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shoplet.core.db import on_commit, read_session
from shoplet.core.observability import Metrics
from shoplet.core.redis_pool import is_cluster

log = structlog.get_logger("shoplet.cache")

M = TypeVar("M", bound=BaseModel)
CacheValue = bytes | BaseModel | None
Loader = Callable[[], Awaitable[CacheValue]]

# Under the default namespace; ``Cache(namespace=settings.redis_prefix)`` moves both.
CHANNEL: Final = "shoplet:cache:invalidate"
PREFIX: Final = "shoplet:cache"
DEFAULT_TTL: Final = 60.0
DEFAULT_NEGATIVE_TTL: Final = 30.0
JITTER: Final = 0.10
REFRESH_AHEAD: Final = 0.2

_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
# Keys that are safe verbatim in Redis keys, L1 patterns and log lines; others are hashed.
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.:=&,+@%/-]{1,160}$")
_FOUND: Final = b"\x01"
_NOT_FOUND: Final = b"\x00"
_SESSION_CACHE: Final = "shoplet.cache"
# Keys (and namespaces) a session has invalidated: its own reads of them skip the cache.
_SESSION_WRITTEN: Final = "shoplet.cache.written"
# The sessionmaker a session came from: cache fills read in sessions of their own.
_SESSION_MAKER: Final = "shoplet.cache.sessionmaker"

# KEYS[1] value, KEYS[2] lease; ARGV token, value, ttl ms. Writes only while the lease is ours:
# an invalidation deletes the lease, so a load that raced a change cannot write back stale data.
_FILL_IF_LEASED = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
"""
# KEYS[1] value, KEYS[2] lease; ARGV token, lease ms, freshness ms. One step, so a fill that
# lands between "no value" and "take the lease" (the fill deletes the lease) cannot make a
# second loader: {1, value, pttl} when a fresh enough value is there, {2} when the lease is now
# ours, {0} when another loader holds it.
_VALUE_OR_LEASE = """
local value = redis.call('GET', KEYS[1])
if value then
  local left = redis.call('PTTL', KEYS[1])
  if left > tonumber(ARGV[3]) then
    return {1, value, left}
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then
  return {2}
end
return {0}
"""
_RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def jittered_ttl(ttl: float, *, spread: float = JITTER, rng: random.Random | None = None) -> float:
    """``ttl`` scaled by a uniform factor in [1 - spread, 1 + spread]: keys loaded together do
    not all expire together."""
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    factor = (rng or _rng).uniform(1.0 - spread, 1.0 + spread)
    return ttl * factor


_rng = random.Random()  # noqa: S311 - jitter, not security


def to_json_bytes(value: Any) -> bytes:
    """Serialise once: Pydantic models via their compiled serializer, anything else via orjson
    (which also handles models nested in lists/dicts)."""
    if isinstance(value, BaseModel):
        return value.__pydantic_serializer__.to_json(value)
    return orjson.dumps(value, default=_orjson_default)


def _orjson_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def strong_etag(body: bytes) -> str:
    """A strong HTTP ETag for ``body`` (quoted, as sent): BLAKE2b of the exact bytes, so every
    replica tags identical bodies alike."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


class CachedBody(NamedTuple):
    """One cache entry: the encoded body (``None``: "not found") and its ETag, both computed
    once per fill; ``refresh_at`` is when a hit starts refreshing it (the cache's clock)."""

    body: bytes | None
    etag: str | None
    refresh_at: float = float("inf")
    # When the entry's TTL ends (the cache's clock). L1 keeps it a refresh window longer, and
    # a hit past this moment is answered only while a refresh of the key is still running.
    stale_at: float = float("inf")

    @classmethod
    def of(
        cls, body: bytes | None, refresh_at: float = float("inf"), stale_at: float = float("inf")
    ) -> CachedBody:
        return cls(body, None if body is None else strong_etag(body), refresh_at, stale_at)


class _Ttl(NamedTuple):
    found: float
    not_found: float


class _LeaderGone(Exception):
    """The task loading a key was cancelled; waiters retry instead of failing."""


def _has_hash_tag(key: str) -> bool:
    """Redis Cluster hashes only the part between the first ``{`` and the next ``}`` when it is
    not empty."""
    start = key.find("{")
    return start >= 0 and key.find("}", start + 1) > start + 1


class _RedisTier:
    """L2 and the invalidation channel on the process's ``redis.asyncio`` client.

    Every call degrades instead of failing the request when Redis is unreachable: reads miss,
    leases report ``None`` (load, do not write L2), writes are skipped; each is logged.
    """

    def __init__(self, redis: Redis, *, prefix: str, channel: str, lease_ttl: float) -> None:
        self.redis = redis
        self.prefix = prefix
        self.channel = channel
        self.lease_ms = int(lease_ttl * 1000)
        self.cluster = is_cluster(redis)
        self._fill_script = redis.register_script(_FILL_IF_LEASED)
        self._release_script = redis.register_script(_RELEASE_LEASE)
        self._value_or_lease_script = redis.register_script(_VALUE_OR_LEASE)

    def value_key(self, full: str) -> str:
        return f"{self.prefix}:v:{full}"

    def lease_key(self, full: str) -> str:
        """On the value key's hash slot (the fill script and invalidations take both keys in one
        call, which Redis Cluster allows only on one slot): the value key itself as the lease's
        hash tag, or the same plain name when the value key already carries a tag of its own."""
        value = self.value_key(full)
        if _has_hash_tag(value) or "}" in value:  # (a "}" cannot be inside a tag: full keys
            return f"{self.prefix}:lease:{full}"  # never hold one, a prefix should not either)
        return f"{self.prefix}:lease:{{{value}}}"

    def lease_patterns(self, namespace: str) -> tuple[str, str]:
        """SCAN patterns of a namespace's leases, in both of :meth:`lease_key`'s forms."""
        return (
            f"{self.prefix}:lease:{namespace}:*",
            f"{self.prefix}:lease:{{{self.value_key(namespace)}:*",
        )

    async def get(self, full: str) -> tuple[bytes, float] | None:
        """The envelope and its remaining life in seconds, or None."""
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.get(self.value_key(full))
                pipe.pttl(self.value_key(full))
                found, pttl = await pipe.execute()
        except (RedisError, OSError):
            log.warning("cache.l2_unavailable", key=full, exc_info=True)
            return None
        if found is None:
            return None
        return found, (pttl / 1000 if pttl > 0 else 0.0)

    async def value_or_lease(
        self, full: str, token: str, fresh_enough: float
    ) -> tuple[bytes, float] | bool | None:
        """A value with more than ``fresh_enough`` seconds left (and its life), else the lease:
        True when taken, False when another loader holds it; None: Redis unavailable."""
        try:
            answer = await self._value_or_lease_script(
                keys=[self.value_key(full), self.lease_key(full)],
                args=[token, self.lease_ms, int(fresh_enough * 1000)],
            )
        except (RedisError, OSError):
            log.warning("cache.l2_unavailable", key=full, exc_info=True)
            return None
        if answer[0] == 1:
            return bytes(answer[1]), int(answer[2]) / 1000
        return bool(answer[0] == 2)

    async def release_lease(self, full: str, token: str) -> None:
        try:
            await self._release_script(keys=[self.lease_key(full)], args=[token])
        except (RedisError, OSError):
            log.warning("cache.l2_unavailable", key=full, exc_info=True)

    async def fill(self, full: str, token: str, envelope: bytes, expire: float) -> None:
        try:
            await self._fill_script(
                keys=[self.value_key(full), self.lease_key(full)],
                args=[token, envelope, max(1, int(expire * 1000))],
            )
        except (RedisError, OSError):
            log.warning("cache.l2_unavailable", key=full, exc_info=True)

    async def delete_and_publish(self, full: str, message: bytes) -> None:
        try:
            if self.cluster:  # a cluster pipeline refuses PUBLISH (a channel has no slot)
                await self.redis.unlink(self.value_key(full), self.lease_key(full))
                await self.redis.publish(self.channel, message)
                return
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.unlink(self.value_key(full), self.lease_key(full))
                pipe.publish(self.channel, message)
                await pipe.execute()
        except (RedisError, OSError):
            log.exception("cache.invalidate_failed", key=full)

    async def delete_namespace_and_publish(self, namespace: str, message: bytes) -> None:
        # SCAN, not KEYS: it never blocks Redis; namespace invalidations are rare (tree edits).
        try:
            for pattern in (self.value_key(f"{namespace}:*"), *self.lease_patterns(namespace)):
                batch: list[bytes] = []
                async for found in self.redis.scan_iter(match=pattern, count=500):
                    batch.append(found)
                    if len(batch) >= 500:
                        await self.redis.unlink(*batch)
                        batch = []
                if batch:
                    await self.redis.unlink(*batch)
            await self.redis.publish(self.channel, message)
        except (RedisError, OSError):
            log.exception("cache.invalidate_failed", namespace=namespace)


class Cache:
    """L1 (in process) + L2 (Redis, optional) read-through cache with broadcast invalidation."""

    def __init__(
        self,
        redis: Redis | None,
        metrics: Metrics | None = None,
        *,
        l1_size: int = 10_000,
        lease_ttl: float = 5.0,
        lease_wait: float = 1.0,
        poll_interval: float = 0.02,
        jitter: float = JITTER,
        namespace: str = "shoplet:",
        prefix: str | None = None,
        channel: str | None = None,
        rng: random.Random | None = None,
        refresh_ahead: float = REFRESH_AHEAD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``namespace`` is the Redis prefix (``settings.redis_prefix``): L2 keys and leases go
        under ``<namespace>cache:``, invalidations on ``<namespace>cache:invalidate``, unless
        ``prefix`` / ``channel`` name them outright. ``refresh_ahead``: the last part of an L1
        entry's life (0.2: its last fifth) in which a hit refreshes it in the background
        (0 turns refresh-ahead off); ``clock`` (monotonic seconds) decides when, for tests."""
        if not 0 <= refresh_ahead < 1:
            raise ValueError("refresh_ahead must be in [0, 1)")
        self.metrics = metrics or Metrics()
        prefix = prefix if prefix is not None else f"{namespace}cache"
        channel = channel if channel is not None else f"{namespace}cache:invalidate"
        # check_interval=0: no sweeper task; expired entries go lazily and LRU bounds the size.
        self.l1 = Memory(size=l1_size, check_interval=0)
        self.l2 = (
            _RedisTier(redis, prefix=prefix, channel=channel, lease_ttl=lease_ttl)
            if redis is not None
            else None
        )
        self.lease_wait = lease_wait
        self.poll_interval = poll_interval
        self.jitter = jitter
        self.refresh_ahead = refresh_ahead
        self._clock = clock
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self.origin = secrets.token_hex(8)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._inflight: dict[str, asyncio.Future[CachedBody]] = {}
        # Bumped by invalidations: a fill that started before one must not fill L1.
        self._epoch = 0
        self._ns_generation: dict[str, int] = {}
        self._subscribed = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._started = False
        self._counters: dict[tuple[str, str, str], Counter] = {}
        # Full keys and namespaces committed but not yet invalidated -> pending count.
        self._pending_keys: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def l1_enabled(self) -> bool:
        """L1 answers only while invalidations can reach it."""
        return self.l2 is None or self._subscribed.is_set()

    async def start(self, *, wait: float = 5.0) -> None:
        """Subscribe to the invalidation channel (Redis); idempotent. Call from the lifespan."""
        if self._started:
            return
        self._started = True
        if self.l2 is None:
            return
        self._listener = asyncio.create_task(
            self._listen_forever(self.l2), name="shoplet-cache-invalidations"
        )
        try:
            await asyncio.wait_for(self._subscribed.wait(), wait)
        except TimeoutError:
            log.warning("cache.subscribe_slow", wait=wait)

    async def stop(self) -> None:
        """Cancel refreshes, finish pending invalidations, stop listening, drop L1; idempotent."""
        refreshing = list(self._refreshing.values())
        for task in refreshing:
            task.cancel()
        await asyncio.gather(*refreshing, return_exceptions=True)
        await self.drain()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._subscribed.clear()
        self._started = False
        await self.l1.clear()

    async def drain(self) -> None:
        """Wait for invalidations scheduled by ``invalidate_after_commit`` and for background
        refreshes."""
        while self._background or self._refreshing:
            await asyncio.gather(
                *tuple(self._background), *self._refreshing.values(), return_exceptions=True
            )

    # -- reads -------------------------------------------------------------------------------

    async def get_or_load(
        self,
        namespace: str,
        key: str | int,
        loader: Loader,
        *,
        ttl: float = DEFAULT_TTL,
        negative_ttl: float = DEFAULT_NEGATIVE_TTL,
    ) -> bytes | None:
        """The cached bytes for ``namespace``/``key``, loading them with ``loader`` on a miss.

        ``loader`` returns bytes (e.g. ``to_json_bytes(...)``), a Pydantic model (serialised once
        here), or ``None`` for "not found", which is cached for ``negative_ttl`` seconds.
        Loader exceptions are not cached; concurrent waiters for the same key see the same one.
        """
        entry = await self.get_or_load_entry(
            namespace, key, loader, ttl=ttl, negative_ttl=negative_ttl
        )
        return entry.body

    async def get_or_load_entry(
        self,
        namespace: str,
        key: str | int,
        loader: Loader,
        *,
        ttl: float = DEFAULT_TTL,
        negative_ttl: float = DEFAULT_NEGATIVE_TTL,
    ) -> CachedBody:
        """As ``get_or_load``, with the body's ETag: what an HTTP endpoint sends as it is."""
        full = self.full_key(namespace, key)
        if ttl <= 0 or negative_ttl <= 0:
            raise ValueError("ttl and negative_ttl must be positive")
        if self._pending_keys and (full in self._pending_keys or namespace in self._pending_keys):
            # Committed but not yet invalidated: neither level may answer, and nothing is kept.
            return CachedBody.of(_encode(await loader()))
        if self.l1_enabled:
            hit: CachedBody | None = await self.l1.get(full)
            if hit is not None:
                now = self._clock()
                if now < hit.stale_at or full in self._refreshing:
                    # Past its TTL only while its refresh runs (at most a refresh window):
                    # a refresh slowed by a busy loop or another replica's lease never makes
                    # the requests behind it wait.
                    self._count(namespace, "l1", "hit")
                    if hit.refresh_at <= now and full not in self._refreshing:
                        self._refresh(namespace, full, loader, _Ttl(ttl, negative_ttl))
                    return hit
            self._count(namespace, "l1", "miss")
        return await self._load_shared(namespace, full, loader, _Ttl(ttl, negative_ttl))

    async def _load_shared(
        self, namespace: str, full: str, loader: Loader, ttl: _Ttl, *, renew: bool = False
    ) -> CachedBody:
        """Fill ``full`` once however many ask at the same time (single-flight)."""
        while (pending := self._inflight.get(full)) is not None:
            try:
                return await asyncio.shield(pending)
            except _LeaderGone:
                continue
        future: asyncio.Future[CachedBody] = asyncio.get_running_loop().create_future()
        self._inflight[full] = future
        try:
            value = await self._fill(namespace, full, loader, ttl, renew=renew)
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        except BaseException:
            future.set_exception(_LeaderGone())
            future.exception()
            raise
        else:
            future.set_result(value)
            return value
        finally:
            if self._inflight.get(full) is future:
                del self._inflight[full]

    def _refresh(self, namespace: str, full: str, loader: Loader, ttl: _Ttl) -> None:
        """Renew ``full`` in the background; the hit that noticed it is answered meanwhile."""

        async def renew() -> None:
            try:
                await self._load_shared(namespace, full, loader, ttl, renew=True)
                self._count(namespace, "l1", "refresh")
            except Exception:
                # The current entry keeps being served until it expires; the next hit retries.
                log.warning("cache.refresh_failed", key=full, exc_info=True)
            finally:
                if self._refreshing.get(full) is task:
                    del self._refreshing[full]

        task = asyncio.get_running_loop().create_task(renew(), name=f"cache-refresh:{full}")
        self._refreshing[full] = task

    async def get_or_load_model(
        self,
        namespace: str,
        key: str | int,
        loader: Callable[[], Awaitable[M | None]],
        model: type[M],
        *,
        ttl: float = DEFAULT_TTL,
        negative_ttl: float = DEFAULT_NEGATIVE_TTL,
    ) -> M | None:
        """Typed variant: the model, parsed from the cached JSON. Endpoints that only send the
        value on should prefer ``get_or_load`` and return the bytes as they are."""
        raw = await self.get_or_load(namespace, key, loader, ttl=ttl, negative_ttl=negative_ttl)
        return None if raw is None else model.model_validate_json(raw)

    async def _fill(
        self, namespace: str, full: str, loader: Loader, ttl: _Ttl, *, renew: bool = False
    ) -> CachedBody:
        """Load ``full`` through L2 (when there is one) into L1.

        ``renew`` (a refresh-ahead): an L2 value counts only if it has more life left than the
        refresh window (another replica renewed it); else it is the one this process replaces.
        """
        generation = self._generation(namespace)
        l2 = self.l2
        if l2 is None:
            value = _encode(await loader())
            return await self._store_l1(namespace, full, value, generation, ttl)

        fresh_enough = self.refresh_ahead * ttl.found if renew else 0.0
        found = await l2.get(full)
        self._count(namespace, "l2", "miss" if found is None else "hit")
        if found is not None and found[1] > fresh_enough:
            value = _unwrap(found[0])
            return await self._store_l1(namespace, full, value, generation, ttl, expire=found[1])

        token = secrets.token_hex(12)
        # Another replica may have filled the key since the read above: check and lease at once.
        leased = await l2.value_or_lease(full, token, fresh_enough)
        deadline = time.monotonic() + self.lease_wait
        while leased is False and time.monotonic() < deadline:
            # Another process is loading this key: poll L2 briefly rather than hit the database.
            await asyncio.sleep(self.poll_interval)
            leased = await l2.value_or_lease(full, token, fresh_enough)
        if isinstance(leased, tuple):
            value = _unwrap(leased[0])
            return await self._store_l1(namespace, full, value, generation, ttl, expire=leased[1])
        try:
            value = _encode(await loader())
        except BaseException:
            if leased is True:
                await l2.release_lease(full, token)
            raise
        expire = self._expire(value, ttl)
        if leased is True:
            envelope = _NOT_FOUND if value is None else _FOUND + value
            await l2.fill(full, token, envelope, expire)
        return await self._store_l1(namespace, full, value, generation, ttl, expire=expire)

    # -- invalidation ------------------------------------------------------------------------

    async def invalidate(self, namespace: str, key: str | int) -> None:
        """Drop one key everywhere: this L1, L2, and (via the channel) every replica's L1."""
        await self._invalidate_key(namespace, self.full_key(namespace, key))

    async def _invalidate_key(self, namespace: str, full: str) -> None:
        await self._drop_local(namespace, full)
        if self.l2 is not None:
            await self.l2.delete_and_publish(full, self._message(namespace, full))
            # Again: a local read between the first drop and the L2 delete may have refilled L1.
            await self._drop_local(namespace, full)

    async def invalidate_namespace(self, namespace: str) -> None:
        """Drop every key of a namespace everywhere (e.g. all product list pages)."""
        self._check_namespace(namespace)
        await self._drop_local(namespace, None)
        if self.l2 is not None:
            await self.l2.delete_namespace_and_publish(namespace, self._message(namespace, None))
            await self._drop_local(namespace, None)

    def invalidate_after_commit(
        self, session: AsyncSession | Session, namespace: str, key: str | int | None = None
    ) -> None:
        """Invalidate ``namespace``/``key`` (``key=None``: the whole namespace) once the session's
        transaction commits; a rollback discards it. Call it next to the write, before commit."""
        self._check_namespace(namespace)
        full = None if key is None else self.full_key(namespace, key)
        batch = on_commit(session, _Invalidations(self), key=(_Invalidations, id(self)))
        batch.items.append((namespace, full))

    def schedule_invalidations(self, items: Iterable[tuple[str, str | None]]) -> None:
        """Run invalidations (namespace, full key or None) in the background; ``drain()`` and
        ``stop()`` wait for them.

        Synchronously, before the first await: the keys are marked pending, so reads in this
        process bypass both levels until L2 is clean (read-your-writes right after commit),
        and fills already in flight are barred from L1 (generation bump).
        """
        unique = list(dict.fromkeys(items))
        for namespace, full in unique:
            marker = namespace if full is None else full
            self._pending_keys[marker] = self._pending_keys.get(marker, 0) + 1
            self._ns_generation[namespace] = self._ns_generation.get(namespace, 0) + 1
        task = asyncio.get_running_loop().create_task(self._invalidate_many(unique))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _invalidate_many(self, items: list[tuple[str, str | None]]) -> None:
        for namespace, full in items:
            try:
                if full is None:
                    await self.invalidate_namespace(namespace)
                else:
                    await self._invalidate_key(namespace, full)
            except Exception:
                log.exception("cache.invalidate_failed", namespace=namespace, key=full)
            finally:
                marker = namespace if full is None else full
                left = self._pending_keys.pop(marker, 1) - 1
                if left > 0:
                    self._pending_keys[marker] = left

    # -- keys --------------------------------------------------------------------------------

    def full_key(self, namespace: str, key: str | int) -> str:
        """``namespace:key``; keys that are long or hold unusual characters are hashed."""
        return _full_key(namespace, key)

    @staticmethod
    def _check_namespace(namespace: str) -> None:
        if not _NAMESPACE.match(namespace):
            raise ValueError(f"cache namespace must match {_NAMESPACE.pattern}: {namespace!r}")

    def _message(self, namespace: str, full: str | None) -> bytes:
        return orjson.dumps({"o": self.origin, "n": namespace, "k": full})

    # -- L1 ----------------------------------------------------------------------------------

    def _generation(self, namespace: str) -> tuple[int, int]:
        return self._epoch, self._ns_generation.get(namespace, 0)

    def _expire(self, value: bytes | None, ttl: _Ttl) -> float:
        base = ttl.found if value is not None else ttl.not_found
        return jittered_ttl(base, spread=self.jitter, rng=self._rng)

    async def _store_l1(
        self,
        namespace: str,
        full: str,
        value: bytes | None,
        generation: tuple[int, int],
        ttl: _Ttl,
        *,
        expire: float | None = None,
    ) -> CachedBody:
        """The entry for ``value``, kept in L1 for ``expire`` seconds (default: a jittered TTL;
        from L2: no longer than the L2 entry has left) unless an invalidation came meanwhile."""
        if expire is None:
            expire = self._expire(value, ttl)
        else:
            expire = min(expire, self._expire(value, ttl))
        if self.refresh_ahead:
            # The refresh window is the last part of the *TTL*, not of this entry's life: an
            # entry filled from L2 with 0.7 s left used to get a window of 0.14 s, too short for
            # a refresh that waits on another replica's lease, so under load it expired first
            # and the next requests waited on the fill (L1 misses on a hot key, the detail's
            # p99). Now it starts refreshing at once when it has less than the window left.
            window = self.refresh_ahead * (ttl.found if value is not None else ttl.not_found)
            refresh_at = self._clock() + max(0.0, expire - window)
        else:
            window, refresh_at = 0.0, float("inf")
        entry = CachedBody.of(value, refresh_at, self._clock() + expire)
        if self.l1_enabled and self._generation(namespace) == generation:
            await self.l1.set(full, entry, expire=max(expire + window, 0.001))
        return entry

    async def _drop_local(self, namespace: str, full: str | None) -> None:
        self._ns_generation[namespace] = self._ns_generation.get(namespace, 0) + 1
        if full is None:
            marker = f"{namespace}:"
            for inflight in [k for k in self._inflight if k.startswith(marker)]:
                del self._inflight[inflight]
            await self.l1.delete_match(f"{namespace}:*")
        else:
            self._inflight.pop(full, None)
            await self.l1.delete(full)

    async def _drop_all_local(self) -> None:
        self._epoch += 1
        self._inflight.clear()
        await self.l1.clear()

    # -- invalidation channel ----------------------------------------------------------------

    async def _listen_forever(self, l2: _RedisTier) -> None:
        backoff = 0.1
        while True:
            try:
                async with l2.redis.pubsub() as pubsub:
                    await pubsub.subscribe(l2.channel)
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        if kind == "subscribe":
                            # Messages may have been missed while unsubscribed: start L1 afresh.
                            await self._drop_all_local()
                            self._subscribed.set()
                            backoff = 0.1
                        elif kind == "message":
                            await self._apply_remote(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("cache.subscriber_lost", channel=l2.channel, exc_info=True)
            finally:
                self._subscribed.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _apply_remote(self, data: bytes) -> None:
        try:
            message = orjson.loads(data)
            origin, namespace, full = message["o"], message["n"], message["k"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("cache.bad_message", data=data[:200])
            return
        if origin == self.origin:
            return
        await self._drop_local(str(namespace), None if full is None else str(full))

    def _count(self, namespace: str, level: str, result: str) -> None:
        # The labelled child is looked up once: ``labels()`` takes a lock on every call.
        key = (namespace, level, result)
        child = self._counters.get(key)
        if child is None:
            child = self._counters[key] = self.metrics.cache_requests.labels(*key)
        child.inc()


@functools.lru_cache(maxsize=8192)
def _full_key(namespace: str, key: str | int) -> str:
    # Memoised: the hot reads ask for the same few keys all the time (two regex matches, and a
    # hash for unusual keys, per request otherwise).
    Cache._check_namespace(namespace)
    text = str(key)
    if not _SAFE_KEY.match(text):
        text = "h." + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return f"{namespace}:{text}"


def _encode(value: CacheValue) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, BaseModel):
        return to_json_bytes(value)
    raise TypeError(f"cache loaders return bytes, a Pydantic model or None, not {type(value)}")


def _unwrap(envelope: bytes) -> bytes | None:
    return envelope[1:] if envelope[:1] == _FOUND else None


# -- sessions carry the cache, so services can invalidate with only a session in hand ---------


def attach_cache(sessionmaker: async_sessionmaker[AsyncSession], cache: Cache) -> None:
    """Every session from ``sessionmaker`` carries ``cache`` (``Session.info``)."""
    info = dict(sessionmaker.kw.get("info") or {})
    info[_SESSION_CACHE] = cache
    info[_SESSION_MAKER] = sessionmaker
    sessionmaker.configure(info=info)


def cache_for(session: AsyncSession | Session) -> Cache | None:
    """The cache attached to this session's sessionmaker (``AppContext`` attaches its own)."""
    cache: Cache | None = session.info.get(_SESSION_CACHE)
    return cache


def invalidate_after_commit(
    session: AsyncSession | Session, namespace: str, key: str | int | None = None
) -> None:
    """For services: drop ``namespace``/``key`` (``None``: the namespace) from every cache level
    on every replica once this transaction commits; nothing happens if it rolls back.

    Sessions made outside an ``AppContext`` (a one-off script) carry no cache: nothing to drop
    in this process, so this is a no-op there.
    """
    cache = cache_for(session)
    if cache is None:
        log.debug("cache.no_cache_on_session", namespace=namespace)
        return
    cache.invalidate_after_commit(session, namespace, key)
    written: set[str] = session.info.setdefault(_SESSION_WRITTEN, set())
    written.add(namespace if key is None else cache.full_key(namespace, key))


async def read_through(
    session: AsyncSession,
    namespace: str,
    key: str | int,
    load: Callable[[AsyncSession], Awaitable[bytes]],
    *,
    ttl: float = DEFAULT_TTL,
) -> bytes:
    """For services: the bytes ``load(session)`` makes, from the cache attached to ``session``.

    A miss is loaded by the caller, in its own session: the requests waiting for that load may
    each hold a pooled connection, so asking the pool for one more could wait on them until it
    times out. A refresh-ahead runs in the background, possibly after the caller's request
    ended, so it loads in a ``read_session`` of its own from the session's sessionmaker.
    ``load`` runs in the caller's session instead of any cache level when the session carries
    no cache (a one-off script), or when this session itself changed what the key holds (it
    called ``invalidate_after_commit`` for it): a transaction reads its own writes, and a value
    it has not committed is never cached.
    """
    cache = cache_for(session)
    maker: async_sessionmaker[AsyncSession] | None = session.info.get(_SESSION_MAKER)
    if cache is None or maker is None:
        return await load(session)
    written: set[str] = session.info.get(_SESSION_WRITTEN) or set()
    if written and (namespace in written or cache.full_key(namespace, key) in written):
        return await load(session)

    in_caller = True

    async def fill() -> bytes:
        if in_caller:
            return await load(session)
        async with read_session(maker) as own:
            return await load(own)

    try:
        body = await cache.get_or_load(namespace, key, fill, ttl=ttl)
    finally:
        # From here on (a refresh the read started runs after it returns): a session of its own.
        in_caller = False
    return body if body is not None else await load(session)


class _Invalidations:
    """One transaction's invalidations for one cache, scheduled together after its commit."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.items: list[tuple[str, str | None]] = []

    def __call__(self) -> None:
        self.cache.schedule_invalidations(self.items)


__all__ = [
    "CHANNEL",
    "DEFAULT_NEGATIVE_TTL",
    "DEFAULT_TTL",
    "REFRESH_AHEAD",
    "Cache",
    "CacheValue",
    "CachedBody",
    "Loader",
    "attach_cache",
    "cache_for",
    "invalidate_after_commit",
    "jittered_ttl",
    "read_through",
    "strong_etag",
    "to_json_bytes",
]
