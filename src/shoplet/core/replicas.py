"""Read replicas: reads that tolerate lag go to a streaming replica, with read-your-writes.

``SHOPLET_DATABASE_REPLICA_URLS`` lists one or more hot standbys of the primary. Without it
nothing here runs and every read stays on the primary, as before.

- **What goes to a replica**: only reads that opt in, through ``replica_session`` (the catalog's
  cache fills) or the ``ReplicaDbSession`` dependency (a shopper's order list and order page).
  Every transaction that writes, and every other read, stays on the primary.
- **Read-your-writes**: a request with a bearer token that changes something (any method but
  GET/HEAD/OPTIONS: placing an order, paying, editing the cart or an address) records, before its
  answer is sent, the primary's WAL position (``pg_current_wal_lsn()``, taken after its commit)
  in Redis under the caller's identity, for ``database_read_your_writes_seconds``. That caller's
  replica reads then go to a replica only once its ``pg_last_wal_replay_lsn()`` has passed that
  position, else to the primary. Nobody else is held back.
- **Health**: each replica is checked at most every ``database_replica_check_seconds`` (started
  by a read, run in the background, one check at a time): down, no longer a standby
  (promoted), or lagging by more than ``database_replica_max_lag_bytes`` / ``_seconds`` ->
  skipped until the next good check.
  A replica whose connection fails when a read takes it is marked down at once, and the read
  goes to the primary. ``shoplet_db_reads_total{target,reason}``, ``shoplet_db_replica_up``,
  ``shoplet_db_replica_lag_bytes``, ``shoplet_db_replica_lag_seconds`` and
  ``shoplet_db_read_your_writes_pins_total`` show it (alerts: deploy/observability).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import structlog
from fastapi import Depends, Request
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoplet.core.security import TokenError

if TYPE_CHECKING:
    from shoplet.core.context import AppContext
    from shoplet.core.settings import Settings

log = structlog.get_logger("shoplet.db.replicas")

_EXTRA = "core.replicas"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Any connection failure while taking a replica connection: refused, reset, timed out, or the
# driver's own error wrapped by SQLAlchemy.
_CONNECT_ERRORS = (OSError, TimeoutError, SQLAlchemyError)


def lsn_value(lsn: str) -> int:
    """``'16/B374D848'`` -> a comparable byte position."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


class ReplicaMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.reads = Counter(
            "shoplet_db_reads_total",
            "Reads that could go to a replica, by where they went and why",
            ["target", "reason"],
            registry=registry,
        )
        self.up = Gauge(
            "shoplet_db_replica_up",
            "1 when the replica passed its last check (reachable, a standby, within the lag limit)",
            ["replica"],
            registry=registry,
        )
        self.lag = Gauge(
            "shoplet_db_replica_lag_bytes",
            "WAL bytes the replica had still to replay at its last check",
            ["replica"],
            registry=registry,
        )
        self.lag_seconds = Gauge(
            "shoplet_db_replica_lag_seconds",
            "Replay delay at the replica's last check: time since its last replayed commit "
            "while WAL waits (0 when it has replayed everything it received)",
            ["replica"],
            registry=registry,
        )
        self.pins = Counter(
            "shoplet_db_read_your_writes_pins_total",
            "Writes that pinned their caller's replica reads to the primary until replayed",
            registry=registry,
        )


_metrics: dict[CollectorRegistry, ReplicaMetrics] = {}


def _metrics_for(registry: CollectorRegistry) -> ReplicaMetrics:
    metrics = _metrics.get(registry)
    if metrics is None:
        metrics = _metrics[registry] = ReplicaMetrics(registry)
    return metrics


@dataclass
class Replica:
    name: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    is_up: bool = False
    replay_lsn: int = 0
    lag_bytes: int = 0
    lag_seconds: float = 0.0
    why_not: str = "unchecked"
    checked_at: float = -math.inf


_REPLICA_STATE = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
    " CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)"
    " END"
)
_REPLAY_LSN = text("SELECT pg_last_wal_replay_lsn()::text")
_PRIMARY_LSN = text("SELECT pg_current_wal_lsn()::text")


@dataclass
class ReplicaSet:
    settings: Settings
    primary: AsyncEngine
    metrics: ReplicaMetrics
    redis: Any
    replicas: list[Replica]
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _task: asyncio.Task[None] | None = None
    _local_pins: dict[str, tuple[int, float]] = field(default_factory=dict)

    @classmethod
    def build(cls, ctx: AppContext) -> ReplicaSet:
        settings = ctx.settings
        replicas = []
        for url in settings.database_replica_urls:
            # AUTOCOMMIT: each read is its own snapshot, no BEGIN/COMMIT round trips; pre-ping:
            # a pooled connection to a replica that restarted is replaced, not handed out.
            replica_engine = create_async_engine(
                url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_pre_ping=True,
                connect_args={"timeout": settings.database_replica_connect_timeout_seconds},
                isolation_level="AUTOCOMMIT",
            )
            parsed = make_url(url)
            name = f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"
            replicas.append(
                Replica(
                    name=name,
                    engine=replica_engine,
                    sessionmaker=async_sessionmaker(
                        replica_engine, expire_on_commit=False, autoflush=False
                    ),
                )
            )
        return cls(
            settings=settings,
            primary=ctx.engine,
            metrics=_metrics_for(ctx.metrics.registry),
            redis=ctx.redis,
            replicas=replicas,
        )

    # -- health -------------------------------------------------------------------------------

    async def check(self) -> None:
        """Check every replica now (lag against the primary's current WAL position)."""
        try:
            async with self.primary.connect() as conn:
                primary_lsn: int | None = lsn_value((await conn.execute(_PRIMARY_LSN)).scalar_one())
        except _CONNECT_ERRORS:
            primary_lsn = None  # the primary is down: the lag in bytes is unknown this round
        await asyncio.gather(*(self._check(r, primary_lsn) for r in self.replicas))

    async def _check(self, replica: Replica, primary_lsn: int | None) -> None:
        settings = self.settings
        try:
            async with asyncio.timeout(settings.database_replica_connect_timeout_seconds * 2):
                async with replica.engine.connect() as conn:
                    in_recovery, replay, lag_seconds = (await conn.execute(_REPLICA_STATE)).one()
        except _CONNECT_ERRORS as exc:
            replica.is_up, replica.why_not = False, "down"
            log.warning("db.replica_down", replica=replica.name, error=str(exc)[:200])
        else:
            replica.replay_lsn = lsn_value(replay) if replay else 0
            replica.lag_seconds = float(lag_seconds or 0)
            replica.lag_bytes = max(0, primary_lsn - replica.replay_lsn) if primary_lsn else 0
            if not in_recovery:
                # Promoted: no longer follows this primary; reading it could show a split brain.
                replica.is_up, replica.why_not = False, "not_standby"
            elif (
                replica.lag_bytes > settings.database_replica_max_lag_bytes
                or replica.lag_seconds > settings.database_replica_max_lag_seconds
            ):
                replica.is_up, replica.why_not = False, "lagging"
            else:
                replica.is_up, replica.why_not = True, ""
        replica.checked_at = time.monotonic()
        self.metrics.up.labels(replica.name).set(1 if replica.is_up else 0)
        self.metrics.lag.labels(replica.name).set(replica.lag_bytes)
        self.metrics.lag_seconds.labels(replica.name).set(replica.lag_seconds)

    async def _refresh_if_due(self) -> None:
        """Start a check when the last one is older than the interval. It runs in the
        background: a read never waits for a replica that does not answer, except the first
        read of the process, which has nothing else to go on."""
        interval = self.settings.database_replica_check_seconds
        now = time.monotonic()
        if all(now - r.checked_at < interval for r in self.replicas):
            return
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._background_check())
        if all(r.checked_at == -math.inf for r in self.replicas):
            await asyncio.shield(self._task)

    async def _background_check(self) -> None:
        try:
            await self.check()
        except Exception:
            log.exception("db.replica_check_failed")

    def mark_down(self, replica: Replica) -> None:
        replica.is_up, replica.why_not = False, "down"
        replica.checked_at = time.monotonic()
        self.metrics.up.labels(replica.name).set(0)

    # -- choosing -----------------------------------------------------------------------------

    async def pick(self, min_lsn: int | None) -> tuple[Replica | None, str]:
        """A replica to read from (round-robin over the healthy ones that have replayed past
        ``min_lsn``), or None and why the primary must answer."""
        await self._refresh_if_due()
        healthy = [r for r in self.replicas if r.is_up]
        if not healthy:
            reasons = {r.why_not for r in self.replicas}
            return None, "replica_" + (reasons.pop() if len(reasons) == 1 else "unavailable")
        start = next(self._turn) % len(healthy)
        ordered = healthy[start:] + healthy[:start]
        if min_lsn is None:
            return ordered[0], "replica"
        for replica in ordered:
            if replica.replay_lsn >= min_lsn:
                return replica, "replica_caught_up"
        # The last check is older than the write: ask one replica where it is now.
        replica = ordered[0]
        try:
            async with replica.engine.connect() as conn:
                replay = (await conn.execute(_REPLAY_LSN)).scalar_one()
        except _CONNECT_ERRORS:
            self.mark_down(replica)
            return None, "replica_down"
        replica.replay_lsn = max(replica.replay_lsn, lsn_value(replay) if replay else 0)
        if replica.replay_lsn >= min_lsn:
            return replica, "replica_caught_up"
        return None, "read_your_writes"

    # -- read-your-writes pins ----------------------------------------------------------------

    def _pin_key(self, identity: str) -> str:
        return self.settings.redis_key(f"db:rw:{identity}")

    async def note_write(self, identity: str) -> None:
        """Record the primary's WAL position now (after the caller's commit) for ``identity``."""
        ttl = self.settings.database_read_your_writes_seconds
        try:
            async with self.primary.connect() as conn:
                lsn = lsn_value((await conn.execute(_PRIMARY_LSN)).scalar_one())
        except _CONNECT_ERRORS:
            lsn = 1 << 64  # position unknown: the primary answers this caller until the pin ends
        self.metrics.pins.inc()
        if self.redis is None:
            self._local_pins[identity] = (lsn, time.monotonic() + ttl)
            return
        try:
            await self.redis.set(self._pin_key(identity), str(lsn), ex=ttl)
        except Exception:
            log.exception("db.read_your_writes_pin_failed")
            self._local_pins[identity] = (lsn, time.monotonic() + ttl)

    async def pinned_lsn(self, identity: str) -> int | None:
        local = self._local_pins.get(identity)
        if local is not None:
            if local[1] > time.monotonic():
                return local[0]
            del self._local_pins[identity]
        if self.redis is None:
            return None
        try:
            raw = await self.redis.get(self._pin_key(identity))
        except Exception:
            return 1 << 64  # cannot tell whether this caller just wrote: the primary answers
        return int(raw) if raw is not None else None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        for replica in self.replicas:
            await replica.engine.dispose()


def replicas_of(ctx: AppContext) -> ReplicaSet | None:
    """This process's replica set (built on first use), or None without replicas."""
    if not ctx.settings.database_replica_urls:
        return None
    replica_set: ReplicaSet | None = ctx.extras.get(_EXTRA)
    if replica_set is None:
        replica_set = ctx.extras[_EXTRA] = ReplicaSet.build(ctx)
    return replica_set


async def close_replicas(ctx: AppContext) -> None:
    replica_set: ReplicaSet | None = ctx.extras.pop(_EXTRA, None)
    if replica_set is not None:
        await replica_set.close()


def caller_identity(ctx: AppContext, authorization: str | None) -> str | None:
    """Whose writes a request makes or must see: the bearer token's audience and subject."""
    if not authorization or authorization[:7].lower() != "bearer ":
        return None
    token = authorization[7:].strip()
    for audience, tag in (("storefront", "m"), ("console", "s")):
        try:
            claims = ctx.tokens.verify(token, audience=audience)  # type: ignore[arg-type]
        except TokenError:
            continue
        return f"{tag}{claims['sub']}"
    return None


@asynccontextmanager
async def replica_session(
    ctx: AppContext,
    fallback: async_sessionmaker[AsyncSession],
    *,
    identity: str | None = None,
) -> AsyncIterator[AsyncSession]:
    """A session for reads that tolerate lag: on a replica when one is healthy (and, for
    ``identity``, has replayed that caller's last write), else from ``fallback`` (the primary).
    Never committed: nothing may be written through it."""
    replica_set = replicas_of(ctx)
    if replica_set is None:
        async with fallback() as plain:
            yield plain
        return
    min_lsn = await replica_set.pinned_lsn(identity) if identity else None
    replica, reason = await replica_set.pick(min_lsn)
    session: AsyncSession | None = None
    if replica is not None:
        candidate = replica.sessionmaker()
        try:
            # Take the connection now, so a replica that just went away costs this read a
            # fallback, not an error.
            await candidate.connection()
            session = candidate
        except _CONNECT_ERRORS:
            await candidate.close()
            replica_set.mark_down(replica)
            reason = "replica_down"
    replica_set.metrics.reads.labels("replica" if session else "primary", reason).inc()
    async with session or fallback() as opened:
        opened.info["shoplet.replica"] = replica.name if session and replica else None
        yield opened


async def _replica_request_session(request: Request) -> AsyncIterator[AsyncSession]:
    ctx: AppContext = request.app.state.ctx
    identity = None
    if ctx.settings.database_replica_urls:
        identity = caller_identity(ctx, request.headers.get("authorization"))
    async with replica_session(ctx, ctx.sessionmaker, identity=identity) as session:
        yield session


# A request's read-only session that tolerates replica lag (the caller's own writes excepted).
ReplicaDbSession = Annotated[AsyncSession, Depends(_replica_request_session)]


class ReadYourWritesMiddleware:
    """Pins a caller that changed something to the primary until replicas replay the change.

    The pin is written before the answer's first byte leaves, so the caller's next read (sent
    after it saw the answer) always finds it. Installed only with replicas configured."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
        if authorization is None:
            await self.app(scope, receive, send)
            return

        async def send_after_pin(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 500:
                ctx: AppContext = scope["app"].state.ctx
                replica_set = replicas_of(ctx)
                identity = caller_identity(ctx, authorization)
                if replica_set is not None and identity is not None:
                    with contextlib.suppress(Exception):
                        await replica_set.note_write(identity)
            await send(message)

        await self.app(scope, receive, send_after_pin)


__all__ = [
    "ReadYourWritesMiddleware",
    "Replica",
    "ReplicaDbSession",
    "ReplicaMetrics",
    "ReplicaSet",
    "caller_identity",
    "close_replicas",
    "lsn_value",
    "replica_session",
    "replicas_of",
]
