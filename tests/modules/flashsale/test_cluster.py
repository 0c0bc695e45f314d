"""The flash sale end to end on Redis Cluster (``SHOPLET_REDIS_URL=redis+cluster://…``): the app
and two more edge processes on a local three-master cluster, many shoppers buying at once over
HTTP, then the consumer turning the tickets into orders on PostgreSQL. Never more than the
stock, never more than a shopper's limit, every ticket an order."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.db import create_sessionmaker
from shoplet.core.observability import Metrics
from shoplet.core.ratelimit import RateLimiter
from shoplet.core.redis_pool import is_cluster, redis_client
from shoplet.core.security import PiiCipher, TokenSigner
from shoplet.modules.flashsale.config import use_settings
from shoplet.modules.flashsale.runtime import runtime_of
from tests.conftest import TEST_PII_KEY, TEST_SECRET, BackendDb, _clean, make_settings
from tests.core.redis_cluster import cluster_for_module
from tests.modules.flashsale.conftest import (
    buy,
    buy_token,
    consume,
    flash_orders,
    go_live,
    held,
    make_campaign,
    make_sku,
    remaining,
    shopper,
    tickets,
)

SHOPPERS = 36
ATTEMPTS = 3
STOCK = 20
LIMIT = 2


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from cluster_for_module(tmp_path_factory)


def cluster_context(
    backend_db: BackendDb, cluster_url: str, data_dir: Path, **kw: str
) -> AppContext:
    settings = make_settings(backend_db, data_dir, redis_url=cluster_url, **kw)
    return AppContext(
        settings=settings,
        engine=backend_db.engine,
        sessionmaker=create_sessionmaker(backend_db.engine),
        redis=redis_client(cluster_url, max_connections=256, timeout=5),
        limiter=RateLimiter(cluster_url, redis_prefix=settings.redis_prefix),
        pii=PiiCipher(bytes.fromhex(TEST_PII_KEY)),
        tokens=TokenSigner(TEST_SECRET),
        metrics=Metrics(),
    )


@pytest.fixture
async def app(backend_db: BackendDb, tmp_path: Path, cluster_url: str) -> AsyncIterator[FastAPI]:
    if not backend_db.is_postgres:
        pytest.skip("embedded mode keeps the flash sale in the process, not in Redis")
    await _clean(backend_db)
    ctx = cluster_context(backend_db, cluster_url, tmp_path)
    application = create_app(ctx.settings, context=ctx)
    async with application.router.lifespan_context(application):
        yield application
    assert ctx.redis is not None
    await ctx.redis.aclose()  # not ctx.close(): the engine is the run's, shared by every test


@asynccontextmanager
async def edge_replica(
    backend_db: BackendDb, cluster_url: str, data_dir: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, AppContext]]:
    ctx = cluster_context(backend_db, cluster_url, data_dir, role="edge")
    use_settings(ctx, buy_per_ip=100_000)
    app = create_app(ctx.settings, context=ctx)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
            yield client, ctx
    assert ctx.redis is not None
    await ctx.redis.aclose()


async def test_buyers_on_three_processes_never_oversell_on_a_cluster(
    client: httpx.AsyncClient,
    ctx: AppContext,
    backend_db: BackendDb,
    cluster_url: str,
    tmp_path: Path,
) -> None:
    assert is_cluster(ctx.redis)
    assert is_cluster(runtime_of(ctx).redis)
    assert (await client.get("/readyz")).json()["checks"]["redis"] == "ok"
    use_settings(ctx, consume_block_ms=0, claim_idle_ms=300, buy_per_ip=100_000)
    sku = await make_sku(ctx, price=9900, stock=100)
    campaign_id = await make_campaign(ctx, [sku], stock=STOCK, limit=LIMIT)
    await go_live(ctx, campaign_id)
    shoppers = [await shopper(client, f"c{n}") for n in range(SHOPPERS)]
    async with (
        edge_replica(backend_db, cluster_url, tmp_path / "a") as edge_a,
        edge_replica(backend_db, cluster_url, tmp_path / "b") as edge_b,
    ):
        edges = [client, edge_a[0], edge_b[0]]
        start = asyncio.Event()

        async def attempt(n: int, k: int) -> tuple[int, int]:
            who = shoppers[n]
            await start.wait()
            edge = edges[(n + k) % len(edges)]
            response = await buy(edge, who, campaign_id, sku, buy_token(ctx, campaign_id, who.id))
            assert response.status_code in (202, 409), response.text
            return who.id, response.status_code

        tasks = [
            asyncio.create_task(attempt(n, k)) for n in range(SHOPPERS) for k in range(ATTEMPTS)
        ]
        start.set()
        results = await asyncio.gather(*tasks)
    accepted = Counter(member for member, status in results if status == 202)
    assert sum(accepted.values()) == STOCK
    assert max(accepted.values()) <= LIMIT
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 0}

    await consume(ctx)
    orders = await flash_orders(ctx)
    assert len(orders) == STOCK
    assert Counter(o.member_id for o in orders) == accepted
    assert {t.status for t in await tickets(ctx)} == {"created"}
    assert await held(ctx, campaign_id, sku) == 0
