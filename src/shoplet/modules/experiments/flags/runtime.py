"""Every process's copy of the flags: a ``FlagStore`` holding the compiled ruleset in memory,
kept fresh two ways.

- **Push**: a change bumps the ruleset version in its transaction and, once committed,
  publishes the version on ``<redis_prefix>experiments:flags`` (Redis pub/sub); without Redis
  (embedded) on an in-process bus. A store that hears a version newer than its own reloads.
- **Poll**: every ``flags_poll_seconds`` a store reads the version row and reloads when it
  moved: a message lost while a subscriber reconnected costs at most one poll interval.

A reload reads the version first, then the flags, in one transaction: the flags are at least
as new as the version they are filed under (a change landing between the reads is picked up
again by the next message or poll, never missed)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from typing import cast

import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.context import AppContext
from shoplet.core.db import on_commit, read_session

from . import repository
from .evaluate import (
    EMPTY,
    FlagContext,
    Resolution,
    Ruleset,
    SegmentCheck,
    compile_flag,
    evaluate,
    evaluate_all,
)

log = structlog.get_logger("shoplet.experiments.flags")

CHANNEL = "experiments:flags"
_local_channels: dict[str, weakref.WeakSet[FlagStore]] = {}


class FlagBus:
    """Where versions are announced: Redis pub/sub when configured, else this process."""

    def __init__(self, redis: Redis | None, channel: str) -> None:
        self.redis = redis
        self.channel = channel
        self._tasks: set[asyncio.Task[None]] = set()

    def publish_after_commit(self, session: AsyncSession, version: int) -> None:
        """Announce ``version`` once ``session`` commits (nothing on a rollback)."""
        on_commit(session, lambda: self._spawn(self.publish(version)))

    def _spawn(self, coro: asyncio.Future[None] | object) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish(self, version: int) -> None:
        if self.redis is None:
            for store in list(_local_channels.get(self.channel, ())):
                store.heard(version)
            return
        try:
            await self.redis.publish(self.channel, str(version))
        except Exception:
            # The poll still carries the change to every process within one interval.
            log.warning("flags.publish_failed", channel=self.channel, exc_info=True)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)


class FlagStore:
    """The ruleset of one process (API or worker) and the loops that refresh it."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: FlagBus,
        *,
        poll_seconds: float = 5.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.ruleset: Ruleset = EMPTY
        # (member id, segment id) -> bool; set by whoever owns segments (analytics).
        self.segment_check: SegmentCheck | None = None
        self._lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._subscribed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._reloading: asyncio.Task[None] | None = None
        self.on_reload: list[Callable[[Ruleset], None]] = []

    # -- reads (no I/O) -----------------------------------------------------------------------

    def evaluate(self, key: str, ctx: FlagContext) -> Resolution | None:
        flag = self.ruleset.flags.get(key)
        return None if flag is None else evaluate(flag, ctx, self.segment_check)

    def evaluate_all(self, ctx: FlagContext) -> dict[str, Resolution]:
        return evaluate_all(self.ruleset, ctx, self.segment_check)

    # -- refresh --------------------------------------------------------------------------

    async def reload(self) -> Ruleset:
        async with self._lock:
            async with read_session(self.sessionmaker) as session:
                version = await repository.ruleset_version(session)
                rows = await repository.all_flags(session)
                flags = {
                    row.key: compile_flag(
                        key=row.key,
                        kind=row.kind,
                        variants=row.variants,
                        default_variant=row.default_variant,
                        off_variant=row.off_variant,
                        is_enabled=row.is_enabled,
                        rules=row.rules,
                    )
                    for row in rows
                }
            # Reloads are serialised by the lock, so the last one read the newest rows.
            self.ruleset = Ruleset(version=version, flags=flags)
            for callback in self.on_reload:
                callback(self.ruleset)
        async with self._changed:
            self._changed.notify_all()
        return self.ruleset

    def heard(self, version: int) -> None:
        """A version was announced: reload unless this one is as new (one reload at a time)."""
        if version <= self.ruleset.version:
            return
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.get_running_loop().create_task(self._reload_quietly())
            self._tasks = [t for t in self._tasks if not t.done()] + [self._reloading]

    async def _reload_quietly(self) -> None:
        try:
            await self.reload()
        except Exception:
            log.warning("flags.reload_failed", exc_info=True)

    async def wait_for_version(self, version: int, timeout: float) -> Ruleset:  # noqa: ASYNC109
        """Until the ruleset is at least ``version`` (``TimeoutError`` after ``timeout``)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.ruleset.version >= version)
        return self.ruleset

    async def start(self) -> None:
        """Load, subscribe, and poll; returns once subscribed (or on the local bus)."""
        await self._reload_quietly()
        if self.bus.redis is None:
            _local_channels.setdefault(self.bus.channel, weakref.WeakSet()).add(self)
            self._subscribed.set()
        else:
            self._tasks.append(asyncio.create_task(self._listen(self.bus.redis)))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._subscribed.wait()
        self._tasks.append(asyncio.create_task(self._poll()))

    async def stop(self) -> None:
        local = _local_channels.get(self.bus.channel)
        if local is not None:
            local.discard(self)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen(self, redis: Redis) -> None:
        backoff = 0.1
        while True:
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.bus.channel)
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        if kind == "subscribe":
                            self._subscribed.set()
                            backoff = 0.1
                            # Changes may have been missed while unsubscribed.
                            self.heard(self.ruleset.version + 1)
                        elif kind == "message":
                            self._on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("flags.subscriber_lost", channel=self.bus.channel, exc_info=True)
            finally:
                self._subscribed.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    def _on_message(self, data: bytes | str) -> None:
        try:
            version = int(data)
        except (TypeError, ValueError):
            log.warning("flags.bad_message", data=str(data)[:100])
            return
        self.heard(version)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                async with read_session(self.sessionmaker) as session:
                    version = await repository.ruleset_version(session)
                if version != self.ruleset.version:
                    await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("flags.poll_failed", exc_info=True)


# -- the process's store and bus, kept on the app context -------------------------------------

STORE_KEY = "experiments.flags.store"
BUS_KEY = "experiments.flags.bus"
GUARDRAILS_KEY = "experiments.flags.guardrails"


def bus_of(ctx: AppContext) -> FlagBus:
    bus = ctx.extras.get(BUS_KEY)
    if bus is None:
        bus = ctx.extras[BUS_KEY] = FlagBus(ctx.redis, ctx.settings.redis_key(CHANNEL))
    return cast("FlagBus", bus)


def store_of(ctx: AppContext) -> FlagStore:
    """The process's store (an empty one until start-up has loaded it)."""
    store = ctx.extras.get(STORE_KEY)
    if store is None:
        store = ctx.extras[STORE_KEY] = FlagStore(
            ctx.sessionmaker, bus_of(ctx), poll_seconds=ctx.settings.flags_poll_seconds
        )
    return cast("FlagStore", store)
