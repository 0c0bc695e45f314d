"""Per-process flash-sale state: the store, the local sold-out flags and campaign cache, tokens.

One :class:`FlashRuntime` per ``AppContext`` (``runtime_of(ctx)``), also reachable from event
handlers through their session (``runtime_for(session)``), like the payments runtime.

The edges answer most requests of a sale from memory:

- **sold-out flags** per (campaign, SKU): set when this process sees a SKU run out, or when
  another process says so on the ``<redis_prefix>flash:signals`` channel; cleared by a ``restock``
  signal (a failed request or a cancelled order gave units back). With Redis they are trusted
  only while this process is subscribed (a missed message could otherwise keep a flag stale);
  a (re)subscription starts from no flags at all.
- **campaign metadata** (window, prices, limits) from the warm-up snapshot, kept
  ``local_info_ttl_seconds`` and dropped at once by a ``campaign`` signal.

Both are optimisations only: the buy script in Redis decides every purchase.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Final

import orjson
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.errors import Unauthorized
from shoplet.core.redis_pool import is_cluster_url, redis_client
from shoplet.core.security import TokenError
from shoplet.modules.flashsale.config import FlashSaleSettings, flash_settings
from shoplet.modules.flashsale.risk import ArithmeticChallenge
from shoplet.modules.flashsale.schemas import CampaignInfo
from shoplet.modules.flashsale.store import (
    FlashStore,
    MemoryFlashStore,
    RedisFlashStore,
)
from shoplet.modules.flashsale.tokens import BuyTokens

log = structlog.get_logger("shoplet.flashsale")

RUNTIME_KEY: Final = "flashsale.runtime"


class EdgeState:
    def __init__(self, store: FlashStore, settings: Callable[[], FlashSaleSettings]) -> None:
        self.store = store
        self.settings = settings
        self._sold_out: set[tuple[int, int]] = set()
        self._info: dict[int, tuple[CampaignInfo | None, float]] = {}
        self._loading: dict[int, asyncio.Task[CampaignInfo | None]] = {}
        # Bumped whenever snapshots are dropped: a read begun before is not stored.
        self._generation = 0
        self._subscribed = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    @property
    def flags_trusted(self) -> bool:
        return isinstance(self.store, MemoryFlashStore) or self._subscribed.is_set()

    def is_sold_out(self, campaign_id: int, sku_id: int) -> bool:
        return self.flags_trusted and (campaign_id, sku_id) in self._sold_out

    def apply(self, message: str) -> None:
        kind, _, rest = message.partition(":")
        try:
            numbers = [int(part) for part in rest.split(":")]
        except ValueError:
            log.warning("flashsale.bad_signal", message=message[:100])
            return
        if kind == "soldout" and len(numbers) == 2:
            self._sold_out.add((numbers[0], numbers[1]))
        elif kind == "restock" and len(numbers) == 2:
            self._sold_out.discard((numbers[0], numbers[1]))
        elif kind == "campaign" and len(numbers) == 1:
            self._generation += 1
            self._info.pop(numbers[0], None)
            self._loading.pop(numbers[0], None)
            self._sold_out = {key for key in self._sold_out if key[0] != numbers[0]}

    async def campaign(self, campaign_id: int) -> CampaignInfo | None:
        """The warm snapshot of a campaign, from process memory when fresh, else the store.

        No request waits on a refresh and no crowd refreshes: past its TTL a snapshot is still
        answered for as long again while ONE task reads the store (refresh-ahead), and a
        campaign not in memory is read once however many requests ask at the same moment
        (single flight). A ``campaign`` signal drops the snapshot at once, and a read that
        started before the signal is not stored."""
        now = time.monotonic()
        cached = self._info.get(campaign_id)
        if cached is not None:
            info, fresh_until = cached
            if fresh_until > now:
                return info
            if info is not None and fresh_until + self.settings().local_info_ttl_seconds > now:
                self._loader(campaign_id)
                return info
        return await asyncio.shield(self._loader(campaign_id))

    def _loader(self, campaign_id: int) -> asyncio.Task[CampaignInfo | None]:
        loading = self._loading.get(campaign_id)
        if loading is None:
            read = self._load(campaign_id, self._generation)
            loading = self._loading[campaign_id] = asyncio.create_task(read)
            # A refresh nobody waits for may fail (Redis away): the next request tries again.
            loading.add_done_callback(_retrieve)
        return loading

    async def _load(self, campaign_id: int, generation: int) -> CampaignInfo | None:
        try:
            raw = await self.store.info(campaign_id)
            info = CampaignInfo.model_validate_json(raw) if raw else None
            if generation == self._generation:
                # A campaign that is not warm yet is looked up again after a short while only.
                ttl = self.settings().local_info_ttl_seconds if info is not None else 1.0
                self._info[campaign_id] = (info, time.monotonic() + ttl)
            return info
        finally:
            if self._loading.get(campaign_id) is asyncio.current_task():
                del self._loading[campaign_id]

    async def start(self) -> None:
        if isinstance(self.store, MemoryFlashStore):
            self.store.listeners.append(self.apply)
            return
        if isinstance(self.store, RedisFlashStore) and self._listener is None:
            self._listener = asyncio.create_task(
                self._listen(self.store), name="shoplet-flashsale-signals"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._subscribed.wait(), 5.0)

    async def stop(self) -> None:
        if isinstance(self.store, MemoryFlashStore):
            with contextlib.suppress(ValueError):
                self.store.listeners.remove(self.apply)
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._subscribed.clear()

    async def _listen(self, store: RedisFlashStore) -> None:
        backoff = 0.1
        while True:
            try:
                async with store.redis.pubsub() as pubsub:
                    await pubsub.subscribe(store.signals)
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        if kind == "subscribe":
                            # Signals may have been missed while unsubscribed: start afresh.
                            self._sold_out.clear()
                            self._generation += 1
                            self._info.clear()
                            self._loading.clear()
                            self._subscribed.set()
                            backoff = 0.1
                        elif kind == "message":
                            data = message["data"]
                            self.apply(data.decode() if isinstance(data, bytes) else str(data))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("flashsale.signals_lost", exc_info=True)
            finally:
                self._subscribed.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


def _retrieve(task: asyncio.Task[CampaignInfo | None]) -> None:
    if not task.cancelled():
        task.exception()


_HS256_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class MemberTokens:
    """Storefront access JWTs seen by this process: member id and expiry by token.

    The buy path sees the same tokens again and again during a sale (a shopper retries every
    second): a verified token is a dict look-up afterwards, until it expires (the oldest go
    first when the table is full). The first sight of a token checks it with a narrow HS256
    verifier (a fifth of PyJWT's cost, which matters in the first second of a sale when every
    token is new): exactly the header ``TokenSigner`` writes, the HMAC under the app secret,
    ``aud``, ``exp``, ``nbf``, ``iat`` and ``sub``. It is used only after it agreed with
    ``ctx.tokens`` on a probe token, and anything it does not accept goes to
    ``ctx.tokens.verify``, which has the last word."""

    def __init__(self, ctx: AppContext, *, size: int = 100_000) -> None:
        self._ctx = ctx
        self._size = size
        self._known: dict[str, tuple[int, float]] = {}
        self._key = ctx.settings.resolved_secret_key.encode()
        probe = ctx.tokens.issue(subject="0", audience="storefront", ttl=timedelta(minutes=1))
        self._fast = self._quick(probe, time.time()) == (0, float(_exp(probe)))

    def _quick(self, token: str, now: float) -> tuple[int, float] | None:
        header, _, rest = token.partition(".")
        payload, _, signature = rest.partition(".")
        if header != _HS256_HEADER or not payload or not signature:
            return None
        try:
            mac = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(mac, _b64(signature)):
                return None
            claims = orjson.loads(_b64(payload))
            aud, exp = claims["aud"], claims["exp"]
            audiences = aud if isinstance(aud, list) else [aud]
            if "storefront" not in audiences or not isinstance(exp, int | float) or exp <= now:
                return None
            if any(
                not isinstance(claims.get(name, 0), int | float) or claims.get(name, 0) > now
                for name in ("nbf", "iat")
            ):
                return None
            return int(claims["sub"]), float(exp)
        except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
            return None

    def member_id(self, authorization: str | None) -> int:
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized("A storefront access token is required")
        token = authorization[7:].strip()
        now = time.time()
        known = self._known.get(token)
        if known is not None:
            if known[1] > now:
                return known[0]
            del self._known[token]
        found = self._quick(token, now) if self._fast else None
        if found is None:
            try:
                claims = self._ctx.tokens.verify(token, audience="storefront")
                found = int(claims["sub"]), float(claims["exp"])
            except (TokenError, KeyError, TypeError, ValueError) as exc:
                raise Unauthorized("The access token is invalid or expired") from exc
        if len(self._known) >= self._size:
            del self._known[next(iter(self._known))]
        self._known[token] = found
        return found[0]


def _exp(token: str) -> int:
    exp: int = orjson.loads(_b64(token.split(".")[1]))["exp"]
    return exp


class FlashRuntime:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.redis: Redis | None = None
        url = ctx.settings.redis_url
        if ctx.redis is not None and url:
            size = flash_settings(ctx).redis_pool_size
            # The hot path's own pool, sized apart from the app's; a cluster client for a
            # ``redis+cluster://`` URL.
            self.redis = (
                redis_client(url, max_connections=size, timeout=0)
                if is_cluster_url(url)
                else Redis.from_url(url, max_connections=size)
            )
        self.store: FlashStore = (
            RedisFlashStore(self.redis, namespace=ctx.settings.redis_prefix)
            if self.redis is not None
            else MemoryFlashStore()
        )
        self.edge = EdgeState(self.store, lambda: flash_settings(ctx))
        secret = ctx.settings.resolved_secret_key
        self.tokens = BuyTokens(secret)
        self.members = MemberTokens(ctx)
        self.challenges = ArithmeticChallenge(secret)
        # This process's name in the consumer group: a restarted worker is a new consumer, and
        # what its previous life left pending is claimed after ``claim_idle_ms``.
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    async def aclose(self) -> None:
        """Stop the listener and close the hot path's pool (the app lifespan; scripts)."""
        await self.edge.stop()
        if self.ctx.extras.get(RUNTIME_KEY) is self:
            del self.ctx.extras[RUNTIME_KEY]
        if self.redis is not None:
            await self.redis.aclose()

    @property
    def settings(self) -> FlashSaleSettings:
        return flash_settings(self.ctx)

    async def signal(self, message: str) -> None:
        """Tell every process (this one at once); a lost signal only costs a Redis round trip."""
        self.edge.apply(message)
        if not isinstance(self.store, MemoryFlashStore):
            try:
                await self.store.publish(message)
            except Exception:
                log.warning("flashsale.signal_failed", message=message, exc_info=True)


def runtime_of(ctx: AppContext) -> FlashRuntime:
    """This context's runtime, created on first use (jobs and the worker need no startup)."""
    runtime = ctx.extras.get(RUNTIME_KEY)
    if not isinstance(runtime, FlashRuntime):
        runtime = ctx.extras[RUNTIME_KEY] = FlashRuntime(ctx)
        info = dict(ctx.sessionmaker.kw.get("info") or {})
        info[RUNTIME_KEY] = runtime
        ctx.sessionmaker.configure(info=info)
    return runtime


def runtime_for(session: AsyncSession) -> FlashRuntime | None:
    """The runtime of the context that made ``session`` (None before the first use)."""
    runtime = session.info.get(RUNTIME_KEY)
    return runtime if isinstance(runtime, FlashRuntime) else None
