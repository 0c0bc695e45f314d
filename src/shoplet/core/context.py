"""Process-wide resources, built once in the app's lifespan and reached from requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shoplet.core.cache import Cache, attach_cache
from shoplet.core.db import create_engine, create_sessionmaker
from shoplet.core.dbwatch import watch_engine
from shoplet.core.observability import Metrics
from shoplet.core.ratelimit import RateLimiter
from shoplet.core.redis_pool import redis_client
from shoplet.core.security import PiiCipher, TokenSigner
from shoplet.core.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    limiter: RateLimiter
    pii: PiiCipher
    tokens: TokenSigner
    metrics: Metrics
    # Resources owned by higher layers (integrations, cache, event bus), keyed by name.
    extras: dict[str, Any] = field(default_factory=dict)
    # Built from redis + metrics; sessions carry it so services can invalidate after commit.
    cache: Cache = field(init=False)

    def __post_init__(self) -> None:
        self.cache = Cache(self.redis, self.metrics, namespace=self.settings.redis_prefix)
        attach_cache(self.sessionmaker, self.cache)
        watch_engine(self.engine, self.metrics.registry, self.settings.db_slow_query_seconds)

    @classmethod
    def build(cls, settings: Settings, metrics: Metrics | None = None) -> AppContext:
        engine = create_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            echo=settings.db_echo,
        )
        redis = None
        if settings.redis_url:
            redis = redis_client(
                settings.redis_url,
                max_connections=settings.redis_max_connections,
                timeout=settings.redis_pool_timeout_seconds,
            )
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            redis=redis,
            limiter=RateLimiter(settings.redis_url, redis_prefix=settings.redis_prefix),
            pii=PiiCipher(settings.resolved_pii_keys, index_key=settings.resolved_pii_index_key),
            tokens=TokenSigner(settings.resolved_secret_key),
            metrics=metrics or Metrics(),
        )

    async def close(self) -> None:
        await self.cache.stop()
        # Object storage clients (core/storage_s3.py: an HTTP session each); local storage has none.
        for name in ("storage.media", "storage.private"):
            closer = getattr(self.extras.pop(name, None), "aclose", None)
            if closer is not None:
                await closer()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


async def _context(request: Request) -> AppContext:
    # async: FastAPI runs a plain ``def`` dependency in the thread pool, a thread hop per request.
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(_context)]
