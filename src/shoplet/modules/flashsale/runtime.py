"""Per-process flash-sale state: the store, the local sold-out flags and campaign cache, tokens.

One :class:`FlashRuntime` per ``AppContext`` (``runtime_of(ctx)``), also reachable from event
handlers through their session (``runtime_for(session)``), like the payments runtime.

The edges answer most requests of a sale from memory:

- **sold-out flags** per (campaign, SKU): set when this process sees a SKU run out, or when
  another process says so on the ``shoplet:flash:signals`` channel; cleared by a ``restock``
  signal (a failed request or a cancelled order gave units back). With Redis they are trusted
  only while this process is subscribed (a missed message could otherwise keep a flag stale);
  a (re)subscription starts from no flags at all.
- **campaign metadata** (window, prices, limits) from the warm-up snapshot, kept
  ``local_info_ttl_seconds`` and dropped at once by a ``campaign`` signal.

Both are optimisations only: the buy script in Redis decides every purchase.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.flashsale.config import FlashSaleSettings, flash_settings
from shoplet.modules.flashsale.risk import ArithmeticChallenge
from shoplet.modules.flashsale.schemas import CampaignInfo
from shoplet.modules.flashsale.store import (
    SIGNALS,
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
            self._info.pop(numbers[0], None)
            self._sold_out = {key for key in self._sold_out if key[0] != numbers[0]}

    async def campaign(self, campaign_id: int) -> CampaignInfo | None:
        """The warm snapshot of a campaign, from process memory when fresh, else the store."""
        now = time.monotonic()
        cached = self._info.get(campaign_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        raw = await self.store.info(campaign_id)
        info = CampaignInfo.model_validate_json(raw) if raw else None
        # A campaign that is not warm yet is looked up again after a short while only.
        ttl = self.settings().local_info_ttl_seconds if info is not None else 1.0
        self._info[campaign_id] = (info, now + ttl)
        return info

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
                    await pubsub.subscribe(SIGNALS)
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        if kind == "subscribe":
                            # Signals may have been missed while unsubscribed: start afresh.
                            self._sold_out.clear()
                            self._info.clear()
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


class FlashRuntime:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.store: FlashStore = (
            RedisFlashStore(ctx.redis) if ctx.redis is not None else MemoryFlashStore()
        )
        self.edge = EdgeState(self.store, lambda: flash_settings(ctx))
        secret = ctx.settings.resolved_secret_key
        self.tokens = BuyTokens(secret)
        self.challenges = ArithmeticChallenge(secret)
        # This process's name in the consumer group: a restarted worker is a new consumer, and
        # what its previous life left pending is claimed after ``claim_idle_ms``.
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

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
